#include "alert/rules_parser.hpp"

#include <set>

#include <yaml-cpp/yaml.h>

#include "query/lexer.hpp"
#include "query/parser.hpp"

namespace vigil::alert {

namespace {

bool valid_metric_name(std::string_view s) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              c == '.' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool valid_label_name(std::string_view s) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

int line_of(const YAML::Node& n) { return n.Mark().line + 1; }

status at(const YAML::Node& n, const std::string& what) {
  return invalid_argument("line " + std::to_string(line_of(n)) + ": " + what);
}

status check_keys(const YAML::Node& map, const std::set<std::string>& allowed, const std::string& where) {
  for (const auto& kv : map) {
    auto key = kv.first.as<std::string>();
    if (!allowed.contains(key)) return at(kv.first, where + ": unknown field \"" + key + "\"");
  }
  return status::ok();
}

result<timestamp_ms> duration_of(const YAML::Node& n, const std::string& where) {
  auto d = query::parse_duration(n.as<std::string>());
  if (!d || *d < 0) return at(n, where + ": invalid duration \"" + n.as<std::string>() + "\"");
  return *d;
}

result<labels> string_map(const YAML::Node& n, const std::string& where, bool check_names) {
  if (!n.IsMap()) return at(n, where + ": expected a mapping");
  std::vector<label> out;
  for (const auto& kv : n) {
    auto name = kv.first.as<std::string>();
    if (check_names && (!valid_label_name(name) || name == "__name__"))
      return at(kv.first, where + ": invalid label name \"" + name + "\"");
    if (!kv.second.IsScalar()) return at(kv.second, where + ": value of \"" + name + "\" must be a string");
    out.push_back({name, kv.second.as<std::string>()});
  }
  return labels(std::move(out));
}

result<rule> parse_rule(const YAML::Node& n, const std::string& where) {
  if (!n.IsMap()) return at(n, where + ": expected a mapping");
  VIGIL_TRY(check_keys(n, {"alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"}, where));
  bool is_alert = bool(n["alert"]), is_record = bool(n["record"]);
  if (is_alert == is_record) return at(n, where + ": exactly one of 'alert' and 'record' must be set");
  if (!n["expr"] || n["expr"].as<std::string>().empty()) return at(n, where + ": field 'expr' is required");
  rule r;
  r.line = line_of(n);
  auto expr = n["expr"].as<std::string>();
  auto named = where + " (" + n[is_alert ? "alert" : "record"].as<std::string>() + ")";
  if (auto parsed = query::parse(expr); !parsed)
    return at(n["expr"], named + ": expr: " + parsed.error().message());
  labels extra;
  if (n["labels"]) {
    auto l = string_map(n["labels"], named + ": labels", true);
    if (!l) return std::move(l).error();
    extra = std::move(*l);
  }
  if (is_record) {
    if (n["for"] || n["keep_firing_for"] || n["annotations"])
      return at(n, named + ": 'for', 'keep_firing_for' and 'annotations' apply only to alerting rules");
    auto name = n["record"].as<std::string>();
    if (!valid_metric_name(name)) return at(n["record"], named + ": invalid metric name \"" + name + "\"");
    r.def = recording_rule{name, expr, extra};
    return r;
  }
  alerting_rule a{n["alert"].as<std::string>(), expr, 0, 0, extra, {}};
  if (!valid_label_name(a.name)) return at(n["alert"], named + ": invalid alert name \"" + a.name + "\"");
  if (n["for"]) {
    auto d = duration_of(n["for"], named + ": for");
    if (!d) return std::move(d).error();
    a.for_ms = *d;
  }
  if (n["keep_firing_for"]) {
    auto d = duration_of(n["keep_firing_for"], named + ": keep_firing_for");
    if (!d) return std::move(d).error();
    a.keep_firing_for_ms = *d;
  }
  if (auto an = n["annotations"]) {
    if (!an.IsMap()) return at(an, named + ": annotations: expected a mapping");
    for (const auto& kv : an) a.annotations.emplace_back(kv.first.as<std::string>(), kv.second.as<std::string>());
  }
  r.def = std::move(a);
  return r;
}

result<rule_group> parse_group(const YAML::Node& n, std::set<std::string>& names) {
  if (!n.IsMap()) return at(n, "group: expected a mapping");
  VIGIL_TRY(check_keys(n, {"name", "interval", "limit", "rules"}, "group"));
  rule_group g;
  g.line = line_of(n);
  if (!n["name"] || n["name"].as<std::string>().empty()) return at(n, "group: field 'name' is required");
  g.name = n["name"].as<std::string>();
  std::string where = "group \"" + g.name + "\"";
  if (!names.insert(g.name).second) return at(n["name"], where + ": duplicate group name");
  if (n["interval"]) {
    auto d = duration_of(n["interval"], where + ": interval");
    if (!d) return std::move(d).error();
    if (*d <= 0) return at(n["interval"], where + ": interval must be positive");
    g.interval_ms = *d;
  }
  if (n["limit"]) g.limit = n["limit"].as<std::uint32_t>();
  if (!n["rules"] || !n["rules"].IsSequence()) return at(n, where + ": field 'rules' must be a list");
  int i = 0;
  for (const auto& rn : n["rules"]) {
    auto r = parse_rule(rn, where + ", rule " + std::to_string(++i));
    if (!r) return std::move(r).error();
    g.rules.push_back(std::move(*r));
  }
  return g;
}

} // namespace

result<rule_file> parse_rule_file(std::string_view yaml) {
  try {
    auto root = YAML::Load(std::string(yaml));
    if (!root.IsMap() || !root["groups"]) return invalid_argument("line 1: expected a mapping with 'groups'");
    VIGIL_TRY(check_keys(root, {"groups"}, "rule file"));
    if (!root["groups"].IsSequence()) return at(root["groups"], "'groups' must be a list");
    rule_file f;
    std::set<std::string> names;
    for (const auto& gn : root["groups"]) {
      auto g = parse_group(gn, names);
      if (!g) return std::move(g).error();
      f.groups.push_back(std::move(*g));
    }
    return f;
  } catch (const YAML::Exception& e) {
    return invalid_argument("line " + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg);
  }
}

status validate_group(const rule_group& g) {
  if (g.name.empty()) return invalid_argument("group name is required");
  if (g.interval_ms <= 0) return invalid_argument("group \"" + g.name + "\": interval must be positive");
  for (const auto& r : g.rules)
    if (auto parsed = query::parse(r.expr()); !parsed)
      return invalid_argument("group \"" + g.name + "\", rule " + r.name() + ": expr: " +
                              parsed.error().message());
  return status::ok();
}

} // namespace vigil::alert
