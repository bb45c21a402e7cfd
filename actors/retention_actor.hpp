// actors/retention_actor.hpp - the background retention of one shard: every
// interval, a pass over the shard's series in steps of a bounded number of
// series, each a request to the shard (which owns the LMDB environment), so
// ingestion interleaves with deletions instead of waiting for a whole pass.
// With downsampling on, each retention pass is followed by a rollup pass in
// the same bounded steps (store::shard::rollup_step), and with a cold tier
// by a cold pass (store::shard::cold_step).
#pragma once

#include <chrono>
#include <cstdint>

#include "actors/clock.hpp"
#include "actors/interfaces.hpp"

namespace vigil {

struct retention_actor_options {
  shard_actor shard;
  std::chrono::milliseconds interval{3'600'000}; ///< between passes
  std::chrono::milliseconds step_timeout{30'000};
  unix_clock_fn now_unix_ms = system_unix_ms;
  std::uint32_t shard_id = 0; ///< for log lines
  /// After each retention pass, a downsampling pass (atom::rollup steps).
  bool rollups = false;
  /// Then a cold-tier pass (atom::cold steps).
  bool cold = false;
};

struct retention_state {
  retention_actor_options opts;
  std::uint64_t chunks_deleted = 0; ///< this pass
  std::uint64_t series_deleted = 0;
  std::int64_t pass_now = 0;         ///< "now" of the running pass
  std::uint64_t windows_written = 0; ///< this rollup pass
  std::uint64_t rollup_reads = 0;    ///< reads served from rollups, as last reported
  std::uint64_t cold_records = 0;    ///< this cold pass
  std::uint64_t cold_segments = 0;
};

retention_actor::behavior_type retention_impl(retention_actor::stateful_pointer<retention_state> self,
                                              retention_actor_options opts);

} // namespace vigil
