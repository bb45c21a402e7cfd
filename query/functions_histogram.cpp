// histogram_quantile over classic (le-labelled) bucket series.
#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "query/functions.hpp"
#include "query/lexer.hpp"

namespace vigil::query::fn {
namespace {

struct bucket {
  double upper;
  double count;
};

struct histogram {
  labels lbls; // output labels: without __name__ and le
  std::vector<bucket> buckets;
};

// Merges buckets with equal upper bounds (e.g. le="0.2" and le="2e-1").
void coalesce(std::vector<bucket>& b) {
  std::size_t i = 0;
  bucket last = b[0];
  for (std::size_t k = 1; k < b.size(); ++k) {
    if (b[k].upper == last.upper) {
      last.count += b[k].count;
    } else {
      b[i++] = last;
      last = b[k];
    }
  }
  b[i] = last;
  b.resize(i + 1);
}

void ensure_monotonic(std::vector<bucket>& b) {
  double max = -std::numeric_limits<double>::infinity();
  for (auto& x : b) {
    if (x.count > max) max = x.count;
    else if (x.count < max) x.count = max;
  }
}

/// `sorted`: b is ascending by upper bound already (equal bounds in input order).
double bucket_quantile(double q, std::vector<bucket> b, bool sorted = false) {
  if (std::isnan(q)) return NAN;
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  if (!sorted)
    std::stable_sort(b.begin(), b.end(), [](const bucket& x, const bucket& y) { return x.upper < y.upper; });
  if (!std::isinf(b.back().upper) || b.back().upper < 0) return NAN;
  coalesce(b);
  ensure_monotonic(b);
  if (b.size() < 2) return NAN;
  double observations = b.back().count;
  if (observations == 0) return NAN;
  double rank = q * observations;
  auto it = std::find_if(b.begin(), b.end() - 1, [rank](const bucket& x) { return x.count >= rank; });
  auto idx = static_cast<std::size_t>(it - b.begin());
  if (idx == b.size() - 1) return b[b.size() - 2].upper;
  if (idx == 0 && b[0].upper <= 0) return b[0].upper;
  double start = 0, end = b[idx].upper, count = b[idx].count;
  if (idx > 0) {
    start = b[idx - 1].upper;
    count -= b[idx - 1].count;
    rank -= b[idx - 1].count;
  }
  return start + (end - start) * (rank / count);
}

const std::vector<std::string>& le_only() {
  static const std::vector<std::string> le = {"le"};
  return le;
}
const std::vector<std::string>& name_and_le() {
  static const std::vector<std::string> excluded = {std::string(metric_name_label), "le"};
  return excluded;
}

} // namespace

vector_value histogram_quantile(std::vector<vector_value>& args, const call_context& ctx) {
  double q = args[0].empty() ? NAN : args[0][0].v;
  const auto& le = le_only();
  const auto& excluded = name_and_le();
  std::vector<histogram> hists;
  std::unordered_map<std::uint64_t, std::vector<std::size_t>> index; // by labels without le
  std::vector<labels> keys;
  for (const auto& s : args[1]) {
    double upper = 0;
    if (!parse_number(s.lbls.get("le"), upper)) continue;
    labels key = s.lbls.without(le);
    auto& bucket_ids = index[key.hash()];
    auto it = std::find_if(bucket_ids.begin(), bucket_ids.end(), [&](std::size_t i) { return keys[i] == key; });
    std::size_t id;
    if (it == bucket_ids.end()) {
      id = hists.size();
      bucket_ids.push_back(id);
      keys.push_back(key);
      hists.push_back(histogram{s.lbls.without(excluded), {}});
    } else {
      id = *it;
    }
    hists[id].buckets.push_back({upper, s.v});
  }
  vector_value out;
  for (auto& h : hists) out.push_back(vsample{std::move(h.lbls), bucket_quantile(q, std::move(h.buckets)), ctx.ts});
  return out;
}

} // namespace vigil::query::fn

