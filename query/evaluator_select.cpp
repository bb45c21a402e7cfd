// Selectors, range windows and subqueries: the parts of the evaluator that
// read fetched samples.
#include <algorithm>

#include "query/evaluator.hpp"
#include "query/functions.hpp"

namespace vigil::query {
namespace {

bool has_stale(const std::vector<sample>& s) {
  return std::any_of(s.begin(), s.end(), [](const sample& x) { return is_stale_nan(x.v); });
}

// Samples of `s` within [mint, maxt].
std::span<const sample> window_of(std::span<const sample> s, timestamp_ms mint, timestamp_ms maxt) {
  auto lo = std::lower_bound(s.begin(), s.end(), mint, [](const sample& x, timestamp_ms t) { return x.t < t; });
  auto hi = std::upper_bound(lo, s.end(), maxt, [](timestamp_ms t, const sample& x) { return t < x.t; });
  return {lo, hi};
}

// First multiple of `step` that is >= t (Go's truncating division, as Prometheus).
timestamp_ms align_up(timestamp_ms t, timestamp_ms step) {
  timestamp_ms a = step * (t / step);
  return a < t ? a + step : a;
}

} // namespace

value evaluator::eval_precomputed(const vector_selector& vs, const eval_range& r) {
  value out;
  out.type = value_type::vector;
  for (const auto& s : data_.at(vs.selection)) {
    poll();
    step_series ss{s.lbls, {}};
    for (const auto& x : s.samples)
      if (x.t >= r.start && x.t <= r.end && (x.t - r.start) % r.interval == 0) ss.points.push_back(x);
    if (ss.points.empty()) continue;
    charge(ss.points.size());
    out.mat.push_back(std::move(ss));
  }
  return out;
}

value evaluator::eval_vector_selector(const vector_selector& vs, const eval_range& r, bool as_timestamp) {
  if (!vs.partial.empty()) return eval_precomputed(vs, r);
  value out;
  out.type = value_type::vector;
  for (const auto& s : data_.at(vs.selection)) {
    poll();
    step_series ss;
    const auto& smp = s.samples;
    std::size_t next = 0; // first sample after the reference time
    for (timestamp_ms ts = r.start; ts <= r.end; ts += r.interval) {
      timestamp_ms ref = ref_time(vs.at, ts) - vs.offset;
      while (next < smp.size() && smp[next].t <= ref) ++next;
      if (next == 0) continue;
      const sample& x = smp[next - 1];
      if (x.t < ref - opts_.lookback_delta || is_stale_nan(x.v)) continue;
      ss.points.push_back({ts, as_timestamp ? static_cast<double>(x.t) / 1000.0 : x.v});
    }
    if (ss.points.empty()) continue;
    charge(ss.points.size());
    ss.lbls = as_timestamp ? s.lbls.without_metric_name() : s.lbls;
    out.mat.push_back(std::move(ss));
  }
  return out;
}

void evaluator::load_range_input(const expr& arg, const eval_range& r, range_input& in) {
  const expr& e = unwrap_parens(arg);
  if (const auto* sq = e.as<subquery_expr>()) return load_subquery(*sq, r, in);
  const auto& ms = *e.as<matrix_selector>();
  in.range = ms.range;
  in.offset = ms.sel.offset;
  in.at = ms.sel.at;
  const auto& list = data_.at(ms.sel.selection);
  in.owned.reserve(list.size());
  for (const auto& s : list) {
    in.lbls.push_back(&s.lbls);
    if (!has_stale(s.samples)) {
      in.samples.emplace_back(s.samples);
      continue;
    }
    auto& copy = in.owned.emplace_back();
    std::copy_if(s.samples.begin(), s.samples.end(), std::back_inserter(copy),
                 [](const sample& x) { return !is_stale_nan(x.v); });
    in.samples.emplace_back(copy);
  }
}

void evaluator::load_subquery(const subquery_expr& sq, const eval_range& r, range_input& in) {
  in.range = sq.range;
  in.offset = sq.offset;
  in.at = sq.at;
  timestamp_ms step = sq.step > 0 ? sq.step : opts_.default_subquery_step;
  timestamp_ms ref_start = ref_time(sq.at, r.start), ref_end = ref_time(sq.at, r.end);
  eval_range inner{align_up(ref_start - sq.offset - sq.range, step), ref_end - sq.offset, step};
  if (inner.start <= inner.end) {
    value v = eval(*sq.inner, inner);
    in.owned_mat = std::move(v.mat);
  }
  for (const auto& s : in.owned_mat) {
    in.lbls.push_back(&s.lbls);
    in.samples.emplace_back(s.points);
  }
}

value evaluator::eval_matrix_top(const expr& e, const eval_range& r) {
  if (!r.single())
    fail("invalid expression type \"range vector\" for range query, must be Scalar or instant Vector");
  range_input in;
  load_range_input(e, r, in);
  value out;
  out.type = value_type::matrix;
  timestamp_ms maxt = ref_time(in.at, r.start) - in.offset;
  for (std::size_t i = 0; i < in.lbls.size(); ++i) {
    auto w = window_of(in.samples[i], maxt - in.range, maxt);
    if (w.empty()) continue;
    charge(w.size());
    out.mat.push_back(step_series{*in.lbls[i], std::vector<sample>(w.begin(), w.end())});
  }
  return out;
}

value evaluator::eval_range_call(const call_expr& c, const eval_range& r) {
  std::size_t matrix_arg = 0;
  std::vector<value> scalars(c.args.size());
  for (std::size_t i = 0; i < c.args.size(); ++i) {
    if (type_of(*c.args[i]) == value_type::matrix) matrix_arg = i;
    else scalars[i] = eval(*c.args[i], r);
  }
  range_input in;
  load_range_input(*c.args[matrix_arg], r, in);
  if (c.fn->name == "absent_over_time") return eval_absent_over_time(c, in, r);
  bool keep_name = c.fn->name == "last_over_time";
  std::vector<double> args(c.args.size(), 0.0);
  // rate and increase over many steps: list each series' counter resets
  // once instead of scanning every window (windows overlap when the range
  // exceeds the step).
  const bool counter = !r.single() && (c.fn->range == fn::rate || c.fn->range == fn::increase);
  std::vector<std::uint32_t> resets;
  value out;
  out.type = value_type::vector;
  for (std::size_t i = 0; i < in.lbls.size(); ++i) {
    poll();
    step_series ss;
    std::size_t step = 0;
    // Windows only move forward (ref_time is non-decreasing in ts), so two
    // cursors replace a binary search per step: w = [lo, hi) = [mint, maxt].
    const auto all = in.samples[i];
    const bool use_resets = counter && all.size() <= UINT32_MAX;
    if (use_resets) fn::find_resets(all, resets);
    std::size_t lo = 0, hi = 0;
    for (timestamp_ms ts = r.start; ts <= r.end; ts += r.interval, ++step) {
      timestamp_ms maxt = ref_time(in.at, ts) - in.offset;
      const timestamp_ms mint = maxt - in.range;
      while (lo < all.size() && all[lo].t < mint) ++lo;
      if (hi < lo) hi = lo;
      while (hi < all.size() && all[hi].t <= maxt) ++hi;
      auto w = all.subspan(lo, hi - lo);
      if (w.empty()) continue;
      if (current_ + w.size() > opts_.max_samples) charge(w.size());
      for (std::size_t k = 0; k < c.args.size(); ++k)
        if (k != matrix_arg) args[k] = scalars[k].mat.empty() ? 0.0 : scalars[k].mat[0].points[step].v;
      window win{w, maxt - in.range, maxt, ts, args, {}, 0, false};
      if (use_resets) {
        win.resets = resets;
        win.first = lo;
        win.resets_known = true;
      }
      if (auto v = c.fn->range(win)) ss.points.push_back({ts, *v});
    }
    if (ss.points.empty()) continue;
    charge(ss.points.size());
    ss.lbls = keep_name ? *in.lbls[i] : in.lbls[i]->without_metric_name();
    out.mat.push_back(std::move(ss));
  }
  check_unique_labels(out.mat);
  return out;
}

value evaluator::eval_absent_over_time(const call_expr& c, const range_input& in, const eval_range& r) {
  step_series ss;
  ss.lbls = fn::absent_labels(unwrap_parens(*c.args[0]));
  for (timestamp_ms ts = r.start; ts <= r.end; ts += r.interval) {
    timestamp_ms maxt = ref_time(in.at, ts) - in.offset;
    bool present = false;
    for (std::size_t i = 0; i < in.lbls.size() && !present; ++i)
      present = !window_of(in.samples[i], maxt - in.range, maxt).empty();
    if (!present) ss.points.push_back({ts, 1.0});
  }
  value out;
  out.type = value_type::vector;
  if (!ss.points.empty()) {
    charge(ss.points.size());
    out.mat.push_back(std::move(ss));
  }
  return out;
}

} // namespace vigil::query
