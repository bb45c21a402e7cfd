#include "alert/rule_eval.hpp"

#include <set>

#include "alert/template.hpp"

namespace vigil::alert {

result<std::vector<alert_sample>> alert_samples(const alerting_rule& r,
                                                const std::vector<result_sample>& result,
                                                const labels* external_labels) {
  std::vector<alert_sample> out;
  std::set<labels> seen;
  for (const auto& s : result) {
    labels l = s.lbls.without_metric_name();
    template_data d{&l, s.value, external_labels};
    for (const auto& [name, tmpl] : r.extra_labels) {
      auto v = expand_template(tmpl, d);
      if (!v) return invalid_argument("label \"" + name + "\": " + v.error().message());
      l = l.with(name, *v);
    }
    l = l.with("alertname", r.name);
    if (!seen.insert(l).second)
      return invalid_argument("vector contains metrics with the same labelset after applying alert labels: " +
                              l.to_string());
    out.push_back({std::move(l), s.value});
  }
  return out;
}

result<annotation_list> expand_annotations(const alerting_rule& r, const alert_instance& a,
                                           const labels* external_labels) {
  annotation_list out;
  template_data d{&a.lbls, a.value, external_labels};
  for (const auto& [name, tmpl] : r.annotations) {
    auto v = expand_template(tmpl, d);
    if (!v) return invalid_argument("annotation \"" + name + "\": " + v.error().message());
    out.emplace_back(name, std::move(*v));
  }
  return out;
}

write_batch alert_series(const state_machine& sm, timestamp_ms now) {
  write_batch b;
  for (const auto& [lbls, a] : sm.alerts()) {
    if (a.state == alert_state::inactive) continue;
    auto alerts = lbls.with("__name__", "ALERTS").with("alertstate", to_string(a.state));
    b.items.push_back({std::move(alerts), {{now, 1.0}}});
    auto for_state = lbls.with("__name__", "ALERTS_FOR_STATE");
    b.items.push_back({std::move(for_state), {{now, static_cast<double>(a.active_at) / 1000.0}}});
  }
  return b;
}

result<write_batch> recorded_series(const recording_rule& r, const std::vector<result_sample>& result,
                                    timestamp_ms now) {
  write_batch b;
  std::set<labels> seen;
  for (const auto& s : result) {
    labels l = s.lbls.with("__name__", r.record);
    for (const auto& [name, value] : r.extra_labels) l = l.with(name, value);
    if (!seen.insert(l).second)
      return invalid_argument("vector contains metrics with the same labelset after applying rule labels: " +
                              l.to_string());
    b.items.push_back({std::move(l), {{now, s.value}}});
  }
  return b;
}

} // namespace vigil::alert
