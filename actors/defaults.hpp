// actors/defaults.hpp - tunables of the actor layer, each with its reason.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace vigil::defaults {

/// How long the router waits for a shard's commit. A durable LMDB commit takes
/// ~0.5 ms on a quiet disk; 5 s covers fsync stalls and a loaded machine
/// while still failing a dead remote shard well before client timeouts (30 s
/// in Prometheus' remote write).
inline constexpr std::chrono::milliseconds ingest_timeout{5000};

/// Default PromQL timeout: the design document's "Query Execution: 5s".
inline constexpr std::chrono::milliseconds query_timeout{5000};

/// Queries evaluated at once; more wait in line. Prometheus'
/// --query.max-concurrency default: enough to keep the shards and workers
/// busy, few enough that each query's memory stays bounded.
inline constexpr std::size_t query_max_concurrency = 20;

/// Queries that may wait for a slot; beyond that a query fails at once
/// (503 "too many queued queries") instead of piling up in memory.
inline constexpr std::size_t query_max_queued = 200;

/// Slack on the query service's request to a query actor beyond the query's
/// own deadline, so the query actor's precise timeout error wins.
inline constexpr std::chrono::milliseconds query_grace{1000};

/// An instant query reads its in-process shards itself, one after another,
/// while the reads so far project to at most this much for all of them;
/// then it hands the rest to the shards' readers, which run in parallel on
/// every worker. A message to a reader wakes a sleeping worker, and its
/// answer wakes the query's: on an idle machine (a dashboard's instant
/// queries, rule groups between evaluations) each wake costs tens of
/// microseconds and the reads run on cold caches, so spreading only pays
/// once the reads take about a millisecond. Measured on the benchmark data,
/// queries interleaved with other servers' (3 and 20 ms gaps): 200 us ->
/// 1 ms took 5-15 % off instant queries of 40-160 series and left those of
/// 500-1,400 series unchanged.
inline constexpr std::chrono::microseconds query_inline_reads{1000};

/// Metadata requests (series, labels) fan out like queries.
inline constexpr std::chrono::milliseconds metadata_timeout{5000};

/// First and largest delay before respawning a crashed shard: quick enough
/// that a transient failure costs milliseconds, bounded so a failing disk
/// does not spin.
inline constexpr std::chrono::milliseconds respawn_min{100};
inline constexpr std::chrono::milliseconds respawn_max{30000};

/// Reconnect period towards a peer node that serves shards.
inline constexpr std::chrono::milliseconds peer_retry{1000};

/// Timeout of one rule evaluation's query: the design document's "alert
/// evaluation: 30s". The request to the query service waits query_grace longer.
inline constexpr std::chrono::milliseconds rule_eval_timeout{30000};

/// Overrun rounds a rule group evaluates late at their own scheduled times
/// before it skips older ones (counted): enough to bridge a GC-like stall
/// of a few intervals, few enough that a group that is always slow cannot
/// fall ever further behind.
inline constexpr std::uint32_t rule_max_catch_up = 3;

/// Delay before the rules supervisor respawns a crashed group actor: a
/// group that crashes deterministically then costs one attempt per second.
inline constexpr std::chrono::milliseconds rule_respawn{1000};

/// How long API requests to the rules supervisor may take (it commits LMDB
/// transactions with fsync).
inline constexpr std::chrono::milliseconds rules_api_timeout{10000};

} // namespace vigil::defaults
