#include "query/aggregate.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <string_view>
#include <unordered_map>

#include "query/functions.hpp"
#include "query/printer.hpp"

namespace vigil::query {
namespace {

struct group {
  labels lbls;
  double value = 0;
  double mean = 0;
  std::size_t count = 0;
  std::vector<vsample> heap; // topk/bottomk members; quantile inputs
};

labels group_labels(const labels& l, const aggregate_expr& a, const std::vector<std::string>& grouping) {
  if (a.without) {
    auto names = grouping;
    names.emplace_back(metric_name_label);
    return l.without(names);
  }
  return l.keep_only(grouping);
}

/// The groups of an aggregation, found without building a label set per
/// input series: a series' group is identified by its kept pairs (`by`: the
/// grouping names; `without`: all but those and the metric name), hashed
/// and compared in place; group_labels() runs once per new group.
class group_finder {
public:
  group_finder(const aggregate_expr& a, const std::vector<std::string>& grouping) : a_(a), grouping_(grouping) {}

  /// The index of `l`'s group in `glabels`, appending a new group's labels
  /// (then `*added` is true).
  std::size_t find(const labels& l, std::vector<labels>& glabels, bool* added) {
    std::uint64_t h = 0x9e3779b97f4a7c15ULL;
    const std::hash<std::string_view> hs;
    for (const auto& p : l.pairs())
      if (kept(p.name)) h = (h ^ hs(p.name)) * 0x100000001b3ULL ^ hs(p.value) * 0xbf58476d1ce4e5b9ULL;
    auto& bucket = index_[h];
    for (std::size_t g : bucket)
      if (same(l, glabels[g])) {
        *added = false;
        return g;
      }
    *added = true;
    bucket.push_back(glabels.size());
    glabels.push_back(group_labels(l, a_, grouping_));
    return glabels.size() - 1;
  }

private:
  bool kept(std::string_view name) const {
    const bool listed = std::find(grouping_.begin(), grouping_.end(), name) != grouping_.end();
    return a_.without ? !listed && name != metric_name_label : listed;
  }
  /// Whether `l`'s kept pairs are exactly `gl`'s pairs (both sorted).
  bool same(const labels& l, const labels& gl) const {
    const auto& want = gl.pairs();
    std::size_t i = 0;
    for (const auto& p : l.pairs()) {
      if (!kept(p.name)) continue;
      if (i == want.size() || want[i].name != p.name || want[i].value != p.value) return false;
      ++i;
    }
    return i == want.size();
  }

