#include "alert/payloads.hpp"

#include <cstdio>

#include "core/hash.hpp"
#include "core/json.hpp"

namespace vigil::alert {

namespace {

void append_labels(std::string& out, const labels& ls) {
  out += '{';
  bool first = true;
  for (const auto& l : ls) {
    if (!std::exchange(first, false)) out += ',';
    append_json_string(out, l.name);
    out += ':';
    append_json_string(out, l.value);
  }
  out += '}';
}

labels annotations_of(const notified_alert& a) {
  std::vector<label> pairs;
  for (const auto& [k, v] : a.annotations) pairs.push_back({k, v});
  return labels(std::move(pairs));
}

/// Pairs present with equal values in every set.
labels intersect(const std::vector<labels>& sets) {
  if (sets.empty()) return {};
  std::vector<label> out;
  for (const auto& l : sets.front()) {
    bool everywhere = true;
    for (const auto& s : sets) everywhere = everywhere && s.get(l.name) == l.value;
    if (everywhere) out.push_back(l);
  }
  return labels::from_sorted(std::move(out));
}

std::string hex16(std::uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

void append_key(std::string& out, std::string_view key) {
  append_json_string(out, key);
  out += ':';
}

void append_field(std::string& out, std::string_view key, std::string_view value, bool comma = true) {
  append_key(out, key);
  append_json_string(out, value);
  if (comma) out += ',';
}

/// {"status":..,"labels":..,"annotations":..,"startsAt":..,"endsAt":..,"generatorURL":..,"fingerprint":..}
/// The fields Alertmanager's webhook and its /api/v2/alerts share:
/// labels, annotations, startsAt, endsAt (each followed by a comma).
void append_alert_fields(std::string& out, const notified_alert& a) {
  append_key(out, "labels");
  append_labels(out, a.lbls);
  out += ',';
  append_key(out, "annotations");
  append_labels(out, annotations_of(a));
  out += ',';
  append_field(out, "startsAt", format_rfc3339(a.starts_at));
  append_field(out, "endsAt", format_rfc3339(a.firing ? 0 : a.ends_at));
}

void append_webhook_alert(std::string& out, const notified_alert& a, const payload_context& ctx) {
  out += '{';
  append_field(out, "status", a.firing ? "firing" : "resolved");
  append_alert_fields(out, a);
  append_field(out, "generatorURL", ctx.external_url);
  append_field(out, "fingerprint", fingerprint(a.lbls), false);
  out += '}';
}

/// One alert as plain text lines (Slack attachment, PagerDuty details).
std::string alert_text(const notified_alert& a) {
  std::string out;
  for (const auto& [k, v] : a.annotations) out += "*" + k + "*: " + v + "\n";
  out += "Labels:";
  for (const auto& l : a.lbls) out += " " + l.name + "=" + l.value;
  return out + "\n";
}

} // namespace

std::string format_rfc3339(timestamp_ms t) {
  if (t == 0) return "0001-01-01T00:00:00Z";
  std::int64_t ms = ((t % 1000) + 1000) % 1000;
  std::int64_t secs = (t - ms) / 1000;
  std::int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  std::int64_t sod = secs - days * 86400;
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
  std::int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
  std::int64_t doe = z - era * 146097;
  std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  std::int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
  std::int64_t y = yoe + era * 400 + (m <= 2);
  char buf[40];
  int n = std::snprintf(buf, sizeof(buf), "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld", static_cast<long long>(y),
                        static_cast<long long>(m), static_cast<long long>(d), static_cast<long long>(sod / 3600),
                        static_cast<long long>(sod / 60 % 60), static_cast<long long>(sod % 60));
  std::string out(buf, static_cast<std::size_t>(n));
  if (ms != 0) {
    std::snprintf(buf, sizeof(buf), ".%03lld", static_cast<long long>(ms));
    out += buf;
  }
  return out + "Z";
}

std::string fingerprint(const labels& lbls) { return hex16(lbls.hash()); }

std::string_view group_status(const notification& n) { return n.any_firing() ? "firing" : "resolved"; }

labels common_labels(const notification& n) {
  std::vector<labels> sets;
  for (const auto& a : n.alerts) sets.push_back(a.lbls);
  return intersect(sets);
}

labels common_annotations(const notification& n) {
  std::vector<labels> sets;
  for (const auto& a : n.alerts) sets.push_back(annotations_of(a));
  return intersect(sets);
}

std::string notification_title(const notification& n) {
  std::size_t firing = 0;
  for (const auto& a : n.alerts) firing += a.firing ? 1 : 0;
  std::string out = firing > 0 ? "[FIRING:" + std::to_string(firing) + "]" : std::string("[RESOLVED]");
  for (const auto& l : n.group_labels) out += " " + l.value;
  std::string rest;
  for (const auto& l : common_labels(n))
    if (!n.group_labels.has(l.name)) rest += (rest.empty() ? "" : " ") + l.value;
  if (!rest.empty()) out += " (" + rest + ")";
  return out;
}

std::string render_webhook(const notification& n, const payload_context& ctx) {
  std::string out = R"({"version":"4",)";
  append_field(out, "groupKey", "{}:" + n.group_labels.to_string());
  out += R"("truncatedAlerts":0,)";
  append_field(out, "status", group_status(n));
  append_field(out, "receiver", ctx.receiver);
  append_key(out, "groupLabels");
  append_labels(out, n.group_labels);
  out += ',';
  append_key(out, "commonLabels");
  append_labels(out, common_labels(n));
  out += ',';
  append_key(out, "commonAnnotations");
  append_labels(out, common_annotations(n));
  out += ',';
  append_field(out, "externalURL", ctx.external_url);
  out += R"("alerts":[)";
  for (std::size_t i = 0; i < n.alerts.size(); ++i) {
    if (i > 0) out += ',';
    append_webhook_alert(out, n.alerts[i], ctx);
  }
  return out + "]}";
}

std::string render_alertmanager(const notification& n, const payload_context& ctx) {
  std::string out = "[";
  for (std::size_t i = 0; i < n.alerts.size(); ++i) {
    const auto& a = n.alerts[i];
    out += i > 0 ? ",{" : "{";
    append_alert_fields(out, a);
    append_field(out, "generatorURL", ctx.external_url, false);
    out += '}';
  }
  return out + "]";
}

std::string render_slack(const notification& n, const payload_context&) {
  std::string title = notification_title(n), text;
  for (const auto& a : n.alerts) {
    if (!text.empty()) text += '\n';
    text += alert_text(a);
  }
  std::string out = "{";
  append_field(out, "text", title);
  out += R"("attachments":[{)";
  append_field(out, "color", n.any_firing() ? "danger" : "good");
  append_field(out, "title", title);
  append_field(out, "text", text, false);
  return out + "}]}";
}

std::string pagerduty_dedup_key(const notification& n) { return "vigil-" + hex16(hash_bytes(n.group_key)); }

std::string render_pagerduty(const notification& n, const payload_context& ctx, const pagerduty_settings& pd) {
  std::string out = "{";
  append_field(out, "routing_key", pd.routing_key);
  append_field(out, "dedup_key", pagerduty_dedup_key(n));
  if (!n.any_firing()) {
    append_field(out, "event_action", "resolve", false);
    return out + "}";
  }
  append_field(out, "event_action", "trigger");
  auto common = common_labels(n);
  std::string severity(common.get("severity"));
  if (severity != "critical" && severity != "error" && severity != "warning" && severity != "info")
    severity = pd.severity;
  std::string summary = notification_title(n).substr(0, 1024), firing, resolved;
  std::size_t nf = 0, nr = 0;
  for (const auto& a : n.alerts) {
    (a.firing ? firing : resolved) += alert_text(a);
    ++(a.firing ? nf : nr);
  }
  out += R"("payload":{)";
  append_field(out, "summary", summary);
  append_field(out, "source", pd.source);
  append_field(out, "severity", severity);
  out += R"("custom_details":{)";
  append_field(out, "firing", firing);
  append_field(out, "num_firing", std::to_string(nf));
  append_field(out, "num_resolved", std::to_string(nr));
  append_field(out, "resolved", resolved, false);
  out += "}},";
  append_field(out, "client", "vigil");
  append_field(out, "client_url", ctx.external_url, false);
  return out + "}";
}

} // namespace vigil::alert
