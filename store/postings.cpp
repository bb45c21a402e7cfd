#include "store/postings.hpp"

#include <algorithm>
#include <iterator>

namespace vigil::store {

postings_list intersect(const postings_list& a, const postings_list& b) {
  postings_list out;
  out.reserve(std::min(a.size(), b.size()));
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

postings_list merge(const postings_list& a, const postings_list& b) {
  postings_list out;
  out.reserve(a.size() + b.size());
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

postings_list merge_all(std::vector<postings_list> lists) {
  if (lists.empty()) return {};
  if (lists.size() == 1) return std::move(lists.front());
  if (lists.size() == 2) return merge(lists[0], lists[1]);
  std::size_t total = 0;
  for (const auto& l : lists) total += l.size();
  postings_list out;
  out.reserve(total);
  for (const auto& l : lists) out.insert(out.end(), l.begin(), l.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

postings_list without(const postings_list& a, const postings_list& b) {
  postings_list out;
  out.reserve(a.size());
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

bool is_postings(const postings_list& p) noexcept {
  return std::adjacent_find(p.begin(), p.end(), std::greater_equal<>()) == p.end();
}

} // namespace vigil::store
