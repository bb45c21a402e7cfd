#include "alert/dispatcher.hpp"

#include <algorithm>
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

const std::vector<labels>& dispatcher::firing_list() {
  if (firing_dirty_) {
    firing_list_.clear();
    for (const auto& [l, n] : firing_) firing_list_.push_back(l);
    firing_dirty_ = false;
  }
  return firing_list_;
}

void dispatcher::unplace(const std::string& key, rule_entry& r, std::set<std::string>& touched) {
  for (const auto& [gk, l] : r.placed) {
    touched.insert(gk);
    auto g = groups_.find(gk);
    if (g == groups_.end()) continue;
    auto it = g->second.alerts.find(l);
    if (it != g->second.alerts.end() && it->second.rule == key) g->second.alerts.erase(it);
  }
  r.placed.clear();
  for (const auto& l : r.muted)
    if (auto it = muted_.find(l); it != muted_.end() && --it->second == 0) muted_.erase(it);
  r.muted.clear();
}

void dispatcher::place(timestamp_ms now, const std::string& key, rule_entry& r,
                       const std::vector<silence>& silences, std::set<std::string>* touched) {
  for (const auto& a : r.alerts) {
    bool muted = false;
    for (const auto& s : silences) muted = muted || s.silences(a.lbls, now);
    if (muted || (a.firing && !inhibit_.empty() && inhibited(a.lbls, firing_list(), inhibit_))) {
      if (a.firing) {
        r.muted.push_back(a.lbls);
        ++muted_[a.lbls];
      }
      continue;
    }
    for (const route* rt : match_routes(root_, a.lbls)) {
      auto gk = group_key(*rt, a.lbls);
      auto [it, created] = groups_.try_emplace(gk);
      auto& g = it->second;
      if (created) {
        g.r = rt;
        const auto& by = *rt->group_by;
        g.group_labels = by.size() == 1 && by[0] == "..." ? a.lbls : a.lbls.keep_only(by);
        g.next_flush = now + *rt->group_wait;
        min_flush_ = std::min(min_flush_, g.next_flush);
        if (auto rec = restored_.find(gk); rec != restored_.end()) {
          g.last_sent_at = rec->second.last_sent_at;
          g.sent_firing = {rec->second.sent_firing.begin(), rec->second.sent_firing.end()};
          restored_.erase(rec);
        }
      }
      // A resolved alert matters only if its firing state was notified.
      if (!a.firing && !g.sent_firing.contains(a.lbls)) continue;
      g.alerts[a.lbls] = placed_alert{a, key};
      r.placed.emplace_back(gk, a.lbls);
      if (touched) touched->insert(gk);
    }
  }
}

void dispatcher::mark_gone(timestamp_ms now, const std::string& key, group& g) {
  // A muted alert has not resolved: it is only dropped from later
  // notifications, so no receiver is left with a stale page either way.
  for (const auto& l : g.sent_firing)
    if (!g.alerts.contains(l) && !muted_.contains(l)) {
      notified_alert gone;
      gone.lbls = l;
      gone.firing = false;
      gone.ends_at = now;
      g.alerts[l] = placed_alert{std::move(gone), {}};
      gone_.emplace(key, l);
    }
}

void dispatcher::update_rule(timestamp_ms now, const std::string& rule, std::vector<notified_alert> alerts,
                             const std::vector<silence>& silences) {
  auto& r = rules_[rule];
  std::set<std::string> touched;
  // Groups where this rule's muted alerts would go: one that is no longer
  // muted (resolved while silenced) may now be a resolution there.
  for (const auto& l : r.muted)
    for (const route* rt : match_routes(root_, l)) touched.insert(group_key(*rt, l));
  unplace(rule, r, touched);
  for (const auto& [gk, l] : gone_) {
    touched.insert(gk);
    if (auto g = groups_.find(gk); g != groups_.end())
      if (auto it = g->second.alerts.find(l); it != g->second.alerts.end() && it->second.rule.empty())
        g->second.alerts.erase(it);
  }
  gone_.clear();
  r.alerts = std::move(alerts);
  if (!inhibit_.empty()) {
    std::vector<labels> firing;
    for (const auto& a : r.alerts)
      if (a.firing) firing.push_back(a.lbls);
    std::sort(firing.begin(), firing.end());
    if (firing != r.firing) {
      for (const auto& l : r.firing)
        if (auto it = firing_.find(l); it != firing_.end() && --it->second == 0) firing_.erase(it);
      for (const auto& l : firing) ++firing_[l];
      r.firing = std::move(firing);
      firing_dirty_ = true;
      if (r.alerts.empty()) rules_.erase(rule);
      return refresh(now, silences); // may inhibit or release other rules' alerts
    }
  }
  place(now, rule, r, silences, &touched);
  for (const auto& gk : touched)
    if (auto g = groups_.find(gk); g != groups_.end()) mark_gone(now, gk, g->second);
  if (r.alerts.empty()) rules_.erase(rule);
}

void dispatcher::refresh(timestamp_ms now, const std::vector<silence>& silences) {
  for (auto& [key, g] : groups_) g.alerts.clear();
  gone_.clear();
  muted_.clear();
  for (auto& [key, r] : rules_) {
    r.placed.clear();
    r.muted.clear();
  }
  for (auto& [key, r] : rules_) place(now, key, r, silences, nullptr);
  for (auto& [key, g] : groups_) mark_gone(now, key, g);
}

void dispatcher::update(timestamp_ms now, const std::vector<notified_alert>& alerts,
                        const std::vector<silence>& silences) {
  rules_.clear();
  firing_.clear();
  firing_dirty_ = true;
  auto& r = rules_[std::string{}];
  r.alerts = alerts;
  if (!inhibit_.empty()) {
    for (const auto& a : r.alerts)
      if (a.firing) r.firing.push_back(a.lbls);
    std::sort(r.firing.begin(), r.firing.end());
    for (const auto& l : r.firing) ++firing_[l];
  }
  refresh(now, silences);
  if (alerts.empty()) rules_.clear();
}

bool dispatcher::flush(timestamp_ms now, group& g, notification& out) {
  std::set<labels> firing;
  for (const auto& [l, p] : g.alerts)
    if (p.alert.firing) firing.insert(l);
  bool resolved_news = false;
  for (const auto& [l, p] : g.alerts)
    resolved_news = resolved_news || (!p.alert.firing && g.sent_firing.contains(l));
  bool changed = firing != g.sent_firing || resolved_news;
  bool repeat = !firing.empty() && g.last_sent_at >= 0 && now - g.last_sent_at >= *g.r->repeat_interval;
  bool first = g.last_sent_at < 0 && !firing.empty();
  g.next_flush = now + *g.r->group_interval;
  if (!first && !changed && !repeat) return false;
  out.receiver = g.r->receiver;
  out.group_labels = g.group_labels;
  for (const auto& [l, p] : g.alerts)
    if (p.alert.firing) out.alerts.push_back(p.alert);
  for (const auto& [l, p] : g.alerts)
    if (!p.alert.firing) out.alerts.push_back(p.alert);
  g.sent_firing = std::move(firing);
  g.last_sent_at = now;
  std::erase_if(g.alerts, [](const auto& kv) { return !kv.second.alert.firing; });
  return !out.alerts.empty();
}

std::vector<notification> dispatcher::due(timestamp_ms now) {
  std::vector<notification> out;
  min_flush_ = std::numeric_limits<timestamp_ms>::max();
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
    min_flush_ = std::min(min_flush_, g.next_flush);
    ++it;
  }
  return out;
}

timestamp_ms dispatcher::next_due() const { return min_flush_; }

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
