// actors/interfaces.hpp - every typed actor of vigil, one comment per handler.
//
// Handles are location transparent: a shard_actor may live in this process or
// on another node (CAF io proxy); callers never assume which. Every request
// sent to any of these carries a finite timeout.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/rules.hpp"
#include "alert/notify_engine.hpp"
#include "messages/type_ids.hpp"

namespace vigil {

/// Enforces a shard's retention and builds its rollups in the background (actors/retention_actor):
/// every interval a pass of small steps, each a request to its shard, so
/// writes interleave with deletions. Linked to its shard.
using retention_actor = caf::typed_actor<caf::reacts_to<atom::tick>>;

/// The read side of one series shard. In-process it is a scheduled actor
/// beside the (detached) shard actor sharing its store::shard, so a query's
/// reads neither wake the shard's thread nor queue behind its commits; a
/// shard_actor handle (a peer's, or before the reader exists) serves the
/// same requests.
using shard_reader_actor = caf::typed_actor<
  /// Series matching the selector with their samples in range (Cap'n Proto).
  caf::replies_to<atom::select, messages::select_request>::with<messages::series_payload>,
  /// Label sets (no samples) of matching series with data in range.
  caf::replies_to<atom::series, messages::select_request>::with<messages::series_payload>,
  /// Sorted label names over matching series.
  caf::replies_to<atom::label_names, messages::select_request>::with<messages::string_list>,
  /// Sorted values of one label over matching series.
  caf::replies_to<atom::label_values, std::string, messages::select_request>::with<messages::string_list>,
  /// Evaluates a pushed-down part of a query over this shard's series and
  /// answers its per-step results (labels + points at step times). Errors:
  /// timeout (deadline passed), resource_exhausted (max_samples),
  /// invalid_argument (bad PromQL).
  caf::replies_to<atom::eval, messages::partial_request>::with<messages::series_payload>,
  /// Every selection of one query in one message: selects and pushed-down
  /// parts, answered part by part (messages/shard_read.hpp). Errors as for
  /// select and eval; the first failing part fails the whole read.
  caf::replies_to<atom::read, messages::read_request>::with<messages::read_answer>>;

/// One series shard: owns one store::shard (one LMDB environment); answers
/// the reads of shard_reader_actor too.
using shard_actor = shard_reader_actor::extend<
  /// Appends one shard's part of a write (group commit: in the shard's open
  /// transaction); replies after the commit. Error: unavailable (disk),
  /// invalid_argument (bad labels, or bytes that did not decode).
  caf::replies_to<atom::write, messages::write_part>::with<messages::ingest_ack>,
  /// Group commit: commits the writes appended since the last commit in one
  /// transaction and answers them. Sent by the shard to itself after the
  /// first write of a group, so every write queued before it joins.
  caf::reacts_to<atom::write>,
  /// Storage statistics.
  caf::replies_to<atom::stats>::with<messages::shard_stats_msg>,
  /// A self-timer (every sync_interval): checkpoints the head when writes
  /// paused (or a minute passed), and flushes to disk under fsync_policy::never.
  caf::reacts_to<atom::sync>,
  /// One bounded retention step (store::shard::retention_step with the
  /// shard's policy) from series ref `from` at Unix ms `now`; answers (next
  /// ref or 0 when the pass is complete, chunks deleted, series deleted).
  /// Sent by the shard's retention actor.
  caf::replies_to<atom::tick, std::int64_t, std::uint64_t>::with<std::uint64_t, std::uint64_t, std::uint64_t>,
  /// One bounded downsampling step (store::shard::rollup_step) from series
  /// ref `from` at Unix ms `now`; answers (next ref or 0 when the pass is
  /// complete, windows written, reads served from rollups since open).
  /// Sent by the shard's retention actor after each retention pass.
  caf::replies_to<atom::rollup, std::int64_t, std::uint64_t>::with<std::uint64_t, std::uint64_t, std::uint64_t>,
  /// One bounded cold-tier step (store::shard::cold_step with the shard's
  /// retention policy) at Unix ms `now`; answers (whether the pass goes on,
  /// records moved, segments written). Sent by the shard's retention actor
  /// after each retention (and rollup) pass.
  caf::replies_to<atom::cold, std::int64_t>::with<bool, std::uint64_t, std::uint64_t>>;

/// A read of one shard's store by the calling thread (the same answer its
/// reader actor gives); nullopt while the shard has not opened its store.
using local_read_fn =
  std::function<std::optional<result<messages::read_answer>>(const messages::read_request&)>;

/// Where every shard lives right now: slot i holds shard i's handle, or a
/// null handle while the shard is unavailable (crashed, peer unreachable).
struct shard_table {
  std::uint32_t epoch = 0; ///< grows on every change
  std::vector<shard_actor> shards;
  /// Slot i: shard i's reader in this process, or null (a peer's shard, or
  /// none spawned): reads then go to shards[i].
  std::vector<shard_reader_actor> readers;
  /// Slot i: a direct read of shard i's store when the shard lives in this
  /// process, else null. A query reads cheap shards through it instead of
  /// waking another thread (actors/query_actor.cpp). In-process only: it is
  /// not serialized, so a peer's copy of the table has none.
  std::vector<std::shared_ptr<const local_read_fn>> local;

