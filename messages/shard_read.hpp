// messages/shard_read.hpp - one query's reads from one shard in one message:
// every selection of the query (raw selects and pushed-down parts) goes to a
// shard as one read_request, and the shard answers all of them in one
// read_answer.
//
// Both types carry their data in two forms. What crosses a process boundary
// is the wire form (inspect()): matchers and PromQL text in the request,
// Cap'n Proto bytes (messages/series_codec) per part in the answer. Inside a
// process CAF passes messages without serializing them, so there the request
// also carries a ready plan (compiled matchers, prepared parts; never
// serialized) that the query actor builds once for all shards, and the
// answer carries decoded series that no one encodes or decodes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>

#include "core/series.hpp"
#include "core/status.hpp"
#include "messages/query.hpp"
#include "query/engine.hpp"

namespace vigil::messages {

/// One selection in its wire form: a select (promql empty) of the series
/// matching `matchers` with samples in [min, max] (with the read hint
/// thin_first/thin_step), or a pushed-down part (`promql`, evaluated with the
/// request's params over the shard's own series).
struct read_part {
  std::vector<wire_matcher> matchers{};
  std::int64_t min = 0;
  std::int64_t max = 0;
  std::int64_t thin_first = 0;
  std::int64_t thin_step = 0;
  std::string promql{};
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, read_part& x) {
  return f(caf::meta::type_name("vigil.read_part"), x.matchers, x.min, x.max, x.thin_first, x.thin_step,
           x.promql);
}

/// A read ready to run: what a shard executes. Immutable once built, so one
/// plan is shared by every in-process shard of a query (matchers hold their
/// compiled regex by shared pointer; prepared queries are immutable).
struct read_plan {
  struct step {
    query::selection sel{};                      ///< a select (when `partial` is empty)
    std::shared_ptr<const query::prepared_query> partial{}; ///< a pushed-down part
  };
  std::vector<step> steps;
};

/// All selections of one query for one shard.
struct read_request {
  std::vector<read_part> parts{};
  std::int64_t start = 0; ///< query params of the pushed-down parts
  std::int64_t end = 0;
  std::int64_t step = 0;
  std::int64_t lookback_delta = 0;
  std::int64_t default_subquery_step = 0;
  /// Per part: more samples than this in one select is resource_exhausted.
  /// 0: no limit.
  std::uint64_t max_samples = 0;
  /// As select_request::deadline_unix_ms (0: none).
  std::int64_t deadline_unix_ms = 0;
  /// In-process only (never serialized): the plan of `parts`, built once by
  /// the sender. Null after crossing a process boundary; the shard then
  /// builds it from the wire fields (make_read_plan).
  std::shared_ptr<const read_plan> local{};
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, read_request& x) {
  return f(caf::meta::type_name("vigil.read_request"), x.parts, x.start, x.end, x.step, x.lookback_delta,
           x.default_subquery_step, x.max_samples, x.deadline_unix_ms);
}

/// A shard's answer: parts[i] answers read_request::parts[i] (a select's
/// series sorted by labels, or a pushed-down part's per-step results).
struct read_answer {
  std::vector<std::vector<series>> parts{};
  /// Set when the answer crossed a process boundary and its bytes did not
  /// decode (invalid_argument); `parts` is then empty.
  std::optional<status> wire_error{};
};

/// The request for `selections` of a query with `params` and `options`: the
/// wire form plus the shared plan. invalid_argument when a pushed-down part
/// does not prepare (a planner bug: the part is printed PromQL).
result<read_request> make_read_request(const std::vector<query::selection>& selections,
                                       const query::query_params& params, const query::eval_options& options);

/// Builds the plan from the wire fields: compiles the matchers and prepares
/// the pushed-down parts. invalid_argument for a bad matcher or PromQL.
result<read_plan> make_read_plan(const read_request& r);

/// The eval_options a pushed-down part of `r` is evaluated with.
query::eval_options options_of(const read_request& r);

/// One Cap'n Proto SeriesSet per part (the wire form of an answer).
std::vector<std::string> encode_parts(const read_answer& a);
/// Decodes what encode_parts made into `out.parts`; on malformed bytes sets
/// out.wire_error instead (never throws).
void decode_parts(const std::vector<std::string>& wire, read_answer& out);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, read_answer& x) {
  std::vector<std::string> wire;
  if constexpr (Inspector::reads_state) wire = encode_parts(x);
  return f(caf::meta::type_name("vigil.read_answer"), wire, caf::meta::load_callback([&]() -> caf::error {
             decode_parts(wire, x);
             return caf::none;
           }));
}

} // namespace vigil::messages
