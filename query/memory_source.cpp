#include "query/memory_source.hpp"

#include <algorithm>

namespace vigil::query {

void memory_source::add(series s) {
  auto it = std::lower_bound(series_.begin(), series_.end(), s.lbls,
                             [](const series& a, const labels& l) { return a.lbls < l; });
  if (it == series_.end() || it->lbls != s.lbls) {
    auto by_time = [](const sample& a, const sample& b) { return a.t < b.t; };
    if (!std::is_sorted(s.samples.begin(), s.samples.end(), by_time))
      std::stable_sort(s.samples.begin(), s.samples.end(), by_time);
    series_.insert(it, std::move(s));
    return;
  }
  auto& dst = it->samples;
  for (const auto& x : s.samples) {
    auto pos = std::lower_bound(dst.begin(), dst.end(), x.t, [](const sample& a, timestamp_ms t) { return a.t < t; });
    if (pos != dst.end() && pos->t == x.t) *pos = x;
    else dst.insert(pos, x);
  }
}

std::vector<series> memory_source::select(const matchers& ms, const time_range& range) const {
  std::vector<series> out;
  for (const auto& s : series_) {
    if (!matches_all(ms, s.lbls)) continue;
    auto lo = std::lower_bound(s.samples.begin(), s.samples.end(), range.min,
                               [](const sample& a, timestamp_ms t) { return a.t < t; });
    auto hi = std::upper_bound(lo, s.samples.end(), range.max,
                               [](timestamp_ms t, const sample& a) { return t < a.t; });
    if (lo == hi) continue;
    out.push_back(series{s.lbls, std::vector<sample>(lo, hi)});
  }
  return out;
}

std::vector<std::vector<series>> memory_source::fetch(const prepared_query& q) const {
  std::vector<std::vector<series>> out;
  out.reserve(q.selections().size());
  for (const auto& sel : q.selections()) out.push_back(select(sel.ms, sel.range));
  return out;
}

result<query_result> memory_source::query(std::string_view promql, const query_params& params,
                                          const eval_options& options) const {
  auto q = prepare(promql, params, options);
  if (!q) return std::move(q).error();
  return execute(*q, fetch(*q));
}

} // namespace vigil::query
