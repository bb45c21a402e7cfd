// query/aggregate.hpp - PromQL aggregation operators over one step's vector
// (sum, avg, count, min, max, group, stddev, stdvar, topk, bottomk,
// count_values, quantile) with by/without grouping, as Prometheus 2.42.
// Pure functions; errors are thrown as eval_error.
#pragma once

#include <optional>
#include <string>

#include "query/ast.hpp"
#include "query/eval_types.hpp"

namespace vigil::query {

/// Aggregates `in` (one step's vector).
/// @param param  k for topk/bottomk, phi for quantile (ignored otherwise)
/// @param label  the output label of count_values (ignored otherwise)
/// Output order: groups in order of first appearance; topk/bottomk emit
/// each group's members sorted.
vector_value aggregate(const aggregate_expr& a, vector_value in, double param, const std::string& label);

/// Whether aggregate_series() handles `op` (the parameterless, order-free
/// aggregations: sum, avg, count, min, max, group, stddev, stdvar).
bool has_series_major_form(agg_op op) noexcept;

/// Aggregates a whole evaluated vector expression at once, series by series
/// instead of step by step: the same values (per step and group, inputs are
/// combined in `in`'s order, as aggregate() does) and the same output order as
/// aggregating every step of `r` with aggregate() and appending new groups as
/// they appear (groups by first step present, then by first input series),
/// without copying label sets per step. Returns nullopt (the caller falls back
/// to the step-by-step form) when `a.op` has no series-major form or the
/// accumulators would be much larger than the input.
std::optional<step_matrix> aggregate_series(const aggregate_expr& a, const step_matrix& in, const eval_range& r);

} // namespace vigil::query
