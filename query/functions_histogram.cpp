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

double bucket_quantile(double q, std::vector<bucket> b) {
  if (std::isnan(q)) return NAN;
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
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

} // namespace

vector_value histogram_quantile(std::vector<vector_value>& args, const call_context& ctx) {
  double q = args[0].empty() ? NAN : args[0][0].v;
  static const std::vector<std::string> le = {"le"};
  static const std::vector<std::string> excluded = {std::string(metric_name_label), "le"};
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
