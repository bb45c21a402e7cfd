// Counter and gauge functions over range windows: rate, increase, delta
// (with Prometheus' extrapolation), irate, idelta, deriv, predict_linear,
// changes, resets, holt_winters.
#include <algorithm>
#include <cmath>

#include "query/functions.hpp"
#include "query/printer.hpp"

namespace vigil::query::fn {
namespace {

double seconds(timestamp_ms ms) { return static_cast<double>(ms) / 1000.0; }

// Prometheus' extrapolatedRate: the change over the window, extrapolated to
// the window's edges (but not beyond a counter's zero point).
std::optional<double> extrapolated(const window& w, bool counter, bool per_second) {
  const auto& s = w.samples;
  if (s.size() < 2) return std::nullopt;
  double result = s.back().v - s.front().v;
  if (counter && w.resets_known) {
    // The same additions in the same order as the loop below: the resets
    // strictly inside the window (the first sample is compared with 0 and
    // adds 0 at most, which leaves the sum unchanged).
    auto it = std::upper_bound(w.resets.begin(), w.resets.end(), w.first);
    for (; it != w.resets.end() && *it < w.first + s.size(); ++it) result += s[*it - w.first - 1].v;
  } else if (counter) {
    double last = 0;
    for (const auto& x : s) {
      if (x.v < last) result += last;
      last = x.v;
    }
  }
  double to_start = seconds(s.front().t - w.range_start);
  double to_end = seconds(w.range_end - s.back().t);
  double sampled = seconds(s.back().t - s.front().t);
  double avg_step = sampled / static_cast<double>(s.size() - 1);
  if (counter && result > 0 && s.front().v >= 0) {
    double to_zero = sampled * (s.front().v / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  double threshold = avg_step * 1.1;
  double interval = sampled;
  interval += to_start < threshold ? to_start : avg_step / 2;
  interval += to_end < threshold ? to_end : avg_step / 2;
  double factor = interval / sampled;
  if (per_second) factor /= seconds(w.range_end - w.range_start);
  return result * factor;
}

std::optional<double> instant_value(const window& w, bool per_second) {
  const auto& s = w.samples;
  if (s.size() < 2) return std::nullopt;
  const sample& last = s[s.size() - 1];
  const sample& prev = s[s.size() - 2];
  double result = per_second && last.v < prev.v ? last.v : last.v - prev.v;
  timestamp_ms dt = last.t - prev.t;
  if (dt == 0) return std::nullopt;
  if (per_second) result /= seconds(dt);
  return result;
}

// Least squares fit of the samples; x in seconds relative to `intercept_t`.
std::pair<double, double> linear_regression(std::span<const sample> s, timestamp_ms intercept_t) {
  double n = 0, sum_x = 0, sum_y = 0, sum_xy = 0, sum_x2 = 0;
  double init_y = s[0].v;
  bool const_y = true;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (const_y && i > 0 && s[i].v != init_y) const_y = false;
    n += 1;
    double x = seconds(s[i].t - intercept_t);
    sum_x += x;
    sum_y += s[i].v;
    sum_xy += x * s[i].v;
    sum_x2 += x * x;
  }
  if (const_y) {
    if (std::isinf(init_y)) return {NAN, NAN};
    return {0.0, init_y};
  }
  double cov_xy = sum_xy - sum_x * sum_y / n;
  double var_x = sum_x2 - sum_x * sum_x / n;
  double slope = cov_xy / var_x;
  return {slope, sum_y / n - slope * sum_x / n};
}

double trend(std::size_t i, double tf, double s0, double s1, double b) {
  if (i == 0) return b;
  return tf * (s1 - s0) + (1 - tf) * b;
}

} // namespace

void find_resets(std::span<const sample> s, std::vector<std::uint32_t>& out) {
  out.clear();
  for (std::size_t j = 1; j < s.size(); ++j)
    if (s[j].v < s[j - 1].v) out.push_back(static_cast<std::uint32_t>(j));
}

std::optional<double> rate(const window& w) { return extrapolated(w, true, true); }
std::optional<double> increase(const window& w) { return extrapolated(w, true, false); }
std::optional<double> delta(const window& w) { return extrapolated(w, false, false); }
std::optional<double> irate(const window& w) { return instant_value(w, true); }
std::optional<double> idelta(const window& w) { return instant_value(w, false); }

std::optional<double> deriv(const window& w) {
  if (w.samples.size() < 2) return std::nullopt;
  return linear_regression(w.samples, w.samples[0].t).first;
}

std::optional<double> predict_linear(const window& w) {
  if (w.samples.size() < 2) return std::nullopt;
  auto [slope, intercept] = linear_regression(w.samples, w.ts);
  return slope * w.scalars[1] + intercept;
}

std::optional<double> changes(const window& w) {
  double prev = w.samples[0].v;
  int n = 0;
  for (std::size_t i = 1; i < w.samples.size(); ++i) {
    double cur = w.samples[i].v;
    if (cur != prev && !(std::isnan(cur) && std::isnan(prev))) ++n;
    prev = cur;
  }
  return static_cast<double>(n);
}

std::optional<double> resets(const window& w) {
  double prev = w.samples[0].v;
  int n = 0;
  for (std::size_t i = 1; i < w.samples.size(); ++i) {
    if (w.samples[i].v < prev) ++n;
    prev = w.samples[i].v;
  }
  return static_cast<double>(n);
}

std::optional<double> holt_winters(const window& w) {
  double sf = w.scalars[1], tf = w.scalars[2];
  if (!(sf > 0 && sf < 1)) fail("invalid smoothing factor. Expected: 0 < sf < 1, got: " + format_number(sf));
  if (!(tf > 0 && tf < 1)) fail("invalid trend factor. Expected: 0 < tf < 1, got: " + format_number(tf));
  const auto& s = w.samples;
  if (s.size() < 2) return std::nullopt;
  double s0 = 0, s1 = s[0].v, b = s[1].v - s[0].v;
  for (std::size_t i = 1; i < s.size(); ++i) {
    double x = sf * s[i].v;
    b = trend(i - 1, tf, s0, s1, b);
    double y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

} // namespace vigil::query::fn
