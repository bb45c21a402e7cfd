// actors/query_actor.hpp - one actor per PromQL query (plan -> scatter select
// or pushed-down eval to every shard -> gather -> evaluate), and the query
// service that admits queries (concurrency limit, bounded wait line), serves
// range queries from the results cache, and fans metadata requests out.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/clock.hpp"
#include "actors/defaults.hpp"
#include "actors/interfaces.hpp"
#include "query/admission.hpp"
#include "query/engine.hpp"
#include "query/results_cache.hpp"

namespace vigil {

struct query_settings {
  std::chrono::milliseconds timeout = defaults::query_timeout;
  std::chrono::milliseconds metadata_timeout = defaults::metadata_timeout;
  query::eval_options eval{.pushdown = true};
  std::size_t max_concurrency = defaults::query_max_concurrency;
  std::size_t max_queued = defaults::query_max_queued;
  query::results_cache_options cache;
  unix_clock_fn now_unix_ms = system_unix_ms;
};

/// Per-query bookkeeping; see query_actor.cpp.
struct query_state {
  shard_table table;
  query_settings settings;
  caf::typed_response_promise<messages::query_answer> promise;
  query::prepared_query prepared;
  std::vector<std::vector<series>> fetched; ///< per selection
  std::vector<std::string> warnings;        ///< shards left out (partial_response)
  std::vector<bool> shard_failed;
  std::size_t pending = 0;
  std::uint64_t samples = 0;
  std::int64_t deadline_unix_ms = 0;
  std::chrono::steady_clock::time_point started;
  messages::query_request request;
  bool done = false;
  static inline const char* name = "vigil.query";
};

/// Answers one query, then quits. Fails (never answers partially, unless
/// the request sets partial_response) when a shard is unavailable or does
/// not answer within the timeout, naming it; fails with resource_exhausted
/// when the shards return more than eval.max_samples samples.
query_actor::behavior_type query_impl(query_actor::stateful_pointer<query_state> self,
                                      shard_table table, query_settings settings);

/// A query admitted or waiting in the query service.
struct pending_query {
  messages::query_request request;
  caf::typed_response_promise<messages::query_answer> promise;
  caf::actor_clock::time_point arrived;
};

struct query_service_state {
  shard_table table;
  query_settings settings;
  query::admission admission{1, 0};
  query::results_cache cache{{}};
  std::unordered_map<std::uint64_t, pending_query> waiting;
  std::uint64_t next_id = 1;
  static inline const char* name = "vigil.query_service";
};

query_service_actor::behavior_type
query_service_impl(query_service_actor::stateful_pointer<query_service_state> self,
                   shard_table table, query_settings settings);

} // namespace vigil
