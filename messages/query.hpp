// messages/query.hpp - what actors exchange on the read path, with CAF 0.17
// inspect() overloads beside each struct.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "core/labels.hpp"
#include "core/sample.hpp"
#include "core/status.hpp"
#include "query/engine.hpp"
#include "query/value.hpp"

namespace vigil::messages {

/// A label matcher as it travels (the regex is compiled again on arrival).
struct wire_matcher {
  std::uint8_t type = 0; ///< vigil::match_type
  std::string name;
  std::string value;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, wire_matcher& x) {
  return f(caf::meta::type_name("vigil.wire_matcher"), x.type, x.name, x.value);
}

/// Select series matching all matchers with samples in [min, max].
struct select_request {
  std::vector<wire_matcher> matchers;
  std::int64_t min = 0;
  std::int64_t max = 0;
  /// The query's deadline (Unix ms, the shard's wall clock); past it the
  /// shard stops reading and answers errc::timeout. 0: none. Shards on
  /// other hosts rely on clocks synchronized well below the query timeout.
  std::int64_t deadline_unix_ms = 0;
  /// More samples than this in the answer: resource_exhausted. 0: no limit.
  std::uint64_t max_samples = 0;
  /// Read hint (query::selection::thin_first/thin_step); 0: every sample.
  std::int64_t thin_first = 0;
  std::int64_t thin_step = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, select_request& x) {
  return f(caf::meta::type_name("vigil.select_request"), x.matchers, x.min, x.max, x.deadline_unix_ms,
           x.max_samples, x.thin_first, x.thin_step);
}

/// A pushed-down part of a query (query::selection::partial): the shard
/// evaluates `promql` over its own series with these params and answers its
/// per-step results as a series_payload.
struct partial_request {
  std::string promql;
  std::int64_t start = 0;
  std::int64_t end = 0;
  std::int64_t step = 0;
  std::int64_t lookback_delta = 0;
  std::int64_t default_subquery_step = 0;
  std::uint64_t max_samples = 0;     ///< 0: no limit
  std::int64_t deadline_unix_ms = 0; ///< as select_request; 0: none
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, partial_request& x) {
  return f(caf::meta::type_name("vigil.partial_request"), x.promql, x.start, x.end, x.step, x.lookback_delta,
           x.default_subquery_step, x.max_samples, x.deadline_unix_ms);
}

select_request make_select(const matchers& ms, time_range r);
/// The eval_options a partial_request carries (pushdown off: a part is
/// evaluated as written).
query::eval_options options_of(const partial_request& r);
/// Compiles the matchers back; invalid_argument on a bad regex or type.
result<matchers> to_matchers(const std::vector<wire_matcher>& ms);
inline time_range range_of(const select_request& r) { return {r.min, r.max}; }

struct query_answer;

/// Turns a query's final answer into the HTTP response body. The HTTP
/// frontend sets one on its requests so that the JSON is written by the
/// query actor that made the answer (in parallel on the CAF workers), not by
/// the single api bridge actor.
using answer_renderer = std::function<std::string(const query_answer&)>;
/// Takes a rendered answer straight to the client (see query_request::reply).
using answer_sink = std::function<void(std::string&&)>;

/// A PromQL evaluation request (instant when step == 0).
struct query_request {
  std::string promql;
  std::int64_t start = 0;
  std::int64_t end = 0;
  std::int64_t step = 0;
  std::int64_t timeout_ms = 0; ///< 0: the node's default
  /// Answer with the shards that did answer (plus a warning naming the rest)
  /// instead of failing. Off by default: no silent partial answers.
  bool partial_response = false;
  /// Fill query_answer::stats (the API's `stats` parameter).
  bool want_stats = false;
  /// Bypass the range-results cache (VictoriaMetrics' `nocache=1`).
  bool no_cache = false;
  /// In-process only (not serialized; query requests never leave the node):
  /// when set, the query actor renders its answer into query_answer::rendered.
  std::shared_ptr<const answer_renderer> render{};
  /// In-process only: when set with `render`, the query actor hands the
  /// rendered body to this sink itself (one thread hand-off less: it does not
  /// travel back through the requester first) and delivers the answer with
  /// an empty body; the requester still gets that answer (or the error or
  /// timeout) and must not answer the client twice.
  std::shared_ptr<const answer_sink> reply{};
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, query_request& x) {
  return f(caf::meta::type_name("vigil.query_request"), x.promql, x.start, x.end, x.step,
           x.timeout_ms, x.partial_response, x.want_stats, x.no_cache);
}

/// Answer to a label-names/values or series request.
struct string_list {
  std::vector<std::string> items;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, string_list& x) {
  return f(caf::meta::type_name("vigil.string_list"), x.items);
}

/// Per-shard statistics (see store::shard_stats).
struct shard_stats_msg {
  std::uint32_t shard_id = 0;
  std::uint64_t series = 0;
  std::uint64_t chunks = 0;
  std::uint64_t samples_appended = 0;
  std::uint64_t bytes_on_disk = 0;
  /// Oldest and newest sample timestamp (ms) in the shard, for
  /// /api/v1/status/tsdb; these extremes (Prometheus' empty-head values)
  /// while the shard is empty or does not track them.
  std::int64_t min_time = std::numeric_limits<std::int64_t>::max();
  std::int64_t max_time = std::numeric_limits<std::int64_t>::min();
  /// Write commits since start: count, total seconds, and per bucket of
  /// commit_buckets_s (non-cumulative; one more for +Inf).
  std::uint64_t commits = 0;
  double commit_seconds = 0;
  std::vector<std::uint64_t> commit_buckets;
  /// Retention since start.
  std::uint64_t retention_chunks_deleted = 0;
  std::uint64_t retention_series_deleted = 0;
  /// Downsampling: window and watermark records in the shard; reads
  /// answered from rollups since start.
  std::uint64_t rollup_records = 0;
  std::uint64_t rollup_reads = 0;
  /// Samples the head sealed since start, and the bytes their sealed
  /// payloads added (the codec's compression on recent data).
  std::uint64_t sealed_samples = 0;
  std::uint64_t sealed_bytes = 0;
  /// Cold tier: segment files, their bytes, records moved since start.
  std::uint64_t cold_segments = 0;
  std::uint64_t cold_bytes = 0;
  std::uint64_t cold_records_moved = 0;
  /// The head's log: checkpoints since start, and the logged samples held
  /// for readers (not yet in chunk records, or kept for pinned readers).
  std::uint64_t checkpoints = 0;
  std::uint64_t unflushed_samples = 0;
};

/// Upper bounds (seconds) of the commit-latency histogram buckets.
inline constexpr double commit_buckets_s[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                              0.05,   0.1,   0.25,   0.5,   1,    2.5};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, shard_stats_msg& x) {
  return f(caf::meta::type_name("vigil.shard_stats"), x.shard_id, x.series, x.chunks,
           x.samples_appended, x.bytes_on_disk, x.min_time, x.max_time, x.commits, x.commit_seconds,
           x.commit_buckets, x.retention_chunks_deleted, x.retention_series_deleted, x.rollup_records,
           x.rollup_reads, x.sealed_samples, x.sealed_bytes, x.cold_segments, x.cold_bytes, x.cold_records_moved,
           x.checkpoints, x.unflushed_samples);
}

/// Query answers go from the query actor to the HTTP frontend in the same
/// process; registered as an unsafe (local-only) message type.
struct query_answer {
  query::query_result value;
  /// Filled when query_request::want_stats: Prometheus' `stats` shape
  /// (timings in seconds, samples) is rendered from these.
  struct statistics {
    double exec_total_seconds = 0;
    double fetch_seconds = 0;
    double eval_seconds = 0;
    double queue_seconds = 0;
    std::uint64_t total_queryable_samples = 0;
    std::uint64_t peak_samples = 0;
  } stats;
  /// The HTTP body made by query_request::render (empty when the request
  /// had none, or when the answer was assembled elsewhere, e.g. from the
  /// results cache; the frontend renders those itself).
  std::string rendered{};
};

} // namespace vigil::messages
