// actors/shard_actor.hpp - a thin actor around one store::shard, and its
// reader.
//
// Each handler decodes the message, calls the store and replies. The store's
// LMDB transactions begin and end inside one handler (MDB_NOTLS), so CAF may
// run the actor on any worker thread. Spawn the shard detached in production:
// a commit may fsync. Its reader is a scheduled actor sharing the store
// through a store_slot: LMDB readers run beside the writer, each in its own
// read transaction, and see only committed data (an acknowledged write is
// committed), so a reader answers exactly what the shard would.
#pragma once

#include <chrono>
#include <cstdint>
#include <iterator>
#include <memory>
#include <mutex>
#include <vector>

#include "actors/clock.hpp"
#include "actors/interfaces.hpp"
#include "messages/ingest.hpp"
#include "messages/query.hpp"
#include "messages/shard_read.hpp"
#include "store/shard.hpp"

namespace vigil {

/// The store a shard opened, shared with its reader: set once the shard has
/// opened it, cleared when the shard stops (a read in flight keeps its own
/// reference until it ends).
class store_slot {
public:
  void set(std::shared_ptr<const store::shard> s) {
    std::lock_guard<std::mutex> g(m_);
    s_ = std::move(s);
  }
  std::shared_ptr<const store::shard> get() const {
    std::lock_guard<std::mutex> g(m_);
    return s_;
  }

private:
  mutable std::mutex m_;
  std::shared_ptr<const store::shard> s_;
};

struct shard_actor_options {
  std::uint32_t id = 0;
  /// Where the opened store is published for the shard's reader (null: no reader).
  std::shared_ptr<store_slot> slot;
  store::shard_options store;
  /// Flush period under fsync_policy::never (bounds what a power loss loses).
  std::chrono::milliseconds sync_interval{1000};
  /// "Now" for the out-of-order window (tests substitute the test clock).
  unix_clock_fn now_unix_ms = system_unix_ms;
  /// Retention (store/retention.hpp); nothing is deleted when it keeps
  /// everything. A linked retention actor runs a pass every interval.
  store::retention_policy retention;
  std::chrono::milliseconds retention_interval{3'600'000};
  std::size_t retention_step_series = 1000;
};

struct shard_state {
  std::shared_ptr<store::shard> store;
  std::shared_ptr<store_slot> slot;
  std::uint32_t id = 0;
  /// Group commit: the writes of the open group, answered at its commit.
  std::vector<std::pair<caf::typed_response_promise<messages::ingest_ack>, messages::ingest_ack>> group;
  bool commit_queued = false;
  std::chrono::steady_clock::time_point group_started;
  /// Head checkpoints (store::shard::checkpoint): when a tick finds that no
  /// write came since the previous one, or after checkpoint_ticks ticks
  /// without one, so that a pause in writes leaves nothing to replay and
  /// the log never spans more than about a minute.
  std::uint64_t writes_since_tick = 0;
  std::uint64_t last_checkpoints = 0;
  std::uint32_t ticks_since_checkpoint = 0;
  /// Commits the open group and answers its writes (errors: all fail).
  void commit_group();
  /// Self-metrics (messages::shard_stats_msg).
  std::uint64_t commits = 0;
  double commit_seconds = 0;
  std::vector<std::uint64_t> commit_buckets = std::vector<std::uint64_t>(std::size(messages::commit_buckets_s) + 1);
  std::uint64_t retention_chunks_deleted = 0;
  std::uint64_t retention_series_deleted = 0;
  void observe_commit(double seconds) {
    ++commits;
    commit_seconds += seconds;
    std::size_t b = 0;
    while (b < std::size(messages::commit_buckets_s) && seconds > messages::commit_buckets_s[b]) ++b;
    ++commit_buckets[b];
  }

  /// Flushes before the environment closes (shutdown under fsync never).
  ~shard_state() {
    if (slot) slot->set(nullptr);
    if (!store) return;
    (void)store->commit_group(); // durable, though its writers are gone (never acknowledged)
    group.clear();
    (void)store->sync();
  }
  static inline const char* name = "vigil.shard";
};

/// Opens the store; on failure the actor quits with that error, for its
/// supervisor to handle.
shard_actor::behavior_type shard_impl(shard_actor::stateful_pointer<shard_state> self,
                                      shard_actor_options opts);

struct shard_reader_state {
  std::shared_ptr<store_slot> slot;
  shard_actor shard;
  static inline const char* name = "vigil.shard_reader";
};

/// Answers `shard`'s reads from the store in `slot`; until the shard has
/// opened it, delegates them to the shard. Links itself to the shard: they
/// live and die together (the node respawns both).
shard_reader_actor::behavior_type shard_reader_impl(shard_reader_actor::stateful_pointer<shard_reader_state> self,
                                                    std::shared_ptr<store_slot> slot, shard_actor shard);

/// The direct read of the store in `slot` (shard_table::local): what the
/// shard's reader answers to atom::read, run by the caller's thread.
std::shared_ptr<const local_read_fn> local_reader(std::shared_ptr<store_slot> slot);

} // namespace vigil
