// query/engine.hpp - PromQL evaluation in three steps: prepare (parse + plan),
// fetch (done by the caller, e.g. the query actor scattering to shards), and
// execute (pure evaluation over the fetched series).
//
// Pure and synchronous; no clock (times are arguments), no I/O. A
// prepared_query is immutable after prepare() and may be executed from any
// thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/labels.hpp"
#include "core/sample.hpp"
#include "core/series.hpp"
#include "core/status.hpp"
#include "query/value.hpp"

namespace vigil::query {

struct expr; // query/ast.hpp

struct eval_options {
  timestamp_ms lookback_delta = 5 * 60 * 1000; ///< Prometheus' default 5m
  std::uint64_t max_samples = 50'000'000;      ///< samples in memory at once
  /// Step of subqueries written without one (`x[1h:]`); Prometheus uses the
  /// global evaluation interval, 1m by default.
  timestamp_ms default_subquery_step = 60 * 1000;
};

/// Instant query: start == end, step == 0. Range query: step > 0.
struct query_params {
  timestamp_ms start = 0;
  timestamp_ms end = 0;
  timestamp_ms step = 0;
};

/// One thing to fetch: all series matching `ms` with samples in `range`.
struct selection {
  matchers ms;
  time_range range;
};

class prepared_query {
public:
  /// What the caller must fetch, in order; execute() takes the results in the
  /// same order.
  const std::vector<selection>& selections() const noexcept { return selections_; }
  const query_params& params() const noexcept { return params_; }
  const eval_options& options() const noexcept { return options_; }
  const expr& root() const noexcept { return *root_; }

private:
  friend result<prepared_query> prepare(std::string_view, const query_params&, const eval_options&);
  std::shared_ptr<const expr> root_;
  std::vector<selection> selections_;
  query_params params_;
  eval_options options_;
};

/// Parses `promql` and plans what to fetch. Errors are invalid_argument with a
/// message naming the position ("1:5: parse error: unexpected ...").
result<prepared_query> prepare(std::string_view promql, const query_params& params,
                               const eval_options& options = {});

/// Evaluates over `fetched` (fetched[i] answers q.selections()[i]). Range
/// queries return a matrix; instant queries the expression's own type.
/// Errors: invalid_argument (e.g. many-to-many matching), resource_exhausted
/// (max_samples).
result<query_result> execute(const prepared_query& q, std::vector<std::vector<series>> fetched);

} // namespace vigil::query
