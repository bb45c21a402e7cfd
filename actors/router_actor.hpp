// actors/router_actor.hpp - splits write batches by series hash onto shards
// and acknowledges only after every part committed.
#pragma once

#include <chrono>
#include <optional>
#include <vector>

#include "actors/clock.hpp"
#include "actors/defaults.hpp"
#include "actors/interfaces.hpp"
#include "core/series.hpp"

namespace vigil {

/// Pure: which shard of `n` a label set belongs to (stable across versions).
inline std::uint32_t shard_of(const labels& l, std::uint32_t n) {
  return static_cast<std::uint32_t>(l.hash() % n);
}

/// Pure: splits a batch into one batch per shard (empty ones included).
std::vector<write_batch> split_by_shard(write_batch&& batch, std::uint32_t n);

/// Pure: the oldest sample of `batch` if it is older than `horizon` (Unix
/// ms), i.e. data that may land inside cached query results.
std::optional<timestamp_ms> backfill_from(const write_batch& batch, timestamp_ms horizon);

struct router_options {
  std::chrono::milliseconds timeout = defaults::ingest_timeout;
  /// Batches with samples older than now - backfill_horizon are reported
  /// to `backfill` (the results cache's freshness); 0: never.
  std::chrono::milliseconds backfill_horizon{0};
  backfill_sink backfill; ///< may be null
  unix_clock_fn now_unix_ms = system_unix_ms;
};

struct router_state {
  shard_table table;
  router_options opts;
  static inline const char* name = "vigil.router";
};

router_actor::behavior_type router_impl(router_actor::stateful_pointer<router_state> self,
                                        shard_table table, router_options opts);

} // namespace vigil
