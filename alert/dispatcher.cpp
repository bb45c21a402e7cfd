#include "alert/dispatcher.hpp"

#include <limits>

namespace vigil::alert {

bool notification::any_firing() const {
  for (const auto& a : alerts)
    if (a.firing) return true;
  return false;
}

dispatcher::dispatcher(route root, std::vector<inhibit_rule> inhibit)
  : root_(std::move(root)), inhibit_(std::move(inhibit)) {
  finalize(root_);
}

void dispatcher::update(timestamp_ms now, const std::vector<notified_alert>& alerts,
                        const std::vector<silence>& silences) {
  std::vector<labels> firing;
  for (const auto& a : alerts)
    if (a.firing) firing.push_back(a.lbls);
  for (auto& [key, g] : groups_) g.alerts.clear();
  std::set<labels> muted_firing; // still firing, but silenced or inhibited
  for (const auto& a : alerts) {
    bool muted = false;
    for (const auto& s : silences) muted = muted || s.silences(a.lbls, now);
    if (muted || (a.firing && inhibited(a.lbls, firing, inhibit_))) {
      if (a.firing) muted_firing.insert(a.lbls);
      continue;
    }
    for (const route* r : match_routes(root_, a.lbls)) {
      auto key = group_key(*r, a.lbls);
      auto [it, created] = groups_.try_emplace(key);
      auto& g = it->second;
      if (created) {
        g.r = r;
        const auto& by = *r->group_by;
        g.group_labels = by.size() == 1 && by[0] == "..." ? a.lbls : a.lbls.keep_only(by);
        g.next_flush = now + *r->group_wait;
        if (auto rec = restored_.find(key); rec != restored_.end()) {
          g.last_sent_at = rec->second.last_sent_at;
          g.sent_firing = {rec->second.sent_firing.begin(), rec->second.sent_firing.end()};
          restored_.erase(rec);
        }
      }
      // A resolved alert matters only if its firing state was notified.
      if (!a.firing && !g.sent_firing.contains(a.lbls)) continue;
      g.alerts[a.lbls] = a;
    }
  }
  // Alerts that vanished from the snapshot while notified as firing are
  // reported resolved, so no receiver is left with a stale page. A muted
  // alert has not resolved: it is only dropped from later notifications.
  for (auto& [key, g] : groups_)
    for (const auto& l : g.sent_firing)
      if (!g.alerts.contains(l) && !muted_firing.contains(l)) {
        notified_alert gone;
        gone.lbls = l;
        gone.firing = false;
        gone.ends_at = now;
        g.alerts[l] = gone;
      }
}

bool dispatcher::flush(timestamp_ms now, group& g, notification& out) {
  std::set<labels> firing;
  for (const auto& [l, a] : g.alerts)
    if (a.firing) firing.insert(l);
  bool resolved_news = false;
  for (const auto& [l, a] : g.alerts) resolved_news = resolved_news || (!a.firing && g.sent_firing.contains(l));
  bool changed = firing != g.sent_firing || resolved_news;
  bool repeat = !firing.empty() && g.last_sent_at >= 0 && now - g.last_sent_at >= *g.r->repeat_interval;
  bool first = g.last_sent_at < 0 && !firing.empty();
  g.next_flush = now + *g.r->group_interval;
  if (!first && !changed && !repeat) return false;
  out.receiver = g.r->receiver;
  out.group_labels = g.group_labels;
  for (const auto& [l, a] : g.alerts)
    if (a.firing) out.alerts.push_back(a);
  for (const auto& [l, a] : g.alerts)
    if (!a.firing) out.alerts.push_back(a);
  g.sent_firing = std::move(firing);
  g.last_sent_at = now;
  std::erase_if(g.alerts, [](const auto& kv) { return !kv.second.firing; });
  return !out.alerts.empty();
}

std::vector<notification> dispatcher::due(timestamp_ms now) {
  std::vector<notification> out;
  for (auto it = groups_.begin(); it != groups_.end();) {
    auto& g = it->second;
    if (g.next_flush <= now) {
      notification n;
      n.group_key = it->first;
      if (flush(now, g, n)) out.push_back(std::move(n));
    }
    if (g.alerts.empty() && g.sent_firing.empty()) {
      it = groups_.erase(it);
      continue;
    }
    ++it;
  }
  return out;
}

timestamp_ms dispatcher::next_due() const {
  timestamp_ms t = std::numeric_limits<timestamp_ms>::max();
  for (const auto& [k, g] : groups_) t = std::min(t, g.next_flush);
  return t;
}

group_record dispatcher::sent_state(const std::string& key) const {
  group_record rec;
  rec.key = key;
  auto it = groups_.find(key);
  if (it == groups_.end()) return rec;
  rec.last_sent_at = it->second.last_sent_at;
  rec.sent_firing.assign(it->second.sent_firing.begin(), it->second.sent_firing.end());
  return rec;
}

void dispatcher::restore(std::vector<group_record> records) {
  for (auto& r : records) restored_[r.key] = std::move(r);
}

} // namespace vigil::alert
