// Element-wise math: abs, ceil, ..., trigonometry, clamp*, round, pi.
#include <cmath>
#include <numbers>

#include "query/functions.hpp"

namespace vigil::query::fn {
namespace {

// Go's math.Max / math.Min: NaN wins.
double go_max(double a, double b) { return std::isnan(a) || std::isnan(b) ? NAN : std::fmax(a, b); }
double go_min(double a, double b) { return std::isnan(a) || std::isnan(b) ? NAN : std::fmin(a, b); }

template <double (*F)(double)>
vector_value simple(std::vector<vector_value>& args, const call_context&) {
  vector_value out = std::move(args[0]);
  for (auto& s : out) {
    s.v = F(s.v);
    s.lbls = s.lbls.without_metric_name();
  }
  return out;
}

double sgn(double v) { return v < 0 ? -1.0 : v > 0 ? 1.0 : v; }
double deg(double v) { return v * 180 / std::numbers::pi; }
double rad(double v) { return v * std::numbers::pi / 180; }
double abs_(double v) { return std::fabs(v); }
double ceil_(double v) { return std::ceil(v); }
double floor_(double v) { return std::floor(v); }
double exp_(double v) { return std::exp(v); }
double sqrt_(double v) { return std::sqrt(v); }
double ln_(double v) { return std::log(v); }
double log2_(double v) { return std::log2(v); }
double log10_(double v) { return std::log10(v); }
double sin_(double v) { return std::sin(v); }
double cos_(double v) { return std::cos(v); }
double tan_(double v) { return std::tan(v); }
double asin_(double v) { return std::asin(v); }
double acos_(double v) { return std::acos(v); }
double atan_(double v) { return std::atan(v); }
double sinh_(double v) { return std::sinh(v); }
double cosh_(double v) { return std::cosh(v); }
double tanh_(double v) { return std::tanh(v); }
double asinh_(double v) { return std::asinh(v); }
double acosh_(double v) { return std::acosh(v); }
double atanh_(double v) { return std::atanh(v); }

template <class F>
vector_value map_values(vector_value in, F f) {
  for (auto& s : in) {
    s.v = f(s.v);
    s.lbls = s.lbls.without_metric_name();
  }
  return in;
}

} // namespace

instant_impl math(std::string_view name) {
  static constexpr struct {
    std::string_view name;
    instant_impl fn;
  } table[] = {{"abs", simple<abs_>},     {"ceil", simple<ceil_>},   {"floor", simple<floor_>},
               {"exp", simple<exp_>},     {"sqrt", simple<sqrt_>},   {"ln", simple<ln_>},
               {"log2", simple<log2_>},   {"log10", simple<log10_>}, {"sgn", simple<sgn>},
               {"sin", simple<sin_>},     {"cos", simple<cos_>},     {"tan", simple<tan_>},
               {"asin", simple<asin_>},   {"acos", simple<acos_>},   {"atan", simple<atan_>},
               {"sinh", simple<sinh_>},   {"cosh", simple<cosh_>},   {"tanh", simple<tanh_>},
               {"asinh", simple<asinh_>}, {"acosh", simple<acosh_>}, {"atanh", simple<atanh_>},
               {"deg", simple<deg>},      {"rad", simple<rad>}};
  for (const auto& e : table)
    if (e.name == name) return e.fn;
  return nullptr;
}

vector_value clamp(std::vector<vector_value>& args, const call_context&) {
  double lo = args[1][0].v, hi = args[2][0].v;
  if (hi < lo) return {};
  return map_values(std::move(args[0]), [lo, hi](double v) { return go_max(lo, go_min(hi, v)); });
}

vector_value clamp_min(std::vector<vector_value>& args, const call_context&) {
  double lo = args[1][0].v;
  return map_values(std::move(args[0]), [lo](double v) { return go_max(lo, v); });
}

vector_value clamp_max(std::vector<vector_value>& args, const call_context&) {
  double hi = args[1][0].v;
  return map_values(std::move(args[0]), [hi](double v) { return go_min(hi, v); });
}

vector_value round(std::vector<vector_value>& args, const call_context&) {
  double to_nearest = args.size() >= 2 && !args[1].empty() ? args[1][0].v : 1.0;
  double inverse = 1.0 / to_nearest;
  return map_values(std::move(args[0]), [inverse](double v) { return std::floor(v * inverse + 0.5) / inverse; });
}

vector_value pi(std::vector<vector_value>&, const call_context&) {
  return {vsample{{}, std::numbers::pi, 0}};
}

} // namespace vigil::query::fn
