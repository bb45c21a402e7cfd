// messages/query.hpp - what actors exchange on the read path, with CAF 0.17
// inspect() overloads beside each struct.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "core/labels.hpp"
#include "core/sample.hpp"
#include "core/status.hpp"
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
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, select_request& x) {
  return f(caf::meta::type_name("vigil.select_request"), x.matchers, x.min, x.max);
}

select_request make_select(const matchers& ms, time_range r);
/// Compiles the matchers back; invalid_argument on a bad regex or type.
result<matchers> to_matchers(const std::vector<wire_matcher>& ms);
inline time_range range_of(const select_request& r) { return {r.min, r.max}; }

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
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, query_request& x) {
  return f(caf::meta::type_name("vigil.query_request"), x.promql, x.start, x.end, x.step,
           x.timeout_ms, x.partial_response, x.want_stats);
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
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, shard_stats_msg& x) {
  return f(caf::meta::type_name("vigil.shard_stats"), x.shard_id, x.series, x.chunks,
           x.samples_appended, x.bytes_on_disk);
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
};

} // namespace vigil::messages
