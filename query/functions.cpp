#include "query/functions.hpp"

#include <algorithm>
#include <unordered_map>

namespace vigil::query {
namespace {

using vt = value_type;
constexpr vt V = vt::vector;
constexpr vt S = vt::scalar;
constexpr vt M = vt::matrix;
constexpr vt STR = vt::string;

// Native-histogram functions: vigil stores float samples only, so there is
// never a histogram sample to act on.
vector_value no_histograms(std::vector<vector_value>&, const call_context&) { return {}; }

function_def inst(std::string_view n, std::vector<vt> a, instant_impl f, int variadic = 0, vt ret = V) {
  return function_def{n, std::move(a), variadic, ret, f, nullptr};
}
function_def rng(std::string_view n, std::vector<vt> a, range_impl f) {
  return function_def{n, std::move(a), 0, V, nullptr, f};
}

std::vector<function_def> build_table() {
  std::vector<function_def> t = {
      rng("rate", {M}, fn::rate),
      rng("increase", {M}, fn::increase),
      rng("delta", {M}, fn::delta),
      rng("irate", {M}, fn::irate),
      rng("idelta", {M}, fn::idelta),
      rng("deriv", {M}, fn::deriv),
      rng("predict_linear", {M, S}, fn::predict_linear),
      rng("changes", {M}, fn::changes),
      rng("resets", {M}, fn::resets),
      rng("holt_winters", {M, S, S}, fn::holt_winters),
      rng("avg_over_time", {M}, fn::avg_over_time),
      rng("sum_over_time", {M}, fn::sum_over_time),
      rng("count_over_time", {M}, fn::count_over_time),
      rng("min_over_time", {M}, fn::min_over_time),
      rng("max_over_time", {M}, fn::max_over_time),
      rng("last_over_time", {M}, fn::last_over_time),
      rng("present_over_time", {M}, fn::present_over_time),
      rng("absent_over_time", {M}, fn::absent_over_time),
      rng("quantile_over_time", {S, M}, fn::quantile_over_time),
      rng("stddev_over_time", {M}, fn::stddev_over_time),
      rng("stdvar_over_time", {M}, fn::stdvar_over_time),
      inst("clamp", {V, S, S}, fn::clamp),
      inst("clamp_min", {V, S}, fn::clamp_min),
      inst("clamp_max", {V, S}, fn::clamp_max),
      inst("round", {V, S}, fn::round, 1),
      inst("pi", {}, fn::pi, 0, S),
      inst("time", {}, fn::time, 0, S),
      inst("timestamp", {V}, fn::timestamp),
      inst("vector", {S}, fn::vector),
      inst("scalar", {V}, fn::scalar, 0, S),
      inst("sort", {V}, fn::sort),
      inst("sort_desc", {V}, fn::sort_desc),
      inst("absent", {V}, fn::absent),
      inst("label_replace", {V, STR, STR, STR, STR}, fn::label_replace),
      inst("label_join", {V, STR, STR, STR}, fn::label_join, -1),
      inst("histogram_quantile", {S, V}, fn::histogram_quantile),
      inst("histogram_count", {V}, no_histograms),
      inst("histogram_sum", {V}, no_histograms),
      inst("histogram_fraction", {S, S, V}, no_histograms),
  };
  for (auto n : {"abs", "ceil", "floor", "exp", "sqrt", "ln", "log2", "log10", "sgn", "sin", "cos", "tan",
                 "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "deg", "rad"})
    t.push_back(inst(n, {V}, fn::math(n)));
  for (auto n : {"year", "month", "day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour",
                 "minute"})
    t.push_back(inst(n, {V}, fn::date(n), 1));
  return t;
}

const std::unordered_map<std::string_view, function_def>& table() {
  static const auto* map = [] {
    auto* m = new std::unordered_map<std::string_view, function_def>();
    for (auto& f : build_table()) m->emplace(f.name, std::move(f));
    return m;
  }();
  return *map;
}

} // namespace

const function_def* find_function(std::string_view name) {
  const auto& t = table();
  auto it = t.find(name);
  return it == t.end() ? nullptr : &it->second;
}

bool is_time_dependent(std::string_view name) {
  static constexpr std::string_view names[] = {"days_in_month", "day_of_month", "day_of_week", "day_of_year",
                                               "hour", "minute", "month", "year", "predict_linear", "time",
                                               "timestamp"};
  return std::find(std::begin(names), std::end(names), name) != std::end(names);
}

} // namespace vigil::query
