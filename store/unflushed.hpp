// store/unflushed.hpp - what readers see of the head's log: the committed
// samples that are in the `wal` sub-database but not yet in chunk records
// (store/head.hpp appends them in order to open chunks and rewrites those
// only at checkpoints).
//
// A reader pins the current generation *before* its LMDB read txn begins
// and then asks per series. A checkpoint writes every open chunk and
// empties the log; when it commits, the generation advances and the
// samples of the generation before the previous one are dropped. Because
// a reader's snapshot holds every checkpoint up to its pinned generation,
// it needs at most the samples of that generation and the next; the writer
// therefore drops a generation only when no reader pinned one that old
// (rotate() refuses otherwise, and the samples simply stay until a later
// checkpoint). At an equal time a chunk record read in the snapshot is
// newer than, or equal to, a sample here (late samples rewrite the
// records), so readers let records win.
//
// Thread-safety: one writer (the shard's owner) and any number of readers
// on other threads; every member is guarded by one mutex.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
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

  /// After records holding every sample here were deleted (retention, a
  /// cold move): drops every sample unless a reader is pinned (false).
  bool clear_if_unpinned();
  /// Drops the previous generation's samples (all in chunk records since
  /// the last checkpoint) once no reader pinned it any more, so that they
  /// do not stay until the next checkpoint. Cheap when there is nothing
  /// to drop.
  void trim();

  /// After a checkpoint committed: advances the generation and drops the
  /// samples two generations old, unless a reader pinned that generation
  /// (then nothing is dropped; false).
  bool rotate();

  /// Samples held (both generations), for stats and the checkpoint policy.
  std::size_t size() const noexcept { return total_.load(std::memory_order_relaxed); }
  /// Samples published since the last rotation.
  std::size_t current_size() const noexcept { return current_.load(std::memory_order_relaxed); }

  /// Pins the current generation (see pin).
  std::uint64_t pin() const;
  void unpin(std::uint64_t gen) const;

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
  /// ref -> its samples, ascending. Open addressing with linear probing,
  /// kept at most half full: a lookup touches one slot, where
  /// std::unordered_map chases a bucket and then a node, and the slot of a
  /// ref can be fetched ahead (publish() walks a batch of refs).
  class map {
  public:
    std::vector<entry>& operator[](series_ref ref);
    const std::vector<entry>* find(series_ref ref) const noexcept;
    /// Hints the CPU to fetch the slot where `ref` starts its probe.
    void prefetch(series_ref ref) const noexcept {
      if (!slots_.empty()) __builtin_prefetch(&slots_[index(ref)]);
    }
    void swap(map& o) noexcept {
      slots_.swap(o.slots_);
      std::swap(mask_, o.mask_);
      std::swap(used_, o.used_);
    }

  private:
    struct slot {
      series_ref key = 0; ///< ref + 1 (0: empty)
      std::vector<entry> v;
    };
    std::size_t index(series_ref ref) const noexcept {
      return static_cast<std::size_t>((ref * 0x9e3779b97f4a7c15ULL) >> 20) & mask_;
    }
    void grow();
    std::vector<slot> slots_;
    std::size_t mask_ = 0;
    std::size_t used_ = 0;
  };
  mutable std::mutex mu_;
  mutable std::condition_variable published_;
  std::uint64_t announced_ = 0; ///< txn announced and not yet published (0: none)
  std::uint64_t gen_ = 0;
  std::array<map, 2> maps_;                       ///< [gen & 1]: current; the other: the one before
  mutable std::array<std::uint64_t, 2> pins_{};   ///< readers pinned at a generation of that parity
  std::array<std::size_t, 2> counts_{};
  std::atomic<std::size_t> total_{0}, current_{0};
};

/// A reader's pin (RAII): taken before its LMDB read txn begins.
class unflushed_pin {
public:
  explicit unflushed_pin(const unflushed_samples* u) : u_(u), gen_(u ? u->pin() : 0) {}
  ~unflushed_pin() {
    if (u_) u_->unpin(gen_);
  }
  unflushed_pin(const unflushed_pin&) = delete;
  unflushed_pin& operator=(const unflushed_pin&) = delete;
  const unflushed_samples* get() const noexcept { return u_; }

private:
  const unflushed_samples* u_;
  std::uint64_t gen_;
};

} // namespace vigil::store
