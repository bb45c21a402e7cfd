#include "query/series_set.hpp"

#include <algorithm>

namespace vigil::query {
namespace {

bool sorted_unique_times(const std::vector<sample>& s) {
  for (std::size_t i = 1; i < s.size(); ++i)
    if (s[i - 1].t >= s[i].t) return false;
  return true;
}

void sort_samples(std::vector<sample>& s) {
  if (sorted_unique_times(s)) return;
  std::stable_sort(s.begin(), s.end(), [](const sample& a, const sample& b) { return a.t < b.t; });
  // Keep the last of equal timestamps.
  std::vector<sample> out;
  out.reserve(s.size());
  for (const auto& x : s) {
    if (!out.empty() && out.back().t == x.t) out.back() = x;
    else out.push_back(x);
  }
  s = std::move(out);
}

} // namespace

void normalize(std::vector<series>& list) {
  // A shard's answer is in label order with unique label sets already: one
  // pass of comparisons instead of a sort's n log n (label comparisons are a
  // query's largest memcmp cost).
  bool strictly_sorted = true;
  for (std::size_t i = 1; i < list.size() && strictly_sorted; ++i)
    strictly_sorted = list[i - 1].lbls < list[i].lbls;
  if (strictly_sorted) {
    for (auto& x : list) sort_samples(x.samples);
    return;
  }
  std::stable_sort(list.begin(), list.end(), [](const series& a, const series& b) { return a.lbls < b.lbls; });
  std::vector<series> out;
  out.reserve(list.size());
  for (auto& s : list) {
    if (!out.empty() && out.back().lbls == s.lbls) {
      auto& dst = out.back().samples;
      dst.insert(dst.end(), s.samples.begin(), s.samples.end());
    } else {
      out.push_back(std::move(s));
    }
  }
  for (auto& s : out) sort_samples(s.samples);
  list = std::move(out);
}

series_set::series_set(std::vector<std::vector<series>> fetched) : series_set(std::move(fetched), {}) {}

series_set::series_set(std::vector<std::vector<series>> fetched, const std::vector<bool>& as_is)
    : sets_(std::move(fetched)) {
  for (std::size_t i = 0; i < sets_.size(); ++i) {
    auto& list = sets_[i];
    if (i >= as_is.size() || !as_is[i]) normalize(list);
    else if (!std::is_sorted(list.begin(), list.end(), [](const series& a, const series& b) { return a.lbls < b.lbls; }))
      std::stable_sort(list.begin(), list.end(), [](const series& a, const series& b) { return a.lbls < b.lbls; });
    for (const auto& s : list) samples_ += s.samples.size();
  }
}

const std::vector<series>& series_set::at(std::size_t i) const noexcept {
  static const std::vector<series> empty;
  return i < sets_.size() ? sets_[i] : empty;
}

} // namespace vigil::query
