#include "alert/routing.hpp"

#include <algorithm>

namespace vigil::alert {

namespace {

void inherit(route& child, const route& parent) {
  if (child.receiver.empty()) child.receiver = parent.receiver;
  if (!child.group_by) child.group_by = parent.group_by;
  if (!child.group_wait) child.group_wait = parent.group_wait;
  if (!child.group_interval) child.group_interval = parent.group_interval;
  if (!child.repeat_interval) child.repeat_interval = parent.repeat_interval;
  for (auto& c : child.routes) inherit(c, child);
}

void collect(const route& r, const labels& alert, std::vector<const route*>& out) {
  for (const auto& c : r.routes) {
    if (!matches_all(c.match, alert)) continue;
    std::size_t before = out.size();
    collect(c, alert, out);
    if (out.size() == before) out.push_back(&c);
    if (!c.continue_matching) return;
  }
}

} // namespace

void finalize(route& root) {
  if (!root.group_by) root.group_by = std::vector<std::string>{};
  if (!root.group_wait) root.group_wait = 30'000;
  if (!root.group_interval) root.group_interval = 300'000;
  if (!root.repeat_interval) root.repeat_interval = 4 * 3'600'000;
  for (auto& c : root.routes) inherit(c, root);
}

std::vector<const route*> match_routes(const route& root, const labels& alert) {
  std::vector<const route*> out;
  collect(root, alert, out);
  if (out.empty()) out.push_back(&root);
  return out;
}

std::string group_key(const route& r, const labels& alert) {
  std::string key = r.receiver + "\x1f";
  const auto& by = *r.group_by;
  bool all = by.size() == 1 && by[0] == "...";
  for (const auto& l : alert) {
    if (!all && std::find(by.begin(), by.end(), l.name) == by.end()) continue;
    key += l.name + "=" + l.value + "\x1f";
  }
  return key;
}

bool inhibited(const labels& target, const std::vector<labels>& firing,
               const std::vector<inhibit_rule>& rules) {
  for (const auto& rule : rules) {
    if (!matches_all(rule.target, target)) continue;
    for (const auto& src : firing) {
      if (src == target || !matches_all(rule.source, src)) continue;
      bool equal = true;
      for (const auto& n : rule.equal) equal = equal && src.get(n) == target.get(n);
      if (equal) return true;
    }
  }
  return false;
}

} // namespace vigil::alert
