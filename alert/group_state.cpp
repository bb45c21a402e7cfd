#include "alert/group_state.hpp"

namespace vigil::alert {

const char* to_string(rule_health h) noexcept {
  switch (h) {
    case rule_health::unknown: return "unknown";
    case rule_health::ok: return "ok";
    case rule_health::err: return "err";
  }
  return "unknown";
}

result<std::vector<result_sample>> result_samples(const query::query_result& r) {
  std::vector<result_sample> out;
  if (r.type == query::value_type::scalar) {
    out.push_back({labels{}, r.scalar.v});
    return out;
  }
  if (r.type != query::value_type::vector)
    return invalid_argument(std::string("rule result is a ") + query::to_string(r.type) +
                            ", not an instant vector or scalar");
  for (const auto& s : r.items)
    if (!s.samples.empty()) out.push_back({s.lbls, s.samples.back().v});
  return out;
}

group_state::group_state(rule_group g, const std::map<rule_key, rule_state>& restored,
                         std::uint32_t max_catch_up, timestamp_ms resolved_retention_ms)
  : group_(std::move(g)), max_catch_up_(max_catch_up) {
  auto keys = rule_keys(group_);
  for (std::size_t i = 0; i < group_.rules.size(); ++i) {
    rule_rt rt{keys[i], {}, std::nullopt};
    const auto& r = group_.rules[i];
    if (r.is_alert())
      rt.sm.emplace(r.alert().for_ms, r.alert().keep_firing_for_ms, resolved_retention_ms);
    if (auto it = restored.find(keys[i]); it != restored.end()) {
      rt.view.last_evaluation = it->second.last_evaluation;
      if (rt.sm) rt.sm->restore(it->second.alerts);
    }
    rules_.push_back(std::move(rt));
  }
}

timestamp_ms group_state::first_round(timestamp_ms now) const {
  const timestamp_ms iv = group_.interval_ms > 0 ? group_.interval_ms : 1;
  std::uint64_t h = 1469598103934665603ULL; // FNV-1a: a stable spread per name
  for (unsigned char c : group_.name) h = (h ^ c) * 1099511628211ULL;
  const timestamp_ms offset = static_cast<timestamp_ms>(h % static_cast<std::uint64_t>(iv));
  timestamp_ms k = (now - offset) / iv;
  timestamp_ms next = offset + k * iv;
  while (next <= now) next += iv;
  return next;
}

vigil::status group_state::step_alert(rule_rt& rt, const alerting_rule& a, timestamp_ms t,
                               const query::query_result& r) {
  auto samples = result_samples(r);
  if (!samples) return samples.error();
  auto in = alert_samples(a, *samples);
  if (!in) return in.error();
  if (group_.limit > 0 && in->size() > group_.limit)
    return resource_exhausted("exceeded limit of " + std::to_string(group_.limit) + " with " +
                              std::to_string(in->size()) + " alerts");
  rt.sm->step(t, *in);
  return status::ok();
}

write_batch group_state::apply(std::size_t i, timestamp_ms t, const result<query::query_result>& r,
                               double seconds) {
  auto& rt = rules_.at(i);
  rt.view.last_evaluation = t;
  rt.view.evaluation_seconds = seconds;
  ++counters_.evaluations;
  auto fail = [&](const vigil::status& st) {
    rt.view.health = rule_health::err;
    rt.view.last_error = st.message();
    ++counters_.failures;
    return write_batch{};
  };
  if (!r) return fail(r.error());
  if (!r->warnings.empty()) return fail(unavailable("partial result: " + r->warnings.front()));
  const auto& def = group_.rules[i];
  write_batch out;
  if (def.is_alert()) {
    if (auto st = step_alert(rt, def.alert(), t, *r); !st) return fail(st);
  } else {
    auto samples = result_samples(*r);
    if (!samples) return fail(samples.error());
    auto rec = recorded_series(def.recording(), *samples, t);
    if (!rec) return fail(rec.error());
    out = std::move(*rec);
  }
  rt.view.health = rule_health::ok;
  rt.view.last_error.clear();
  return out;
}

timestamp_ms group_state::finish_round(timestamp_ms t, double seconds, timestamp_ms now) {
  ++counters_.iterations;
  counters_.last_duration_seconds = seconds;
  counters_.last_evaluation = t;
  const timestamp_ms iv = group_.interval_ms > 0 ? group_.interval_ms : 1;
  timestamp_ms next = t + iv;
  if (now < next) return next;
  // Overran: rounds at next, next + iv, ... are due already.
  const auto due = static_cast<std::uint64_t>((now - next) / iv + 1);
  if (due > max_catch_up_) {
    const auto skip = due - max_catch_up_;
    counters_.skipped += skip;
    next += static_cast<timestamp_ms>(skip) * iv;
  }
  if (next <= now) ++counters_.caught_up;
  return next;
}

write_batch group_state::alert_series(timestamp_ms t) const {
  write_batch out;
  for (const auto& rt : rules_) {
    if (!rt.sm || rt.view.health != rule_health::ok || rt.view.last_evaluation != t) continue;
    auto b = alert::alert_series(*rt.sm, t);
    for (auto& s : b.items) out.items.push_back(std::move(s));
  }
  return out;
}

std::vector<std::pair<rule_key, rule_state>> group_state::states() const {
  std::vector<std::pair<rule_key, rule_state>> out;
  for (const auto& rt : rules_) {
    if (!rt.sm) continue;
    rule_state s;
    s.last_evaluation = rt.view.last_evaluation;
    for (const auto& [l, a] : rt.sm->alerts()) s.alerts.push_back(a);
    out.emplace_back(rt.key, std::move(s));
  }
  return out;
}

group_view group_state::status() const {
  group_view out{group_.name, counters_, {}};
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const auto& rt = rules_[i];
    rule_view v = rt.view;
    if (rt.sm) {
      for (const auto& [l, a] : rt.sm->alerts()) {
        auto ann = expand_annotations(group_.rules[i].alert(), a);
        annotation_list list = ann ? std::move(*ann) : annotation_list{{"error", ann.error().message()}};
        v.alerts.push_back({a, std::move(list)});
      }
    }
    out.rules.push_back(std::move(v));
  }
  return out;
}

} // namespace vigil::alert
