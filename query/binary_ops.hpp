// query/binary_ops.hpp - PromQL binary operators at one step: arithmetic,
// comparison (with and without `bool`), set operators, and vector matching
// (on/ignoring, group_left/group_right), as Prometheus 2.42.
// Pure functions; errors (many-to-many matches) are thrown as eval_error.
#pragma once

#include <optional>

#include "query/ast.hpp"
#include "query/eval_types.hpp"

namespace vigil::query {

/// Whether the operator drops the metric name from its result.
bool drops_metric_name(binary_op op) noexcept;

/// scalar op scalar; comparisons yield 1 or 0.
double scalar_binop(binary_op op, double lhs, double rhs);

/// One element of vector op scalar (scalar op vector when `swap`): the
/// output value, or nullopt when a comparison filters it out.
std::optional<double> vector_scalar_elem(binary_op op, double v, double scalar, bool swap, bool return_bool);

/// vector op scalar (or scalar op vector when `swap`).
vector_value vector_scalar_binop(binary_op op, vector_value vec, double scalar, bool swap, bool return_bool);

/// vector op vector with the expression's matching rules.
vector_value vector_binop(const binary_expr& b, vector_value lhs, vector_value rhs);

// ---- building blocks of vector_binop, shared with the evaluator's
// range form (evaluator_binary.cpp), which must match it exactly ----------

/// (value, keep) of one element pair, as Prometheus' vectorElemBinop.
std::pair<double, bool> elem_binop(binary_op op, double l, double r);
/// The labels a sample is matched on: on(...) keeps the listed labels;
/// ignoring(...) drops them and the metric name.
labels match_signature(const labels& l, const vector_matching& m);
/// The result labels of a match of `many` with `one`.
labels match_result_labels(const labels& many, const labels& one, const binary_expr& b);
/// Throws the error for two series with one signature on the "one" side.
[[noreturn]] void duplicate_match(const labels& sig, bool left, const labels& a, const labels& b);
/// The errors for a second match of one signature at one step.
[[noreturn]] void many_to_one_not_explicit();
[[noreturn]] void grouping_not_unique();

} // namespace vigil::query