  const aggregate_expr& a_;
  const std::vector<std::string>& grouping_;
  std::unordered_map<std::uint64_t, std::vector<std::size_t>> index_;
};

// Go's strconv.FormatFloat(v, 'f', -1, 64).
std::string format_fixed(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[512];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  (void)ec;
  return std::string(buf, p);
}

bool valid_label_name(std::string_view s) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// Go's container/heap over a min-heap ordered by `less`.
template <class Less>
struct go_heap {
  std::vector<vsample>& h;
  Less less;
  void up(std::size_t j) {
    while (j > 0) {
      std::size_t i = (j - 1) / 2;
      if (i == j || !less(h[j], h[i])) break;
      std::swap(h[i], h[j]);
      j = i;
    }
  }
  void down(std::size_t i0, std::size_t n) {
    std::size_t i = i0;
    for (;;) {
      std::size_t j1 = 2 * i + 1;
      if (j1 >= n) break;
      std::size_t j = j1;
      if (std::size_t j2 = j1 + 1; j2 < n && less(h[j2], h[j1])) j = j2;
      if (!less(h[j], h[i])) break;
      std::swap(h[i], h[j]);
      i = j;
    }
  }
  void push(vsample s) {
    h.push_back(std::move(s));
    up(h.size() - 1);
  }
  void pop() {
    std::size_t n = h.size() - 1;
    std::swap(h[0], h[n]);
    down(0, n);
    h.pop_back();
  }
};

bool topk_less(const vsample& a, const vsample& b) { return std::isnan(a.v) || a.v < b.v; }
bool bottomk_less(const vsample& a, const vsample& b) { return std::isnan(a.v) || a.v > b.v; }

template <class Less>
void add_k(group& g, const vsample& s, std::size_t k, Less less) {
  go_heap<Less> heap{g.heap, less};
  if (g.heap.size() < k || less(g.heap[0], s)) {
    if (g.heap.size() == k) {
      if (k == 1) {
        g.heap[0] = vsample{s.lbls, s.v, 0};
        return;
      }
      heap.pop();
    }
    heap.push(vsample{s.lbls, s.v, 0});
  }
}

void add_mean(double& mean, std::size_t& count, double v) {
  ++count;
  if (std::isinf(mean)) {
    if (std::isinf(v) && (mean > 0) == (v > 0)) return;
    if (!std::isinf(v) && !std::isnan(v)) return;
  }
  mean += v / static_cast<double>(count) - mean / static_cast<double>(count);
}

void add_mean(group& g, double v) { add_mean(g.mean, g.count, v); }

void add_sample(group& g, const aggregate_expr& a, const vsample& s, std::size_t k) {
  switch (a.op) {
    case agg_op::sum: g.value += s.v; break;
    case agg_op::avg: add_mean(g, s.v); break;
    case agg_op::group: break;
    case agg_op::max: if (g.value < s.v || std::isnan(g.value)) g.value = s.v; break;
    case agg_op::min: if (g.value > s.v || std::isnan(g.value)) g.value = s.v; break;
    case agg_op::count: case agg_op::count_values: ++g.count; break;
    case agg_op::stddev: case agg_op::stdvar: {
      ++g.count;
      double delta = s.v - g.mean;
      g.mean += delta / static_cast<double>(g.count);
      g.value += delta * (s.v - g.mean);
      break;
    }
    case agg_op::topk: add_k(g, s, k, topk_less); break;
    case agg_op::bottomk: add_k(g, s, k, bottomk_less); break;
    case agg_op::quantile: g.heap.push_back(s); break;
  }
}

group new_group(const aggregate_expr& a, labels lbls, const vsample& s) {
  group g;
  g.lbls = std::move(lbls);
  g.value = s.v;
  g.mean = s.v;
  g.count = 1;
  switch (a.op) {
    case agg_op::stddev: case agg_op::stdvar: g.value = 0; break;
    case agg_op::topk: case agg_op::bottomk: case agg_op::quantile: g.heap.push_back(vsample{s.lbls, s.v, 0}); break;
    case agg_op::group: g.value = 1; break;
    default: break;
  }
  return g;
}

void emit(group& g, const aggregate_expr& a, double q, vector_value& out) {
  double n = static_cast<double>(g.count);
  switch (a.op) {
    case agg_op::avg: g.value = g.mean; break;
    case agg_op::count: case agg_op::count_values: g.value = n; break;
    case agg_op::stdvar: g.value = g.value / n; break;
    case agg_op::stddev: g.value = std::sqrt(g.value / n); break;
    case agg_op::topk: case agg_op::bottomk: {
      auto less = a.op == agg_op::topk ? topk_less : bottomk_less;
      std::stable_sort(g.heap.begin(), g.heap.end(), [less](const vsample& x, const vsample& y) { return less(y, x); });
      for (auto& s : g.heap) out.push_back(std::move(s));
      return;
    }
    case agg_op::quantile: {
      std::vector<double> vals;
      for (const auto& s : g.heap) vals.push_back(s.v);
      g.value = fn::quantile(q, vals);
      break;
    }
    default: break;
  }
  out.push_back(vsample{std::move(g.lbls), g.value, 0});
}

} // namespace

vector_value aggregate(const aggregate_expr& a, vector_value in, double param, const std::string& label) {
  std::size_t k = 0;
  if (a.op == agg_op::topk || a.op == agg_op::bottomk) {
    if (!(param >= -9.2e18 && param <= 9.2e18)) fail("Scalar value " + format_number(param) + " overflows int64");
    if (param < 1) return {};
    k = static_cast<std::size_t>(std::min(param, static_cast<double>(in.size() + 1)));
  }
  std::vector<std::string> grouping = a.grouping;
  if (a.op == agg_op::count_values) {
    if (!valid_label_name(label)) fail("invalid label name \"" + label + "\"");
    if (!a.without) grouping.push_back(label);
  }
  std::vector<group> groups;
  std::vector<labels> glabels;
  group_finder finder(a, grouping);
  for (auto& s : in) {
    if (a.op == agg_op::count_values) s.lbls = s.lbls.with(label, format_fixed(s.v));
    bool added = false;
    const std::size_t g = finder.find(s.lbls, glabels, &added);
    if (added) {
      groups.push_back(new_group(a, glabels[g], s));
      continue;
    }
    add_sample(groups[g], a, s, k);
  }
  vector_value out;
  out.reserve(groups.size());
  for (auto& g : groups) emit(g, a, param, out);
  return out;
}


bool has_series_major_form(agg_op op) noexcept {
  switch (op) {
    case agg_op::sum: case agg_op::avg: case agg_op::count: case agg_op::min: case agg_op::max:
    case agg_op::group: case agg_op::stddev: case agg_op::stdvar: return true;
    default: return false;
  }
}

std::optional<step_matrix> aggregate_series(const aggregate_expr& a, const step_matrix& in, const eval_range& r) {
  if (!has_series_major_form(a.op) || r.interval <= 0) return std::nullopt;
  const std::size_t steps = r.steps();
  // Group of every input series, and each group's order key.
  struct gkey {
    std::size_t first_step;
    std::size_t first_series;
  };
  std::vector<labels> glabels;
  std::vector<gkey> order;
  std::vector<std::size_t> group_of(in.size());
  std::size_t input_points = 0;
  group_finder finder(a, a.grouping);
  for (std::size_t k = 0; k < in.size(); ++k) {
    const auto& s = in[k];
    input_points += s.points.size();
    bool added = false;
    const std::size_t g = finder.find(s.lbls, glabels, &added);
    if (added) order.push_back({steps, k});
    group_of[k] = g;
    if (s.points.empty()) continue;
    auto first = static_cast<std::size_t>((s.points.front().t - r.start) / r.interval);
    if (first < order[g].first_step) order[g] = {first, k};
  }
  const std::size_t cells = glabels.size() * steps;
  if (cells > std::max<std::size_t>(std::size_t{1} << 24, 4 * input_points)) return std::nullopt;
  std::vector<double> value(cells, 0.0), mean(cells, 0.0);
  std::vector<std::size_t> count(cells, 0);
  for (std::size_t k = 0; k < in.size(); ++k) {
    const std::size_t base = group_of[k] * steps;
    for (const auto& p : in[k].points) {
      const std::size_t c = base + static_cast<std::size_t>((p.t - r.start) / r.interval);
      const double v = p.v;
      if (count[c] == 0) { // new_group()
        count[c] = 1;
        mean[c] = v;
        value[c] = a.op == agg_op::stddev || a.op == agg_op::stdvar ? 0 : a.op == agg_op::group ? 1 : v;
        continue;
      }
      switch (a.op) { // add_sample()
        case agg_op::sum: value[c] += v; ++count[c]; break;
        case agg_op::avg: add_mean(mean[c], count[c], v); break;
        case agg_op::group: ++count[c]; break;
        case agg_op::max: if (value[c] < v || std::isnan(value[c])) value[c] = v; ++count[c]; break;
        case agg_op::min: if (value[c] > v || std::isnan(value[c])) value[c] = v; ++count[c]; break;
        case agg_op::count: ++count[c]; break;
        case agg_op::stddev: case agg_op::stdvar: {
          ++count[c];
          double delta = v - mean[c];
          mean[c] += delta / static_cast<double>(count[c]);
          value[c] += delta * (v - mean[c]);
          break;
        }
        default: break;
      }
    }
  }
  std::vector<std::size_t> by_order(glabels.size());
  for (std::size_t g = 0; g < by_order.size(); ++g) by_order[g] = g;
  std::sort(by_order.begin(), by_order.end(), [&](std::size_t x, std::size_t y) {
    return order[x].first_step != order[y].first_step ? order[x].first_step < order[y].first_step
                                                      : order[x].first_series < order[y].first_series;
  });
  step_matrix out;
  out.reserve(glabels.size());
  for (std::size_t g : by_order) {
    step_series ss;
    const std::size_t base = g * steps;
    for (std::size_t i = 0; i < steps; ++i) {
      const std::size_t c = base + i;
      if (count[c] == 0) continue;
      double n = static_cast<double>(count[c]), v = value[c];
      switch (a.op) { // emit()
        case agg_op::avg: v = mean[c]; break;
        case agg_op::count: v = n; break;
        case agg_op::stdvar: v = v / n; break;
        case agg_op::stddev: v = std::sqrt(v / n); break;
        default: break;
      }
      ss.points.push_back({r.start + static_cast<timestamp_ms>(i) * r.interval, v});
    }
    if (ss.points.empty()) continue;
    ss.lbls = std::move(glabels[g]);
    out.push_back(std::move(ss));
  }
  return out;
}

} // namespace vigil::query
