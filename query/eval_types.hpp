// query/eval_types.hpp - values flowing between the evaluator's operators.
//
// Internal to the engine. An instant vector at one step is a `vector_value`;
// an evaluated expression over all steps of a range is a `step_matrix` (one
// point per step where the series has a value; scalars are one unlabeled
// series with a point at every step). Errors inside evaluation are thrown as
// `eval_error` and turned into a status at the public boundary (execute()).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/labels.hpp"
#include "core/sample.hpp"
#include "core/status.hpp"
#include "query/value.hpp"

namespace vigil::query {

/// One element of an instant vector.
struct vsample {
  labels lbls;
  double v = 0;
  timestamp_ms t = 0; ///< sample time (the step time for computed values)
};
using vector_value = std::vector<vsample>;

/// One series of an evaluated expression: points at step times, ascending.
struct step_series {
  labels lbls;
  std::vector<sample> points;
};
using step_matrix = std::vector<step_series>;

/// The steps an expression is evaluated at: start, start+interval, ..., <= end.
struct eval_range {
  timestamp_ms start = 0;
  timestamp_ms end = 0;
  timestamp_ms interval = 1; ///< > 0 (1 for a single step)
  std::size_t steps() const noexcept {
    return static_cast<std::size_t>((end - start) / interval) + 1;
  }
  bool single() const noexcept { return start == end; }
};

/// The result of evaluating one expression over an eval_range.
struct value {
  value_type type = value_type::vector;
  step_matrix mat; ///< vector/scalar: points per step; matrix: raw samples
  std::string str; ///< string literal value
};

/// Thrown inside evaluation; caught in execute().
struct eval_error {
  status st;
};

[[noreturn]] inline void fail(std::string msg) { throw eval_error{invalid_argument(std::move(msg))}; }

} // namespace vigil::query
