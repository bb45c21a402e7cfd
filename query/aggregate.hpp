// query/aggregate.hpp - PromQL aggregation operators over one step's vector
// (sum, avg, count, min, max, group, stddev, stdvar, topk, bottomk,
// count_values, quantile) with by/without grouping, as Prometheus 2.42.
// Pure functions; errors are thrown as eval_error.
#pragma once

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

} // namespace vigil::query
