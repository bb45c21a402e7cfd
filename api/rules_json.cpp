#include "api/rules_json.hpp"

#include "api/codec_util.hpp"
#include "api/prom_json.hpp"
#include "api/status_json.hpp"

namespace vigil::api {

namespace {

using alert::alert_state;

void str(std::string& out, std::string_view s) { append_json_string(out, s); }

void time_of(std::string& out, timestamp_ms t) {
  if (t == 0) return out.append("\"0001-01-01T00:00:00Z\""), void();
  out += '"';
  append_rfc3339(out, t);
  out += '"';
}

void num(std::string& out, double v) { append_json_number(out, v); }

void pairs(std::string& out, const alert::annotation_list& l) {
  out += '{';
  for (std::size_t i = 0; i < l.size(); ++i) {
    if (i) out += ',';
    str(out, l[i].first);
    out += ':';
    str(out, l[i].second);
  }
  out += '}';
}

bool active(const alert::alert_instance& a) { return a.state != alert_state::inactive; }

void alert_json(std::string& out, const alert::alert_view& v) {
  out += "{\"labels\":";
  append_json_labels(out, v.instance.lbls);
  out += ",\"annotations\":";
  pairs(out, v.annotations);
  out += ",\"state\":";
  str(out, alert::to_string(v.instance.state));
  out += ",\"activeAt\":";
  time_of(out, v.instance.active_at);
  out += ",\"value\":\"";
  append_go_float_e(out, v.instance.value);
  out += "\"}";
}

/// "firing" if any alert fires, else "pending" if any is pending, else "inactive".
const char* rule_state(const alert::rule_view& v) {
  auto st = alert_state::inactive;
  for (const auto& a : v.alerts)
    if (static_cast<int>(a.instance.state) > static_cast<int>(st)) st = a.instance.state;
  return alert::to_string(st);
}

void rule_common(std::string& out, const alert::rule_view& v) {
  out += ",\"health\":";
  str(out, alert::to_string(v.health));
  if (!v.last_error.empty()) {
    out += ",\"lastError\":";
    str(out, v.last_error);
  }
  out += ",\"evaluationTime\":";
  num(out, v.evaluation_seconds);
  out += ",\"lastEvaluation\":";
  time_of(out, v.last_evaluation);
}

void alerting_json(std::string& out, const alert::alerting_rule& r, const alert::rule_view& v) {
  out += "{\"state\":";
  str(out, rule_state(v));
  out += ",\"name\":";
  str(out, r.name);
  out += ",\"query\":";
  str(out, r.expr);
  out += ",\"duration\":";
  num(out, static_cast<double>(r.for_ms) / 1000.0);
  out += ",\"keepFiringFor\":";
  num(out, static_cast<double>(r.keep_firing_for_ms) / 1000.0);
  out += ",\"labels\":";
  append_json_labels(out, r.extra_labels);
  out += ",\"annotations\":";
  pairs(out, r.annotations);
  out += ",\"alerts\":[";
  bool first = true;
  for (const auto& a : v.alerts) {
    if (!active(a.instance)) continue;
    if (!std::exchange(first, false)) out += ',';
    alert_json(out, a);
  }
  out += ']';
  rule_common(out, v);
  out += ",\"type\":\"alerting\"}";
}

void recording_json(std::string& out, const alert::recording_rule& r, const alert::rule_view& v) {
  out += "{\"name\":";
  str(out, r.record);
  out += ",\"query\":";
  str(out, r.expr);
  out += ",\"labels\":";
  append_json_labels(out, r.extra_labels);
  rule_common(out, v);
  out += ",\"type\":\"recording\"}";
}

void prom_group(std::string& out, const messages::rule_group_info& g, const std::string& type) {
  const auto& def = g.def.group;
  out += "{\"name\":";
  str(out, def.name);
  out += ",\"file\":";
  str(out, g.from_file ? g.def.source : "api");
  out += ",\"rules\":[";
  bool first = true;
  for (std::size_t i = 0; i < def.rules.size() && i < g.status.rules.size(); ++i) {
    const auto& r = def.rules[i];
    if ((type == "alert" && !r.is_alert()) || (type == "record" && r.is_alert())) continue;
    if (!std::exchange(first, false)) out += ',';
    if (r.is_alert()) alerting_json(out, r.alert(), g.status.rules[i]);
    else recording_json(out, r.recording(), g.status.rules[i]);
  }
  out += "],\"interval\":";
  num(out, static_cast<double>(def.interval_ms) / 1000.0);
  out += ",\"limit\":" + std::to_string(def.limit) + ",\"evaluationTime\":";
  num(out, g.status.counters.last_duration_seconds);
  out += ",\"lastEvaluation\":";
  time_of(out, g.status.counters.last_evaluation);
  out += '}';
}

void definition(std::string& out, const messages::rule_group_info& g) {
  const auto& def = g.def.group;
  out += "{\"name\":";
  str(out, def.name);
  out += ",\"interval\":";
  num(out, static_cast<double>(def.interval_ms) / 1000.0);
  out += ",\"limit\":" + std::to_string(def.limit) + ",\"managedBy\":";
  str(out, g.from_file ? "file" : "api");
  out += ",\"source\":";
  str(out, g.from_file ? "" : g.def.source);
  out += ",\"rules\":[";
  for (std::size_t i = 0; i < def.rules.size(); ++i) {
    if (i) out += ',';
    if (def.rules[i].is_alert()) alerting_json(out, def.rules[i].alert(), g.status.rules.at(i));
    else recording_json(out, def.rules[i].recording(), g.status.rules.at(i));
  }
  out += "]}";
}

} // namespace

std::string render_prom_rules(const messages::rules_snapshot& s, const std::string& type) {
  std::string out = "{\"status\":\"success\",\"data\":{\"groups\":[";
  for (std::size_t i = 0; i < s.groups.size(); ++i) {
    if (i) out += ',';
    prom_group(out, s.groups[i], type);
  }
  return out + "]}}";
}

std::string render_prom_alerts(const messages::rules_snapshot& s) {
  std::string out = "{\"status\":\"success\",\"data\":{\"alerts\":[";
  bool first = true;
  for (const auto& g : s.groups)
    for (const auto& r : g.status.rules)
      for (const auto& a : r.alerts) {
        if (!active(a.instance)) continue;
        if (!std::exchange(first, false)) out += ',';
        alert_json(out, a);
      }
  return out + "]}}";
}

std::string render_rule_groups(const messages::rules_snapshot& s, const std::string& only) {
  std::string out;
  if (!only.empty()) {
    for (const auto& g : s.groups)
      if (g.def.group.name == only) definition(out, g);
    return out;
  }
  out = "{\"groups\":[";
  for (std::size_t i = 0; i < s.groups.size(); ++i) {
    if (i) out += ',';
    definition(out, s.groups[i]);
  }
  return out + "]}";
}

std::string render_rule_metrics(const messages::rules_snapshot& s) {
  std::string out;
  auto family = [&](const char* name, const char* type, const char* help, auto value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    for (const auto& g : s.groups) {
      out += std::string(name) + "{rule_group=";
      append_json_string(out, g.def.group.name);
      out += "} ";
      append_go_float_g(out, value(g.status.counters));
      out += '\n';
    }
  };
  using C = const alert::group_counters&;
  family("vigil_rule_evaluations_total", "counter", "Rule evaluations.",
         [](C c) { return double(c.evaluations); });
  family("vigil_rule_evaluation_failures_total", "counter", "Rule evaluations that failed or were partial.",
         [](C c) { return double(c.failures); });
  family("vigil_rule_group_iterations_total", "counter", "Rounds evaluated.",
         [](C c) { return double(c.iterations); });
  family("vigil_rule_group_missed_iterations_total", "counter", "Rounds not started on time.",
         [](C c) { return double(c.missed()); });
  family("vigil_rule_group_caught_up_iterations_total", "counter",
         "Late rounds evaluated at their scheduled time.", [](C c) { return double(c.caught_up); });
  family("vigil_rule_group_skipped_iterations_total", "counter", "Late rounds dropped beyond the catch-up bound.",
         [](C c) { return double(c.skipped); });
  family("vigil_rule_group_last_duration_seconds", "gauge", "Duration of the last round.",
         [](C c) { return c.last_duration_seconds; });
  return out;
}

} // namespace vigil::api
