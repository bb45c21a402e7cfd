// query/engine.hpp - PromQL evaluation in three steps: prepare (parse + plan),
// fetch (done by the caller, e.g. the query actor scattering to shards), and
// execute (pure evaluation over the fetched series).
//
// Pure and synchronous; no clock (times are arguments), no I/O. A
// prepared_query is immutable after prepare() and may be executed from any
// thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
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
  /// Rewrite shard-local subtrees (per-series functions, partial sum/count/
  /// min/max/group) into selections evaluated by the data's owners
  /// (query/pushdown.hpp). Off: every selection is a raw select.
  bool pushdown = false;
};

/// Instant query: start == end, step == 0. Range query: step > 0.
struct query_params {
  timestamp_ms start = 0;
  timestamp_ms end = 0;
  timestamp_ms step = 0;
};

/// One thing to fetch: all series matching `ms` with samples in `range`.
/// When `partial` is set, the caller instead evaluates `partial` (PromQL)
/// with the query's params on every shard and hands over the concatenated
/// results (equal label sets from different shards are kept apart).
struct selection {
  matchers ms;
  time_range range;
  std::string partial;
  /// A read hint (0: none): only the newest sample at or before each of
  /// thin_first, thin_first + thin_step, ... <= range.max is read (what an
  /// instant-vector selector looks at); a source may return more.
  timestamp_ms thin_first = 0;
  timestamp_ms thin_step = 0;
};

/// Deadline check passed into evaluation: true stops it with errc::timeout.
using expired_fn = std::function<bool()>;

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
  friend result<prepared_query> prepare_partial(std::string_view, const query_params&, const eval_options&,
                                                const std::function<void(expr&)>&);
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

/// execute() that polls `expired` (every step and every few hundred series)
/// and stops with errc::timeout "query timed out in expression evaluation"
/// once it returns true. Empty `expired`: no deadline.
result<query_result> execute(const prepared_query& q, std::vector<std::vector<series>> fetched,
                             const expired_fn& expired);

/// Fetches one selection: what a store or shard answers for (matchers, range).
using fetch_fn = std::function<result<std::vector<series>>(const selection&)>;

/// Evaluates a pushed-down part (selection::partial) over one shard's data:
/// prepare (without pushdown), fetch every selection through `fetch`, and
/// execute. The first fetch error is returned as is.
result<query_result> evaluate_partial(std::string_view promql, const query_params& params,
                                      const eval_options& options, const fetch_fn& fetch,
                                      const expired_fn& expired = {});

/// The first half of evaluate_partial(): prepares a pushed-down part as a
/// shard evaluates it (pushdown off). A caller that sends one part to many
/// shards in this process prepares it once and shares the result.
result<prepared_query> prepare_partial(std::string_view promql, const query_params& params,
                                       const eval_options& options);

/// prepare_partial() that lets `rewrite` change the parsed tree before it is
/// planned (e.g. query/rollup_plan.hpp replacing calls by placeholders).
result<prepared_query> prepare_partial(std::string_view promql, const query_params& params,
                                       const eval_options& options, const std::function<void(expr&)>& rewrite);

/// The second half: fetches every selection of `q` (made by prepare_partial)
/// through `fetch` and executes it. The first fetch error is returned as is.
result<query_result> evaluate_partial(const prepared_query& q, const fetch_fn& fetch,
                                      const expired_fn& expired = {});

/// Fetches one selection's series in batches, in label order, handing each
/// batch to the sink (which consumes it) before reading the next. Each
/// series' samples come in strictly increasing time order (as a store's
/// select gives them): batches are evaluated without re-checking that.
using batch_sink = std::function<status(std::vector<series>&)>;
using batch_fetch_fn = std::function<status(const selection&, const batch_sink&)>;

/// evaluate_partial() for the common shape of a pushed-down part: one raw
/// selection under an expression that computes each output series from one
/// input series (query/pushdown.hpp, is_per_series), optionally inside
/// sum/count/min/max/group. The per-series expression is evaluated batch by
/// batch, so only one batch of samples is in memory (and in cache) at a
/// time; the outputs are aggregated at the end. The answer is the same,
/// bit for bit, as evaluate_partial's: series are evaluated on their own
/// and aggregated in the same (label) order. nullopt for other shapes.
std::optional<result<query_result>> evaluate_partial_batched(const prepared_query& q, const batch_fetch_fn& fetch,
                                                             const expired_fn& expired = {});

} // namespace vigil::query
