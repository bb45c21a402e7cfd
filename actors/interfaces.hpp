// actors/interfaces.hpp - every typed actor of vigil, one comment per handler.
//
// Handles are location transparent: a shard_actor may live in this process or
// on another node (CAF io proxy); callers never assume which. Every request
// sent to any of these carries a finite timeout.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/type_ids.hpp"

namespace vigil {

/// One series shard: owns one store::shard (one LMDB environment).
using shard_actor = caf::typed_actor<
  /// Appends a Cap'n Proto write batch in one LMDB transaction; replies after
  /// the commit. Error: unavailable (disk), invalid_argument (bad bytes).
  caf::replies_to<atom::write, messages::series_payload>::with<messages::ingest_ack>,
  /// Series matching the selector with their samples in range (Cap'n Proto).
  caf::replies_to<atom::select, messages::select_request>::with<messages::series_payload>,
  /// Label sets (no samples) of matching series with data in range.
  caf::replies_to<atom::series, messages::select_request>::with<messages::series_payload>,
  /// Sorted label names over matching series.
  caf::replies_to<atom::label_names, messages::select_request>::with<messages::string_list>,
  /// Sorted values of one label over matching series.
  caf::replies_to<atom::label_values, std::string, messages::select_request>::with<messages::string_list>,
  /// Storage statistics.
  caf::replies_to<atom::stats>::with<messages::shard_stats_msg>,
  /// Flushes to disk; a self-timer under fsync_policy::never.
  caf::reacts_to<atom::sync>,
  /// Evaluates a pushed-down part of a query over this shard's series and
  /// answers its per-step results (labels + points at step times). Errors:
  /// timeout (deadline passed), resource_exhausted (max_samples),
  /// invalid_argument (bad PromQL).
  caf::replies_to<atom::eval, messages::partial_request>::with<messages::series_payload>>;

/// Where every shard lives right now: slot i holds shard i's handle, or a
/// null handle while the shard is unavailable (crashed, peer unreachable).
struct shard_table {
  std::uint32_t epoch = 0; ///< grows on every change
  std::vector<shard_actor> shards;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, shard_table& x) {
  return f(caf::meta::type_name("vigil.shard_table"), x.epoch, x.shards);
}

/// Routes ingest: validates, splits a batch by series hash onto shards, and
/// acknowledges only after every part committed.
using router_actor = caf::typed_actor<
  /// Writes a decoded batch; replies with the sum of the shards' acks, or an
  /// error naming the shard that failed or timed out.
  caf::replies_to<atom::write, messages::ingest_request>::with<messages::ingest_ack>,
  /// Installs a new shard table (from the node supervisor).
  caf::reacts_to<atom::shards, shard_table>>;

/// The node supervisor's inbox for "data older than t just landed" (router ->
/// node -> query service, which drops cached results from t on).
using backfill_sink = caf::typed_actor<caf::reacts_to<atom::invalidate, std::int64_t>>;

/// One PromQL query: parse -> plan -> scatter select to shards -> evaluate.
/// Spawned per request by the query service; quits after replying.
using query_actor = caf::typed_actor<
  /// Evaluates the query within its timeout.
  caf::replies_to<atom::query, messages::query_request>::with<messages::query_answer>>;

/// The read-side front door: spawns one query_actor per query and fans
/// metadata requests out to every shard.
using query_service_actor = caf::typed_actor<
  /// Runs a PromQL query (delegated to a fresh query_actor).
  caf::replies_to<atom::query, messages::query_request>::with<messages::query_answer>,
  /// Label sets of matching series (merged, sorted, deduplicated).
  caf::replies_to<atom::series, messages::select_request>::with<messages::series_payload>,
  /// Label names over matching series.
  caf::replies_to<atom::label_names, messages::select_request>::with<messages::string_list>,
  /// Values of one label over matching series.
  caf::replies_to<atom::label_values, std::string, messages::select_request>::with<messages::string_list>,
  /// Installs a new shard table (from the node supervisor).
  caf::reacts_to<atom::shards, shard_table>,
  /// Samples with timestamps >= t landed after they could have been cached
  /// (backfill): drops cached results from t on.
  caf::reacts_to<atom::invalidate, std::int64_t>,
  /// A waiting query's deadline passed in line (a self-timer): it fails
  /// with errc::timeout unless it started meanwhile.
  caf::reacts_to<atom::tick, std::uint64_t>>;

/// The node supervisor: spawns and monitors shards, router and query service,
/// respawns crashed children, and merges remote shards into the table.
using node_actor = caf::typed_actor<
  /// The shard table as it is now (local and remote slots).
  caf::replies_to<atom::get, atom::shards>::with<shard_table>,
  /// The handles of the shards this node itself serves, for a peer node
  /// (slots it does not serve are null).
  caf::replies_to<atom::get, atom::peer>::with<shard_table>,
  /// The router, for the HTTP frontend.
  caf::replies_to<atom::get, atom::write>::with<router_actor>,
  /// The query service, for the HTTP frontend.
  caf::replies_to<atom::get, atom::query>::with<query_service_actor>,
  /// Merges a peer's served shards into the table (from the peer actor).
  caf::reacts_to<atom::peer, shard_table>,
  /// Whether every shard slot has a live handle (readiness).
  caf::replies_to<atom::status>::with<bool>,
  /// Respawns local shard `id` after a crash (a self-timer with backoff).
  caf::reacts_to<atom::tick, std::uint32_t>,
  /// Old data landed (from the router): forwarded to the query service.
  caf::reacts_to<atom::invalidate, std::int64_t>>;

/// Keeps a link to a peer node that serves shards: connects (blocking, so it
/// runs detached), fetches the peer's shard handles, hands them to the node
/// supervisor, and reconnects after the peer goes down.
using peer_actor = caf::typed_actor<
  /// Tries to connect now; re-arms itself on failure (a self-timer).
  caf::reacts_to<atom::connect>>;

/// Delivers notifications: keeps every rule's current alerts, groups and
/// routes them (alert::dispatcher), and sends them through the channels via a
/// persistent outbox. Alerting issue: implemented by actors/notifier_actor.
using notifier_actor = caf::typed_actor<
  /// Replaces one rule's alerts (sent by the rule actor after each evaluation).
  caf::reacts_to<atom::alerts, messages::alert_snapshot>>;

struct api_job;

/// Bridges the HTTP frontend's threads into the actor world: each job is a
/// function run inside this actor, where it may issue requests (with
/// timeouts) and answer its HTTP responder from the reply handlers.
using api_bridge_actor = caf::typed_actor<
  /// Runs one job (local only: it carries a callback).
  caf::reacts_to<api_job>>;

/// The handles an api_job may use.
struct api_handles {
  node_actor node;
  router_actor router;
  query_service_actor queries;
};

struct api_job {
  std::function<void(api_bridge_actor::pointer, const api_handles&)> run;
};

} // namespace vigil

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vigil::api_job)
