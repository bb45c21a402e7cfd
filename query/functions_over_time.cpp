// The *_over_time family: aggregations of each series' samples in a window.
#include <algorithm>
#include <cmath>
#include <limits>

#include "query/functions.hpp"

namespace vigil::query::fn {
namespace {

// Neumaier-compensated summation step (Prometheus' kahanSumInc).
std::pair<double, double> kahan_inc(double inc, double sum, double c) {
  double t = sum + inc;
  if (std::abs(sum) >= std::abs(inc)) c += (sum - t) + inc;
  else c += (inc - t) + sum;
  return {t, c};
}

// Welford's variance with compensated sums (population variance).
double variance(std::span<const sample> s) {
  double count = 0, mean = 0, c_mean = 0, aux = 0, c_aux = 0;
  for (const auto& x : s) {
    count += 1;
    double delta = x.v - (mean + c_mean);
    std::tie(mean, c_mean) = kahan_inc(delta / count, mean, c_mean);
    std::tie(aux, c_aux) = kahan_inc(delta * (x.v - (mean + c_mean)), aux, c_aux);
  }
  return (aux + c_aux) / count;
}

} // namespace

double quantile(double q, std::vector<double>& values) {
  if (values.empty() || std::isnan(q)) return std::numeric_limits<double>::quiet_NaN();
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  std::sort(values.begin(), values.end(), [](double a, double b) { return std::isnan(a) ? !std::isnan(b) : a < b; });
  double n = static_cast<double>(values.size());
  double rank = q * (n - 1);
  double lower = std::max(0.0, std::floor(rank));
  double upper = std::min(n - 1, lower + 1);
  double weight = rank - std::floor(rank);
  return values[static_cast<std::size_t>(lower)] * (1 - weight) + values[static_cast<std::size_t>(upper)] * weight;
}

std::optional<double> avg_over_time(const window& w) {
  // Fast path: a plain sum is exact enough unless it overflows or meets
  // Inf/NaN; then Prometheus' incremental mean decides.
  double sum = 0;
  for (const auto& x : w.samples) sum += x.v;
  if (std::isfinite(sum)) return sum / static_cast<double>(w.samples.size());
  double mean = 0, count = 0;
  for (const auto& x : w.samples) {
    count += 1;
    if (std::isinf(mean)) {
      if (std::isinf(x.v) && (mean > 0) == (x.v > 0)) continue;
      if (!std::isinf(x.v) && !std::isnan(x.v)) continue;
    }
    mean += x.v / count - mean / count;
  }
  return mean;
}

std::optional<double> sum_over_time(const window& w) {
  double sum = 0;
  for (const auto& x : w.samples) sum += x.v;
  return sum;
}

std::optional<double> count_over_time(const window& w) { return static_cast<double>(w.samples.size()); }

std::optional<double> min_over_time(const window& w) {
  double m = w.samples[0].v;
  for (const auto& x : w.samples)
    if (x.v < m || std::isnan(m)) m = x.v;
  return m;
}

std::optional<double> max_over_time(const window& w) {
  double m = w.samples[0].v;
  for (const auto& x : w.samples)
    if (x.v > m || std::isnan(m)) m = x.v;
  return m;
}

std::optional<double> last_over_time(const window& w) { return w.samples.back().v; }
std::optional<double> present_over_time(const window&) { return 1.0; }
std::optional<double> absent_over_time(const window&) { return 1.0; }

std::optional<double> quantile_over_time(const window& w) {
  std::vector<double> vals;
  vals.reserve(w.samples.size());
  for (const auto& x : w.samples) vals.push_back(x.v);
  return quantile(w.scalars[0], vals);
}

std::optional<double> stddev_over_time(const window& w) { return std::sqrt(variance(w.samples)); }
std::optional<double> stdvar_over_time(const window& w) { return variance(w.samples); }

} // namespace vigil::query::fn
