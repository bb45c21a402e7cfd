// query/functions.hpp - the table of PromQL functions: signatures for the
// parser's type checks and implementations for the evaluator.
//
// Instant functions run once per step over their arguments' values at that
// step; range functions (those taking a range vector) run once per series and
// step over the samples in the window. Implementations live in
// functions_*.cpp, grouped by concern. The table is immutable and global.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "query/ast.hpp"
#include "query/eval_types.hpp"

namespace vigil::query {

/// What an instant function sees at one step.
struct call_context {
  const call_expr& call;
  timestamp_ms ts;                         ///< the step's evaluation time
  const std::vector<std::string>& strings; ///< string arguments by position ("" elsewhere)
};

/// args[i]: argument i at this step (a scalar is a one-element vector with
/// no labels). Returns the output vector; may move from args.
using instant_impl = vector_value (*)(std::vector<vector_value>& args, const call_context& ctx);

/// What a range function sees for one series at one step.
struct window {
  std::span<const sample> samples; ///< non-stale samples in [range_start, range_end], ascending
  timestamp_ms range_start = 0;
  timestamp_ms range_end = 0;
  timestamp_ms ts = 0;              ///< the step's evaluation time
  std::span<const double> scalars;  ///< scalar arguments by position
  /// Optional, for rate and increase over long windows: every index j of the
  /// whole series with v[j] < v[j-1] (a counter reset), ascending, and the
  /// series index of samples[0]; the counter correction then visits the
  /// resets in the window instead of every sample.
  std::span<const std::uint32_t> resets;
  std::size_t first = 0;
  bool resets_known = false;
};


/// Returns the value for the window, or nullopt for no output.
using range_impl = std::optional<double> (*)(const window& w);

struct function_def {
  std::string_view name;
  std::vector<value_type> arg_types;
  /// 0: exactly arg_types; -1: the last type repeats without limit;
  /// n > 0: up to n trailing arguments are optional.
  int variadic = 0;
  value_type return_type = value_type::vector;
  instant_impl instant = nullptr; ///< set for instant functions
  range_impl range = nullptr;     ///< set for functions with a range-vector argument
};

/// The function named `name`, or nullptr.
const function_def* find_function(std::string_view name);

/// Functions whose result depends on the evaluation time in ways the
/// `@` modifier does not fix (time(), timestamp(), date functions, ...).
bool is_time_dependent(std::string_view name);

// Implementations, by concern (functions_*.cpp).
namespace fn {
// functions_range.cpp
/// The counter resets of `s` for window::resets.
void find_resets(std::span<const sample> s, std::vector<std::uint32_t>& out);
std::optional<double> rate(const window& w);
std::optional<double> increase(const window& w);
std::optional<double> delta(const window& w);
std::optional<double> irate(const window& w);
std::optional<double> idelta(const window& w);
std::optional<double> deriv(const window& w);
std::optional<double> predict_linear(const window& w);
std::optional<double> changes(const window& w);
std::optional<double> resets(const window& w);
std::optional<double> holt_winters(const window& w);
// functions_over_time.cpp
std::optional<double> avg_over_time(const window& w);
std::optional<double> sum_over_time(const window& w);
std::optional<double> count_over_time(const window& w);
std::optional<double> min_over_time(const window& w);
std::optional<double> max_over_time(const window& w);
std::optional<double> last_over_time(const window& w);
std::optional<double> present_over_time(const window& w);
std::optional<double> absent_over_time(const window& w);
std::optional<double> quantile_over_time(const window& w);
std::optional<double> stddev_over_time(const window& w);
std::optional<double> stdvar_over_time(const window& w);
/// Prometheus' quantile over unsorted values (sorts `values`).
double quantile(double q, std::vector<double>& values);
// functions_math.cpp
instant_impl math(std::string_view name);
vector_value clamp(std::vector<vector_value>& args, const call_context& ctx);
vector_value clamp_min(std::vector<vector_value>& args, const call_context& ctx);
vector_value clamp_max(std::vector<vector_value>& args, const call_context& ctx);
vector_value round(std::vector<vector_value>& args, const call_context& ctx);
vector_value pi(std::vector<vector_value>& args, const call_context& ctx);
// functions_misc.cpp
vector_value time(std::vector<vector_value>& args, const call_context& ctx);
vector_value timestamp(std::vector<vector_value>& args, const call_context& ctx);
vector_value vector(std::vector<vector_value>& args, const call_context& ctx);
vector_value scalar(std::vector<vector_value>& args, const call_context& ctx);
vector_value sort(std::vector<vector_value>& args, const call_context& ctx);
vector_value sort_desc(std::vector<vector_value>& args, const call_context& ctx);
vector_value absent(std::vector<vector_value>& args, const call_context& ctx);
vector_value label_replace(std::vector<vector_value>& args, const call_context& ctx);
vector_value label_join(std::vector<vector_value>& args, const call_context& ctx);
instant_impl date(std::string_view name);
/// Labels absent()/absent_over_time() give their result (from equality matchers).
labels absent_labels(const expr& arg);
// functions_histogram.cpp
vector_value histogram_quantile(std::vector<vector_value>& args, const call_context& ctx);
/// histogram_quantile at every step of [start, end] (interval > 0) at once,
/// as the per-step function would answer step by step (same series order);
/// `q` is the scalar argument's series (nullptr: no value). nullopt when two
/// groups have equal labels without __name__ and le (the caller then runs
/// the per-step function, which reports the duplicate where it occurs).
std::optional<step_matrix> histogram_quantile_range(const step_series* q, const step_matrix& in,
                                                    timestamp_ms start, timestamp_ms end, timestamp_ms interval);
} // namespace fn

} // namespace vigil::query
