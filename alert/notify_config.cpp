#include "alert/notify_config.hpp"

#include <cctype>
#include <set>

#include <yaml-cpp/yaml.h>

#include "query/lexer.hpp"

namespace vigil::alert {

namespace {

using keys = std::set<std::string>;

status fail(const std::string& where, const std::string& what) { return invalid_argument(where + ": " + what); }

status check_map(const YAML::Node& n, const keys& allowed, const std::string& where) {
  if (!n.IsMap()) return fail(where, "expected a mapping");
  for (const auto& kv : n) {
    auto key = kv.first.as<std::string>();
    if (!allowed.contains(key)) return fail(where, "unknown field \"" + key + "\"");
  }
  return status::ok();
}

/// Reads n[key] as T when present; errors name "where.key".
template <class T>
status read(const YAML::Node& n, const char* key, const std::string& where, T& out) {
  auto v = n[key];
  if (!v || v.IsNull()) return status::ok();
  try {
    out = v.as<T>();
  } catch (const YAML::Exception&) {
    return fail(where + "." + key, "invalid value \"" + YAML::Dump(v) + "\"");
  }
  return status::ok();
}

status read_duration(const YAML::Node& n, const char* key, const std::string& where, timestamp_ms& out) {
  std::string s;
  VIGIL_TRY(read(n, key, where, s));
  if (s.empty()) return status::ok();
  auto d = query::parse_duration(s);
  if (!d || *d <= 0) return fail(where + "." + key, "invalid duration \"" + s + "\"");
  out = *d;
  return status::ok();
}

status read_matchers(const YAML::Node& n, const char* key, const std::string& where, matchers& out) {
  std::vector<std::string> texts;
  VIGIL_TRY(read(n, key, where, texts));
  for (std::size_t i = 0; i < texts.size(); ++i) {
    auto m = parse_matcher(texts[i]);
    if (!m) return fail(where + "." + key + "[" + std::to_string(i) + "]", m.error().message());
    out.push_back(std::move(*m));
  }
  return status::ok();
}

status read_http(const YAML::Node& n, const std::string& where, channel_config& c) {
  VIGIL_TRY(read(n, "url", where, c.http.url));
  VIGIL_TRY(read_duration(n, "timeout", where, c.http.timeout));
  std::map<std::string, std::string> headers;
  VIGIL_TRY(read(n, "headers", where, headers));
  c.http.headers.assign(headers.begin(), headers.end());
  if (c.type == channel_type::pagerduty) {
    if (c.http.url.empty()) c.http.url = "https://events.pagerduty.com/v2/enqueue";
    VIGIL_TRY(read(n, "routing_key", where, c.pagerduty.routing_key));
    VIGIL_TRY(read(n, "severity", where, c.pagerduty.severity));
    VIGIL_TRY(read(n, "source", where, c.pagerduty.source));
    if (c.pagerduty.routing_key.empty()) return fail(where + ".routing_key", "required for pagerduty");
  }
  if (!c.http.url.starts_with("http://") && !c.http.url.starts_with("https://"))
    return fail(where + ".url", "expected an http:// or https:// URL");
  return status::ok();
}

status read_smtp(const YAML::Node& n, const std::string& where, smtp_settings& s) {
  VIGIL_TRY(read(n, "smtp_url", where, s.url));
  VIGIL_TRY(read(n, "from", where, s.from));
  VIGIL_TRY(read(n, "to", where, s.to));
  VIGIL_TRY(read(n, "username", where, s.username));
  VIGIL_TRY(read(n, "password", where, s.password));
  VIGIL_TRY(read(n, "ca_file", where, s.ca_file));
  VIGIL_TRY(read(n, "hello", where, s.hello));
  VIGIL_TRY(read_duration(n, "timeout", where, s.timeout));
  std::string tls = "optional";
  VIGIL_TRY(read(n, "starttls", where, tls));
  if (tls == "off") s.starttls = starttls_mode::off;
  else if (tls == "optional") s.starttls = starttls_mode::optional;
  else if (tls == "required") s.starttls = starttls_mode::required;
  else return fail(where + ".starttls", "expected off, optional or required, got \"" + tls + "\"");
  if (!s.url.starts_with("smtp://") && !s.url.starts_with("smtps://"))
    return fail(where + ".smtp_url", "expected an smtp:// or smtps:// URL");
  if (s.from.empty()) return fail(where + ".from", "required for email");
  if (s.to.empty()) return fail(where + ".to", "expected a non-empty list of addresses");
  return status::ok();
}

result<channel_type> type_of(const std::string& t, const std::string& where) {
  if (t == "email") return channel_type::email;
  if (t == "slack") return channel_type::slack;
  if (t == "pagerduty") return channel_type::pagerduty;
  if (t == "webhook") return channel_type::webhook;
  if (t == "alertmanager") return channel_type::alertmanager;
  return fail(where + ".type", "expected email, slack, pagerduty, webhook or alertmanager, got \"" + t + "\"");
}

result<channel_config> read_channel(const std::string& name, const YAML::Node& n, const std::string& where) {
  VIGIL_TRY(check_map(n, {"type", "send_resolved", "fallback", "url", "headers", "timeout", "routing_key",
                          "severity", "source", "smtp_url", "from", "to", "starttls", "username", "password",
                          "ca_file", "hello"},
                      where));
  channel_config c;
  c.name = name;
  std::string type;
  VIGIL_TRY(read(n, "type", where, type));
  auto t = type_of(type, where);
  if (!t) return t.error();
  c.type = *t;
  VIGIL_TRY(read(n, "send_resolved", where, c.send_resolved));
  VIGIL_TRY(read(n, "fallback", where, c.fallback));
  VIGIL_TRY(c.type == channel_type::email ? read_smtp(n, where, c.smtp) : read_http(n, where, c));
  return c;
}

result<route> read_route(const YAML::Node& n, const std::string& where) {
  VIGIL_TRY(check_map(n, {"receiver", "group_by", "group_wait", "group_interval", "repeat_interval", "matchers",
                          "continue", "routes"},
                      where));
  route r;
  VIGIL_TRY(read(n, "receiver", where, r.receiver));
  if (n["group_by"]) {
    std::vector<std::string> by;
    VIGIL_TRY(read(n, "group_by", where, by));
    r.group_by = std::move(by);
  }
  for (auto [key, field] : {std::pair{"group_wait", &r.group_wait}, std::pair{"group_interval", &r.group_interval},
                            std::pair{"repeat_interval", &r.repeat_interval}}) {
    timestamp_ms d = 0;
    VIGIL_TRY(read_duration(n, key, where, d));
    if (d > 0) *field = d;
  }
  VIGIL_TRY(read_matchers(n, "matchers", where, r.match));
  VIGIL_TRY(read(n, "continue", where, r.continue_matching));
  if (auto kids = n["routes"]; kids && !kids.IsNull()) {
    if (!kids.IsSequence()) return fail(where + ".routes", "expected a list");
    for (std::size_t i = 0; i < kids.size(); ++i) {
      auto child = read_route(kids[i], where + ".routes[" + std::to_string(i) + "]");
      if (!child) return child.error();
      r.routes.push_back(std::move(*child));
    }
  }
  return r;
}

status check_receivers(const route& r, const notify_config& c, const std::string& where) {
  if (!r.receiver.empty() && !c.channels.contains(r.receiver))
    return fail(where + ".receiver", "no channel named \"" + r.receiver + "\"");
  for (std::size_t i = 0; i < r.routes.size(); ++i)
    VIGIL_TRY(check_receivers(r.routes[i], c, where + ".routes[" + std::to_string(i) + "]"));
  return status::ok();
}

status read_inhibit(const YAML::Node& n, notify_config& c) {
  if (!n || n.IsNull()) return status::ok();
  if (!n.IsSequence()) return fail("alerting.inhibit_rules", "expected a list");
  for (std::size_t i = 0; i < n.size(); ++i) {
    std::string where = "alerting.inhibit_rules[" + std::to_string(i) + "]";
    VIGIL_TRY(check_map(n[i], {"source_matchers", "target_matchers", "equal"}, where));
    inhibit_rule ir;
    VIGIL_TRY(read_matchers(n[i], "source_matchers", where, ir.source));
    VIGIL_TRY(read_matchers(n[i], "target_matchers", where, ir.target));
    VIGIL_TRY(read(n[i], "equal", where, ir.equal));
    c.inhibit.push_back(std::move(ir));
  }
  return status::ok();
}

status read_policy(const YAML::Node& n, notify_config& c) {
  if (auto r = n["retry"]; r && !r.IsNull()) {
    const std::string w = "alerting.retry";
    VIGIL_TRY(check_map(r, {"initial", "max", "multiplier", "jitter", "fallback_after", "max_attempts"}, w));
    VIGIL_TRY(read_duration(r, "initial", w, c.retry.initial_ms));
    VIGIL_TRY(read_duration(r, "max", w, c.retry.max_ms));
    VIGIL_TRY(read(r, "multiplier", w, c.retry.multiplier));
    VIGIL_TRY(read(r, "jitter", w, c.retry.jitter));
    VIGIL_TRY(read(r, "fallback_after", w, c.retry.fallback_after));
    VIGIL_TRY(read(r, "max_attempts", w, c.retry.max_attempts));
    if (c.retry.multiplier < 1) return fail(w + ".multiplier", "must be at least 1");
    if (c.retry.jitter < 0 || c.retry.jitter >= 1) return fail(w + ".jitter", "must be in [0, 1)");
  }
  if (auto b = n["circuit_breaker"]; b && !b.IsNull()) {
    const std::string w = "alerting.circuit_breaker";
    VIGIL_TRY(check_map(b, {"failures", "open_for"}, w));
    VIGIL_TRY(read(b, "failures", w, c.breaker_failures));
    VIGIL_TRY(read_duration(b, "open_for", w, c.breaker_open));
    if (c.breaker_failures == 0) return fail(w + ".failures", "must be at least 1");
  }
  return status::ok();
}

status read_channels(const YAML::Node& n, notify_config& c) {
  if (!n || n.IsNull()) return status::ok();
  if (!n.IsMap()) return fail("alerting.channels", "expected a mapping of channel names");
  for (const auto& kv : n) {
    auto name = kv.first.as<std::string>();
    auto ch = read_channel(name, kv.second, "alerting.channels." + name);
    if (!ch) return ch.error();
    c.channels.emplace(name, std::move(*ch));
  }
  for (const auto& [name, ch] : c.channels) {
    if (ch.fallback.empty()) continue;
    if (ch.fallback == name || !c.channels.contains(ch.fallback))
      return fail("alerting.channels." + name + ".fallback", "no other channel named \"" + ch.fallback + "\"");
  }
  return status::ok();
}

status read_all(const YAML::Node& n, notify_config& c) {
  VIGIL_TRY(check_map(n, {"external_url", "retry", "circuit_breaker", "channels", "route", "inhibit_rules"},
                      "alerting"));
  VIGIL_TRY(read(n, "external_url", "alerting", c.external_url));
  VIGIL_TRY(read_policy(n, c));
  VIGIL_TRY(read_channels(n["channels"], c));
  if (auto r = n["route"]; r && !r.IsNull()) {
    auto root = read_route(r, "alerting.route");
    if (!root) return root.error();
    c.root = std::move(*root);
  }
  if (c.enabled() && c.root.receiver.empty())
    return fail("alerting.route.receiver", "required when channels are configured");
  VIGIL_TRY(check_receivers(c.root, c, "alerting.route"));
  VIGIL_TRY(read_inhibit(n["inhibit_rules"], c));
  finalize(c.root);
  return status::ok();
}

} // namespace

const char* to_string(channel_type t) noexcept {
  switch (t) {
    case channel_type::email: return "email";
    case channel_type::slack: return "slack";
    case channel_type::pagerduty: return "pagerduty";
    case channel_type::webhook: return "webhook";
    case channel_type::alertmanager: return "alertmanager";
  }
  return "?";
}

result<matcher> parse_matcher(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_')) ++i;
  if (i == 0) return invalid_argument("expected label=value, label!=value, label=~re or label!~re");
  std::string name(text.substr(0, i));
  auto rest = text.substr(i);
  match_type type;
  if (rest.starts_with("=~")) type = match_type::regex;
  else if (rest.starts_with("!~")) type = match_type::not_regex;
  else if (rest.starts_with("!=")) type = match_type::not_equal;
  else if (rest.starts_with("=")) type = match_type::equal;
  else return invalid_argument("expected an operator (=, !=, =~, !~) after \"" + name + "\"");
  auto value = rest.substr(type == match_type::equal ? 1 : 2);
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
  return matcher::make(type, name, std::string(value));
}

result<notify_config> parse_notify_config(const YAML::Node& alerting) {
  notify_config c;
  try {
    if (alerting && !alerting.IsNull()) VIGIL_TRY(read_all(alerting, c));
    else finalize(c.root);
  } catch (const YAML::Exception& e) {
    return invalid_argument(std::string("alerting: ") + e.what());
  }
  return c;
}

result<notify_config> parse_notify_config_text(const std::string& yaml) {
  try {
    return parse_notify_config(YAML::Load(yaml));
  } catch (const YAML::Exception& e) {
    return invalid_argument(std::string("alerting: invalid YAML: ") + e.what());
  }
}

} // namespace vigil::alert