namespace vigil::query::fn {

// The per-step function groups the steps' samples by their labels without
// `le` at every step; the groups do not depend on the step, so this forms
// them once. At each step a group's buckets are its members with a point
// there, in input order, which is the order the per-step function sees.
std::optional<step_matrix> histogram_quantile_range(const step_series* q, const step_matrix& in,
                                                    timestamp_ms start, timestamp_ms end, timestamp_ms interval) {
  struct member {
    std::size_t series; ///< index into `in`
    double upper;
  };
  struct group {
    labels key;               ///< without le
    labels out;               ///< without __name__ and le
    std::vector<member> members; ///< ascending by upper, equal bounds in input order
  };
  std::vector<group> groups;
  std::unordered_map<std::uint64_t, std::vector<std::size_t>> index;
  for (std::size_t i = 0; i < in.size(); ++i) {
    double upper = 0;
    if (!parse_number(in[i].lbls.get("le"), upper)) continue;
    labels key = in[i].lbls.without(le_only());
    auto& ids = index[key.hash()];
    auto it = std::find_if(ids.begin(), ids.end(), [&](std::size_t g) { return groups[g].key == key; });
    std::size_t g = 0;
    if (it == ids.end()) {
      g = groups.size();
      ids.push_back(g);
      groups.push_back(group{std::move(key), in[i].lbls.without(name_and_le()), {}});
    } else {
      g = *it;
    }
    groups[g].members.push_back({i, upper});
  }
  // Two groups with the same output labels (names differ): the per-step
  // path reports the duplicate at the step where both have data.
  {
    std::unordered_map<std::uint64_t, std::vector<std::size_t>> outs;
    for (std::size_t g = 0; g < groups.size(); ++g) {
      auto& ids = outs[groups[g].out.hash()];
      for (auto o : ids)
        if (groups[o].out == groups[g].out) return std::nullopt;
      ids.push_back(g);
    }
  }
  for (auto& g : groups)
    std::stable_sort(g.members.begin(), g.members.end(),
                     [](const member& a, const member& b) { return a.upper < b.upper; });
  std::vector<std::size_t> cursor(in.size(), 0);
  std::size_t qc = 0;
  struct pending {
    std::size_t first_step = 0;
    std::size_t first_member = 0; ///< lowest input index with a point at first_step
    step_series s;
  };
  std::vector<pending> outs(groups.size());
  std::vector<bool> started(groups.size(), false);
  std::vector<bucket> b;
  std::size_t step = 0;
  for (timestamp_ms ts = start; ts <= end; ts += interval, ++step) {
    double qv = NAN;
    if (q) {
      while (qc < q->points.size() && q->points[qc].t < ts) ++qc;
      if (qc < q->points.size() && q->points[qc].t == ts) qv = q->points[qc].v;
    }
    for (std::size_t g = 0; g < groups.size(); ++g) {
      b.clear();
      std::size_t lowest = in.size();
      for (const auto& m : groups[g].members) {
        auto& c = cursor[m.series];
        const auto& pts = in[m.series].points;
        while (c < pts.size() && pts[c].t < ts) ++c;
        if (c < pts.size() && pts[c].t == ts) {
          b.push_back({m.upper, pts[c].v});
          lowest = std::min(lowest, m.series);
        }
      }
      if (b.empty()) continue;
      auto& o = outs[g];
      if (!started[g]) {
        started[g] = true;
        o.first_step = step;
        o.first_member = lowest;
        o.s.lbls = groups[g].out;
      }
      o.s.points.push_back({ts, bucket_quantile(qv, b, true)});
    }
  }
  std::vector<std::size_t> order;
  for (std::size_t g = 0; g < groups.size(); ++g)
    if (started[g]) order.push_back(g);
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    return std::pair(outs[x].first_step, outs[x].first_member) < std::pair(outs[y].first_step, outs[y].first_member);
  });
  step_matrix result;
  result.reserve(order.size());
  for (auto g : order) result.push_back(std::move(outs[g].s));
  return result;
}

} // namespace vigil::query::fn
