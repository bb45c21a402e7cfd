// query/evaluator.hpp - evaluates an AST over a series_set at a range of
// steps, the way Prometheus 2.42's engine does (every node is evaluated for
// all steps at once; operators combine their inputs step by step).
//
// Internal to the engine: errors are thrown as eval_error; execute() catches
// them. One evaluator per execution; not thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <span>

#include "query/ast.hpp"
#include "query/engine.hpp"
#include "query/eval_types.hpp"
#include "query/series_set.hpp"

namespace vigil::query {

class evaluator {
public:
  /// @param data  fetched series; must outlive the evaluator
  /// @param query_start, query_end  what `@ start()` / `@ end()` mean
  /// @param expired  deadline check (may be empty); see poll()
  evaluator(const series_set& data, timestamp_ms query_start, timestamp_ms query_end, const eval_options& opts,
            expired_fn expired = {})
      : data_(data), query_start_(query_start), query_end_(query_end), opts_(opts), expired_(std::move(expired)) {}

  /// Evaluates `e` at every step of `r`. Throws eval_error.
  value eval(const expr& e, const eval_range& r);

  /// The aggregation `a` (one without parameter) over its inner expression's
  /// value, evaluated already (by batches; see evaluate_partial_batched).
  value aggregate_evaluated(const aggregate_expr& a, value inner, const eval_range& r);

  /// Per-step operator: receives each argument's vector at the step.
  using step_fn = std::function<vector_value(std::vector<vector_value>& args, timestamp_ms ts)>;

private:
  /// A range-vector argument: series with their samples, and where windows lie.
  struct range_input {
    std::vector<const labels*> lbls;
    std::vector<std::span<const sample>> samples;
    std::vector<std::vector<sample>> owned;
    step_matrix owned_mat;
    timestamp_ms range = 0;
    timestamp_ms offset = 0;
    at_modifier at;
  };

  timestamp_ms ref_time(const at_modifier& at, timestamp_ms ts) const noexcept;

  value eval_vector_selector(const vector_selector& vs, const eval_range& r, bool as_timestamp);
  /// A pushed-down selection: its points lie exactly on the step times.
  value eval_precomputed(const vector_selector& vs, const eval_range& r);
  value eval_matrix_top(const expr& e, const eval_range& r);
  value eval_call(const call_expr& c, const eval_range& r);
  value eval_range_call(const call_expr& c, const eval_range& r);
  value eval_absent_over_time(const call_expr& c, const range_input& in, const eval_range& r);
  value eval_aggregate(const aggregate_expr& a, const eval_range& r);
  /// `a` over its evaluated inner value and parameter (null: none).
  value aggregate_values(const aggregate_expr& a, value inner, const value* param, const eval_range& r);
  value eval_binary(const binary_expr& b, const eval_range& r);
  value eval_vector_scalar(const binary_expr& b, value vec, const value& sc, bool scalar_left, const eval_range& r);
  /// vector op vector over a range of several steps, series by series
  /// (evaluator_binary.cpp); same results and errors as step by step.
  value eval_vector_vector(const binary_expr& b, const value& lhs, const value& rhs, const eval_range& r);
  value eval_unary(const unary_expr& u, const eval_range& r);
  value number(double v, const eval_range& r);

  void load_range_input(const expr& arg, const eval_range& r, range_input& in);
  void load_subquery(const subquery_expr& sq, const eval_range& r, range_input& in);

  /// Runs `fn` at every step over the arguments' values at that step.
  /// Null entries in `args` (strings) are passed as empty vectors.
  value range_eval(const eval_range& r, std::span<const value* const> args, const step_fn& fn, value_type out);

  /// Accounts for `n` more samples held in memory; throws when over the limit.
  void charge(std::size_t n);
  void release(std::size_t n) noexcept { current_ = n > current_ ? 0 : current_ - n; }
  static std::size_t points(const value& v) noexcept;
  /// Counts a unit of work (a step or a series); every poll_interval units
  /// asks expired_ and throws errc::timeout when the deadline passed.
  void poll();

  const series_set& data_;
  timestamp_ms query_start_;
  timestamp_ms query_end_;
  eval_options opts_;
  std::size_t current_ = 0;
  expired_fn expired_;
  std::size_t polls_ = 0;
};

/// Throws "vector cannot contain metrics with the same labelset" when two
/// series of `m` share a label set.
void check_unique_labels(const step_matrix& m);

/// Merges series of `m` with equal label sets (as evaluating step by step
/// would); throws the same error when two of them have a point at one step.
void merge_equal_series(step_matrix& m);

} // namespace vigil::query
