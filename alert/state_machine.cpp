#include "alert/state_machine.hpp"

#include <algorithm>

namespace vigil::alert {

const char* to_string(alert_state s) noexcept {
  switch (s) {
    case alert_state::inactive: return "inactive";
    case alert_state::pending: return "pending";
    case alert_state::firing: return "firing";
  }
  return "unknown";
}

state_machine::state_machine(timestamp_ms for_ms, timestamp_ms keep_firing_for_ms,
                             timestamp_ms resolved_retention_ms)
  : for_ms_(for_ms), keep_firing_for_ms_(keep_firing_for_ms),
    resolved_retention_ms_(resolved_retention_ms) {}

void state_machine::observe(timestamp_ms now, const alert_sample& s, std::vector<transition>& out) {
  auto it = alerts_.find(s.lbls);
  if (it == alerts_.end() || it->second.state == alert_state::inactive) {
    // New, or back after it resolved: a fresh pending alert.
    alert_instance a;
    a.lbls = s.lbls;
    a.state = alert_state::pending;
    a.active_at = now;
    it = alerts_.insert_or_assign(s.lbls, std::move(a)).first;
    out.push_back({s.lbls, alert_state::inactive, alert_state::pending, false, s.value, now});
  }
  auto& a = it->second;
  a.value = s.value;
  a.last_seen = now;
  a.keep_firing_since = 0;
  if (a.state == alert_state::pending && now - a.active_at >= for_ms_) {
    a.state = alert_state::firing;
    a.fired_at = now;
    out.push_back({a.lbls, alert_state::pending, alert_state::firing, false, a.value, now});
  }
}

void state_machine::expire_missing(timestamp_ms now, const std::map<labels, double>& seen,
                                   std::vector<transition>& out) {
  for (auto it = alerts_.begin(); it != alerts_.end();) {
    auto& a = it->second;
    if (seen.contains(it->first)) {
      ++it;
      continue;
    }
    if (a.state == alert_state::pending) {
      // Condition gone before `for` elapsed: forget it, nothing to notify.
      out.push_back({a.lbls, alert_state::pending, alert_state::inactive, false, a.value, now});
      it = alerts_.erase(it);
      continue;
    }
    if (a.state == alert_state::firing) {
      if (keep_firing_for_ms_ > 0) {
        if (a.keep_firing_since == 0) a.keep_firing_since = now;
        if (now - a.keep_firing_since < keep_firing_for_ms_) {
          ++it;
          continue;
        }
      }
      a.state = alert_state::inactive;
      a.resolved_at = now;
      out.push_back({a.lbls, alert_state::firing, alert_state::inactive, true, a.value, now});
    }
    if (a.state == alert_state::inactive && now - a.resolved_at >= resolved_retention_ms_) {
      it = alerts_.erase(it);
      continue;
    }
    ++it;
  }
}

std::vector<transition> state_machine::step(timestamp_ms now, const std::vector<alert_sample>& result) {
  std::vector<transition> out;
  std::map<labels, double> seen;
  for (const auto& s : result) seen[s.lbls] = s.value;
  for (const auto& [lbls, value] : seen) observe(now, {lbls, value}, out);
  expire_missing(now, seen, out);
  std::stable_sort(out.begin(), out.end(),
                   [](const transition& a, const transition& b) { return a.lbls < b.lbls; });
  return out;
}

void state_machine::restore(std::vector<alert_instance> instances) {
  alerts_.clear();
  for (auto& a : instances) {
    auto key = a.lbls;
    alerts_.insert_or_assign(std::move(key), std::move(a));
  }
}

} // namespace vigil::alert
