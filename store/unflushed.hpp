// store/unflushed.hpp - what readers see of the head's log: the committed
// samples that are in the `wal` sub-database but not yet in chunk records
// (store/head.hpp appends them in order to open chunks and rewrites those
// only at checkpoints).
//
// Every sample here carries the id of the write txn that logged it; a
// reader whose LMDB snapshot is S sees those of txns <= S. When a commit C
// wrote the records of some series (a checkpoint, or a slice of one, or a
// chunk cut), those records hold every sample the series logged in txns
// before C: covered() queues that, and prune() drops those samples once no
// reader can still hold a snapshot older than C. A reader pins before its
// LMDB read txn begins and the pin keeps the last commit known then (its
// snapshot is at least that), so the rule is per series and needs no
// global generation: a checkpoint may be spread over many commits. At an
// equal time a chunk record read in the snapshot is newer than, or equal
// to, a sample here (late samples rewrite the records), so readers let
// records win; a sample kept longer than needed is only a duplicate.
//
// Thread-safety: one writer (the shard's owner) and any number of readers
// on other threads; every member is guarded by one mutex.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <utility>
#include <vector>

#include "core/sample.hpp"
#include "core/series.hpp"
#include "store/wal.hpp"

namespace vigil::store {

class unflushed_samples {
public:
  /// Announces that write txn `txn` (its LMDB id), which logged samples,
  /// is about to commit.
  void begin_commit(std::uint64_t txn);
  /// Publishes the samples txn `txn` logged (runs of a ref, ascending)
  /// after it committed, and ends the announcement.
  void publish(std::uint64_t txn, std::span<const logged_sample> samples);
  /// The announced txn did not commit.
  void end_commit();

  /// After every commit of the writer: `txn` is the last committed txn id.
  void committed(std::uint64_t txn);
  /// Committed txn `txn` wrote the records of `refs`, which hold every
  /// sample those series logged in txns before it: prune() drops those
  /// once no pinned reader's snapshot can be older than `txn`.
  void covered(std::uint64_t txn, std::vector<series_ref> refs);
  /// Drops what covered() allows now (cheap when nothing is queued).
  void prune();
  /// After records holding every sample here were deleted (retention, a
  /// cold move): drops every sample unless a reader is pinned (false).
  bool clear_if_unpinned();

  /// Samples held, for stats and tests.
  std::size_t size() const noexcept { return total_.load(std::memory_order_relaxed); }
  /// Series whose coverage waits to be pruned (for tests).
  std::size_t pending() const;

  /// Pins (see above): returns the pin's floor, to pass to unpin().
  std::uint64_t pin() const;
  void unpin(std::uint64_t floor) const;

  /// Waits until every txn up to `snapshot` (a reader's LMDB txn id) that
  /// logged samples has published them.
  void wait_published(std::uint64_t snapshot) const;

  /// Appends the samples of `ref` with t in [lo, hi] logged by txns up to
  /// `snapshot`, ascending, to `out`.
  void samples(series_ref ref, timestamp_ms lo, timestamp_ms hi, std::uint64_t snapshot,
               std::vector<sample>& out) const;
  /// Whether `ref` has such a sample.
  bool has_samples(series_ref ref, timestamp_ms lo, timestamp_ms hi, std::uint64_t snapshot) const;

private:
  struct entry {
    timestamp_ms t;
    double v;
    std::uint64_t txn;
  };
  /// ref -> its samples, ascending by time. Open addressing with linear
  /// probing, kept at most half full: a lookup touches one slot, where
  /// std::unordered_map chases a bucket and then a node, and the slot of a
  /// ref can be fetched ahead (publish() walks a batch of refs). Keys stay
  /// when their samples go (a series usually logs again soon); rebuild()
  /// drops the empty ones when they are most of the table.
  class map {
  public:
    std::vector<entry>& operator[](series_ref ref);
    std::vector<entry>* find(series_ref ref) noexcept;
    const std::vector<entry>* find(series_ref ref) const noexcept;
    /// Hints the CPU to fetch the slot where `ref` starts its probe.
    void prefetch(series_ref ref) const noexcept {
      if (!slots_.empty()) __builtin_prefetch(&slots_[index(ref)]);
    }
    std::size_t used() const noexcept { return used_; }
    /// Rebuilds the table without the keys whose samples are gone.
    void rebuild();
    void clear() noexcept {
      slots_.clear();
      mask_ = used_ = 0;
    }

  private:
    struct slot {
      series_ref key = 0; ///< ref + 1 (0: empty)
      std::vector<entry> v;
    };
    std::size_t index(series_ref ref) const noexcept {
      return static_cast<std::size_t>((ref * 0x9e3779b97f4a7c15ULL) >> 20) & mask_;
    }
    void grow(std::size_t size);
    std::vector<slot> slots_;
    std::size_t mask_ = 0;
    std::size_t used_ = 0;
  };
  struct coverage {
    std::uint64_t txn;
    std::vector<series_ref> refs;
    std::size_t done = 0; ///< of refs, pruned already
  };
  /// The oldest snapshot a pinned reader may hold (UINT64_MAX: none pinned).
  std::uint64_t min_floor() const noexcept;

  mutable std::mutex mu_;
  mutable std::condition_variable published_;
  std::uint64_t announced_ = 0; ///< txn announced and not yet published (0: none)
  std::uint64_t last_committed_ = 0;
  map map_;
  std::size_t nonempty_ = 0; ///< keys of map_ with samples
  std::deque<coverage> pending_;
  mutable std::vector<std::pair<std::uint64_t, std::uint64_t>> pins_; ///< (floor, readers)
  std::atomic<std::size_t> total_{0};
};

/// A reader's pin (RAII): taken before its LMDB read txn begins.
class unflushed_pin {
public:
  explicit unflushed_pin(const unflushed_samples* u) : u_(u), floor_(u ? u->pin() : 0) {}
  ~unflushed_pin() {
    if (u_) u_->unpin(floor_);
  }
  unflushed_pin(const unflushed_pin&) = delete;
  unflushed_pin& operator=(const unflushed_pin&) = delete;
  const unflushed_samples* get() const noexcept { return u_; }

private:
  const unflushed_samples* u_;
  std::uint64_t floor_;
};

} // namespace vigil::store
