// store/shard_impl.hpp - shard::impl, shared by shard.cpp and shard_query.cpp.
// Private to store/: nothing outside includes it.
#pragma once

#include <atomic>
#include <limits>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/cold_tier.hpp"
#include "store/defaults.hpp"
#include "store/head.hpp"
#include "store/lmdb.hpp"
#include "store/schema.hpp"
#include "store/series_index.hpp"
#include "store/shard.hpp"
#include "store/unflushed.hpp"
#include "store/xor_resume_cache.hpp"

namespace vigil::store {

inline lmdb::env_options env_options_of(const shard_options& opts) {
  lmdb::env_options eo;
  eo.map_size = opts.map_size;
  eo.max_dbs = defaults::max_dbs;
  eo.no_sync = opts.sync == fsync_policy::never;
  return eo;
}

/// "shard-003" for messages.
inline std::string name_of(const shard_options& opts) {
  auto name = std::filesystem::path(opts.dir).filename().string();
  return name.empty() ? opts.dir : name;
}

/// Polls a read's deadline every defaults::deadline_check_series series
/// (a clock read per series would cost more than a small read).
class deadline_poll {
public:
  explicit deadline_poll(const read_limits& l) : l_(l) {}
  /// True once the deadline has passed (checked every few calls).
  bool passed() {
    if (!l_.expired || ++n_ != defaults::deadline_check_series) return false;
    n_ = 0;
    return l_.expired();
  }

private:
  const read_limits& l_;
  std::size_t n_ = 0;
};

/// A cold-tier move pass in progress (shard_cold.cpp).
struct cold_pass {
  timestamp_ms cutoff = 0;
  bool copying = true;
  series_ref next_ref = 0; ///< copy cursor
  /// Segments being written, one per retention class (keep_ms).
  std::map<timestamp_ms, std::unique_ptr<cold_segment_writer>> writers;
  std::vector<cold_segment_info> finished;
  struct moved {
    series_ref ref;
    timestamp_ms start;
    std::uint32_t crc;  ///< of the stored LMDB value when it was copied
    std::uint32_t size;
    bool open = false;  ///< the series' open chunk (`heads`), not a `chunks` record
  };
  std::vector<moved> moved;
  std::size_t remove_pos = 0;
  bool registered = false;
};

struct shard::impl {
  impl(lmdb::env e, std::unique_ptr<cipher> c, const schema& s)
      : env(std::move(e)), crypt(std::move(c)), db(s), index(s), hd(s) {}

  lmdb::env env; // destroyed last: everything below uses its handles
  std::unique_ptr<cipher> crypt; ///< null unless encrypted; db.crypt points at it
  schema db;
  series_index index;
  head hd;
  std::uint64_t samples_appended = 0;
  timestamp_ms out_of_order_window_ms = 0;
  std::optional<lmdb::txn> group;   ///< the open group-commit transaction
  std::uint64_t group_samples = 0;
  /// Logged samples not in chunk records yet, for readers (pinned before
  /// their txn begins).
  unflushed_samples unflushed;
  /// Where reads of open chunks stopped before their windows (readers on
  /// any thread).
  mutable xor_resume_cache resume;
  std::uint64_t checkpoint_samples = 0; ///< option (0: auto)
  std::size_t sweep_slice = 0;          ///< option checkpoint_slice_series (0: auto)
  std::uint64_t logged_since_checkpoint = 0;
  std::uint64_t checkpoints = 0;
  rollup_config rollups;
  mutable std::atomic<std::uint64_t> rollup_reads{0}; ///< readers run on other threads
  // Cold tier (shard_cold.cpp). The set is swapped under the mutex; readers
  // take it after their LMDB txn began (a record is deleted from LMDB only
  // after the segment holding it was published).
  cold_options cold;
  mutable std::mutex cold_mu;
  std::shared_ptr<const cold_set> cold_segments = std::make_shared<cold_set>();
  std::uint64_t next_cold_seq = 1;
  timestamp_ms cold_cutoff = std::numeric_limits<timestamp_ms>::min(); ///< of the last complete pass
  std::unique_ptr<cold_pass> pass;
  std::uint64_t cold_records_moved = 0;
  std::map<std::uint64_t, timestamp_ms> cold_keep; ///< longest retention of each segment's series (by seq)
  /// Series of expired segments whose rollup windows up to this time go at
  /// their next retention step.
  std::unordered_map<series_ref, timestamp_ms> cold_trim;
  std::shared_ptr<const cold_set> cold_now() const {
    std::lock_guard<std::mutex> l(cold_mu);
    return cold_segments;
  }
  void publish_cold(std::shared_ptr<const cold_set> next) {
    std::lock_guard<std::mutex> l(cold_mu);
    cold_segments = std::move(next);
  }
  /// A write txn that uses the head starts here: the log is replayed when
  /// an abort dropped the head's state.
  status prepare_write(lmdb::txn& t) {
    if (hd.needs_replay()) return hd.replay(t, index);
    return status::ok();
  }
  /// prepare_write() and a checkpoint: maintenance txns (retention, rollups,
  /// cold moves) read and delete chunk records, which must hold everything.
  status prepare_maintenance(lmdb::txn& t) {
    VIGIL_TRY(prepare_write(t));
    if (hd.dirty() == 0) return status::ok();
    auto n = hd.checkpoint(t);
    return n ? status::ok() : std::move(n).error();
  }
  /// After a write txn that used the head committed: publishes its logged
  /// samples to readers, and queues the series whose records it wrote for
  /// pruning (store/unflushed.hpp). `txn`: its id (0: read it back).
  void after_commit(std::uint64_t txn = 0) {
    if (txn == 0) txn = env.last_txn_id();
    unflushed.committed(txn);
    if (hd.checkpointed() || hd.swept()) {
      logged_since_checkpoint = 0;
      ++checkpoints;
    }
    if (!hd.logged().empty()) unflushed.publish(txn, hd.logged());
    if (!hd.covered().empty()) unflushed.covered(txn, std::exchange(hd.covered(), {}));
    unflushed.prune();
    logged_since_checkpoint += hd.logged().size();
    hd.on_commit();
    index.on_commit();
  }
  /// A write txn that used the head (or may have: a checkpoint) failed.
  void abort_write(lmdb::txn& t) {
    t.abort();
    hd.on_abort();
    index.on_abort();
  }
  void abort_group() {
    if (group) group->abort();
    group.reset();
    group_samples = 0;
    hd.on_abort();
    index.on_abort();
  }
};

/// Loads the segments the registry in meta names (shard open) and removes
/// files in the cold directory that it does not name (a pass a crash cut
/// short). corruption or io_error when a registered segment is missing or
/// does not check out.
status load_cold(shard::impl& s, const cold_options& o);

/// Deletes the cold segments past retention (retention_step, from 0).
status expire_cold(shard::impl& s, const retention_policy& policy, timestamp_ms now, retention_progress& p);

} // namespace vigil::store
