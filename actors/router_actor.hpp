// actors/router_actor.hpp - splits write batches by series hash onto shards
// and acknowledges only after every part committed.
#pragma once

#include <chrono>
#include <vector>

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

struct router_state {
  shard_table table;
  std::chrono::milliseconds timeout = defaults::ingest_timeout;
  static inline const char* name = "vigil.router";
};

router_actor::behavior_type router_impl(router_actor::stateful_pointer<router_state> self,
                                        shard_table table, std::chrono::milliseconds timeout);

} // namespace vigil
