// query/value.hpp - the result of evaluating a PromQL expression, in the shape
// the Prometheus HTTP API returns (scalar, string, instant vector, matrix).
// Plain value; thread-safe to copy.
#pragma once

#include <string>
#include <vector>

#include "core/series.hpp"

namespace vigil::query {

enum class value_type : unsigned char { scalar = 0, string = 1, vector = 2, matrix = 3 };

/// "scalar", "string", "vector", "matrix" (the API's resultType).
const char* to_string(value_type t) noexcept;

struct query_result {
  value_type type = value_type::vector;
  /// vector: one sample per series (at the evaluation time);
  /// matrix: the samples of each series in time order.
  std::vector<series> items;
  /// scalar: (t, v); string: the timestamp in `.t`.
  sample scalar;
  std::string str;
  /// Non-fatal notes the API returns in "warnings".
  std::vector<std::string> warnings;
  friend bool operator==(const query_result&, const query_result&) = default;
};

} // namespace vigil::query