  /// Shard i's direct read, or null.
  const local_read_fn* local_read(std::size_t i) const {
    return i < local.size() && local[i] && i < shards.size() && shards[i] ? local[i].get() : nullptr;
  }

  /// Where shard i's reads go (null while the shard is unavailable).
  shard_reader_actor reader(std::size_t i) const {
    if (i < readers.size() && readers[i] && shards[i]) return readers[i];
    return shards[i];
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, shard_table& x) {
  return f(caf::meta::type_name("vigil.shard_table"), x.epoch, x.shards, x.readers);
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
/// node -> query service, which drops cached results from t on). Answers
/// once the caches no longer hold anything from t on: the router
/// acknowledges a backfilling write only then, so a query sent after the
/// acknowledgement never sees a cached answer without the new samples.
using backfill_sink = caf::typed_actor<caf::replies_to<atom::invalidate, std::int64_t>::with<bool>>;

/// One PromQL query: parse -> plan -> scatter reads to shards -> evaluate.
/// Spawned per request by the query service; quits after replying.
using query_actor = caf::typed_actor<
  /// Evaluates the query within its timeout.
  caf::replies_to<atom::query, messages::query_request>::with<messages::query_answer>,
  /// The query's deadline passed (from the query service's deadline sweep):
  /// shards that have not answered yet time it out.
  caf::reacts_to<atom::tick>>;

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
  /// (backfill): drops cached results from t on; answers when done.
  caf::replies_to<atom::invalidate, std::int64_t>::with<bool>,
  /// A waiting query's deadline passed in line (a self-timer): it fails
  /// with errc::timeout unless it started meanwhile.
  caf::reacts_to<atom::tick, std::uint64_t>,
  /// The earliest deadline of a running query passed (the one self-timer
  /// of the deadline sweep): tells every query actor now past its deadline.
  caf::reacts_to<atom::tick>>;

/// The silences the notifier knows (local only).
struct silence_list {
  std::vector<alert::silence> items;
};

/// One delivery attempt handed to a channel actor (local only).
struct delivery_job {
  std::uint64_t id = 0;         ///< outbox entry id
  alert::notification n;
  std::int64_t now = 0;         ///< Unix ms of the attempt (breaker clock, email Date)
};

/// Delivers notifications: keeps every rule's current alerts, groups and
/// routes them (alert::dispatcher), and sends them through the channels via a
/// persistent outbox. Alerting issue: implemented by actors/notifier_actor.
using notifier_actor = caf::typed_actor<
  /// Replaces one rule's alerts (sent by the rule actor after each evaluation).
  caf::reacts_to<atom::alerts, messages::alert_snapshot>,
  /// Flushes due groups into the outbox and hands due deliveries to the
  /// channel actors (a self-timer armed at the engine's next wake).
  caf::reacts_to<atom::tick>,
  /// Adds (or replaces, same id) a silence; replies with its id.
  /// Error: invalid_argument (no matchers, bad times), io_error (outbox).
  caf::replies_to<atom::silences, atom::write, alert::silence>::with<std::string>,
  /// Every silence (active, pending and expired).
  caf::replies_to<atom::silences, atom::get>::with<silence_list>,
  /// Expires a silence now. Error: not_found.
  caf::replies_to<atom::silences, atom::invalidate, std::string>::with<bool>,
  /// Delivery counters and outbox size (for /metrics).
  caf::replies_to<atom::stats, atom::notify>::with<alert::notify_stats>>;

/// One notification channel (actors/channel_actor): owns its sink and its
/// circuit breaker; spawned detached by the notifier (the sink blocks).
using channel_actor = caf::typed_actor<
  /// Delivers one outbox entry; replies with the outcome (never an error
  /// for a failed delivery: that is a retryable or permanent outcome). While
  /// the breaker is open it replies retryable without calling the sink.
  caf::replies_to<atom::notify, delivery_job>::with<alert::delivery_result>>;

/// One rule group (actors/rule_actor): evaluates its rules every interval
/// through the query service, runs the alert state machines, writes ALERTS,
/// ALERTS_FOR_STATE and recorded series through the router, and reports each
/// round to the rules supervisor. Owns only timers and requests.
using rule_group_actor = caf::typed_actor<
  /// Evaluates the round that is due (a self-timer; one armed at a time).
  caf::reacts_to<atom::tick>,
  /// Uses a respawned router from now on (from the rules supervisor).
  caf::reacts_to<atom::write, router_actor>,
  /// Uses a respawned query service from now on (from the rules supervisor).
  caf::reacts_to<atom::query, query_service_actor>>;

/// The rules supervisor (actors/rules_supervisor): owns the rule store (one
/// LMDB env under <data_dir>/alerts), spawns one rule_group_actor per group,
/// respawns crashed ones from the persisted state, and serves the rules API.
using rules_supervisor_actor = caf::typed_actor<
  /// Creates or replaces groups: persisted first, then (re)started.
  /// Errors: invalid_argument (bad group, file-managed group), io_error.
  caf::reacts_to<atom::rules, messages::rules_put>,
  /// Deletes a group and its state. Error: not_found, invalid_argument.
  caf::reacts_to<atom::rules, messages::rules_delete>,
  /// Every group with its live status (for /v1/alerts/rules, /api/v1/rules,
  /// /api/v1/alerts and /metrics).
  caf::replies_to<atom::get, atom::rules>::with<messages::rules_snapshot>,
  /// A group's round report (from its actor): persists the states, then
  /// forwards the alert snapshots to the notifier.
  caf::reacts_to<atom::alerts, messages::group_report>,
  /// New handles after the node respawned the router / query service /
  /// notifier; passed on to every group actor.
  caf::reacts_to<atom::write, router_actor>,
  caf::reacts_to<atom::query, query_service_actor>,
  caf::reacts_to<atom::notify, notifier_actor>,
  /// Respawns the crashed actor of a group (a self-timer).
  caf::reacts_to<atom::tick, std::string>>;

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
  /// Old data landed (from the router): forwarded to the query service,
  /// whose answer (or true, without one) goes back to the router.
  caf::replies_to<atom::invalidate, std::int64_t>::with<bool>,
  /// The rules supervisor, for the HTTP frontend (rules API).
  caf::replies_to<atom::get, atom::rules>::with<rules_supervisor_actor>,
  /// The notifier, for the HTTP frontend (silences API).
  caf::replies_to<atom::get, atom::notify>::with<notifier_actor>>;

/// Keeps a link to a peer node that serves shards: connects (blocking, so it
/// runs detached), fetches the peer's shard handles, hands them to the node
/// supervisor, and reconnects after the peer goes down.
using peer_actor = caf::typed_actor<
  /// Tries to connect now; re-arms itself on failure (a self-timer).
  caf::reacts_to<atom::connect>>;

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
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vigil::silence_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vigil::delivery_job)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vigil::alert::silence)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vigil::alert::delivery_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vigil::alert::notify_stats)
