// actors/query_actor.hpp - one actor per PromQL query (plan -> scatter select
// to every shard -> gather -> evaluate), and the query service that spawns
// them and fans metadata requests out.
#pragma once

#include <chrono>

#include "actors/defaults.hpp"
#include "actors/interfaces.hpp"
#include "query/engine.hpp"

namespace vigil {

struct query_settings {
  std::chrono::milliseconds timeout = defaults::query_timeout;
  std::chrono::milliseconds metadata_timeout = defaults::metadata_timeout;
  query::eval_options eval;
};

struct query_state {
  shard_table table;
  query_settings settings;
  static inline const char* name = "vigil.query";
};

/// Answers one query, then quits. Fails (never answers partially) when a
/// shard is unavailable or does not answer within the timeout, naming it.
query_actor::behavior_type query_impl(query_actor::stateful_pointer<query_state> self,
                                      shard_table table, query_settings settings);

struct query_service_state {
  shard_table table;
  query_settings settings;
  static inline const char* name = "vigil.query_service";
};

query_service_actor::behavior_type
query_service_impl(query_service_actor::stateful_pointer<query_service_state> self,
                   shard_table table, query_settings settings);

} // namespace vigil
