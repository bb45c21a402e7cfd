// actors/query_actor.hpp - one actor per PromQL query (plan -> scatter select
// or pushed-down eval to every shard -> gather -> evaluate), and the query
// service that admits queries (concurrency limit, bounded wait line), serves
// range queries from the results cache, and fans metadata requests out.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/actor_clock.hpp>

#include "actors/clock.hpp"
#include "actors/defaults.hpp"
#include "actors/inline_queries.hpp"
#include "actors/interfaces.hpp"
#include "messages/shard_read.hpp"
#include "query/admission.hpp"
#include "query/engine.hpp"
#include "query/response_memo.hpp"
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
  /// Rendered answers of fully cached range queries, shared with the HTTP
  /// routes (query/response_memo.hpp); null: none.
  std::shared_ptr<query::response_memo> memo;
  /// Projected cost up to which an instant query reads in-process shards
  /// itself (defaults::query_inline_reads); zero: after the first shard.
  std::chrono::microseconds inline_reads = defaults::query_inline_reads;
  /// Where the service publishes its shard table and admission state for
  /// instant queries run on the HTTP threads (actors/inline_queries.hpp);
  /// null: none.
  std::shared_ptr<inline_queries> shortcut;
};

/// Per-query bookkeeping; see query_actor.cpp.
struct query_state {
  shard_table table;
  query_settings settings;
  caf::typed_response_promise<messages::query_answer> promise;
  query::prepared_query prepared;
  /// Per shard: its answer (every selection), kept in shard order so that
  /// the merge order, and with it every floating-point sum, does not depend
  /// on which shard answered first.
  std::vector<messages::read_answer> answers;
  std::vector<bool> answered;               ///< per shard: answer in (or left out)
  std::vector<std::string> warnings;        ///< shards left out (partial_response)
  std::size_t pending = 0;
  std::uint64_t samples = 0;
  std::int64_t deadline_unix_ms = 0;
  double queue_seconds = 0;                 ///< time in the service's wait line
  std::chrono::steady_clock::time_point started;
  messages::query_request request;
  bool done = false;
  static inline const char* name = "vigil.query";
};

/// Answers one query, then quits. Sends each shard one read_request with
/// every selection. Its deadline comes from its spawner as atom::tick (the
/// query service sweeps the deadlines of all its queries with one timer, so
/// no clock event is armed per shard request): shards that have not
/// answered by then time the query out, naming them. Fails (never answers
/// partially, unless the request sets partial_response) when a shard is
/// unavailable or late; fails with resource_exhausted when the shards return
/// more than eval.max_samples samples. `queue_seconds` goes into the stats.
query_actor::behavior_type query_impl(query_actor::stateful_pointer<query_state> self,
                                      shard_table table, query_settings settings, double queue_seconds);

/// A query admitted or waiting in the query service.
struct pending_query {
  messages::query_request request;
  caf::typed_response_promise<messages::query_answer> promise;
  caf::actor_clock::time_point arrived;
};

/// A query actor at work, from its spawn until it ends (monitored).
struct running_query {
  query_actor handle;
  /// The actor answers the client itself (the promise was delegated to it),
  /// so its end is what frees the admission slot.
  bool delegated = false;
  /// Otherwise the service awaits the answer (cached range pieces): called
  /// with an error when the actor ends abnormally before answering; cleared
  /// once the answer is in.
  std::function<void(result<messages::query_answer>)> on_failure;
  std::multimap<caf::actor_clock::time_point, caf::actor_id>::iterator deadline;
};

struct query_service_state {
  shard_table table;
  query_settings settings;
  query::admission admission{1, 0};
  query::results_cache cache{{}};
  std::unordered_map<std::uint64_t, pending_query> waiting;
  std::uint64_t next_id = 1;
  std::unordered_map<caf::actor_id, running_query> running;
  /// Deadlines of the running queries, earliest first; one self-timer
  /// (armed for the earliest, `sweep_at`) tells each query actor when its
  /// deadline passed.
  std::multimap<caf::actor_clock::time_point, caf::actor_id> deadlines;
  std::optional<caf::actor_clock::time_point> sweep_at;
  static inline const char* name = "vigil.query_service";
};

query_service_actor::behavior_type
query_service_impl(query_service_actor::stateful_pointer<query_service_state> self,
                   shard_table table, query_settings settings);

} // namespace vigil
