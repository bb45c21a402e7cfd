// The files of rule unit tests (alert/unit_test.hpp): parsing the test file
// (promtool's format, strictly) and resolving and loading its rule files.
#include <algorithm>
#include <filesystem>
#include <initializer_list>
#include <set>

#include <yaml-cpp/yaml.h>

#include "alert/rules_parser.hpp"
#include "alert/template.hpp"
#include "alert/unit_test.hpp"
#include "query/lexer.hpp"
#include "query/promqltest.hpp"

namespace vigil::alert {

namespace {

// ---- test-file parsing ------------------------------------------------------

status at(const YAML::Node& n, const std::string& what) {
  return invalid_argument("line " + std::to_string(n.Mark().line + 1) + ": " + what);
}

status check_keys(const YAML::Node& n, std::initializer_list<std::string_view> allowed, const std::string& where) {
  if (!n.IsMap()) return at(n, where + ": expected a mapping");
  for (const auto& kv : n) {
    auto key = kv.first.as<std::string>();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      return at(kv.first, where + ": unknown field \"" + key + "\"");
  }
  return status::ok();
}

result<timestamp_ms> duration_of(const YAML::Node& n, const std::string& where) {
  auto text = n.as<std::string>();
  auto d = query::parse_duration(text);
  if (!d || *d < 0) return at(n, where + ": invalid duration \"" + text + "\"");
  return *d;
}

result<std::vector<std::string>> string_list(const YAML::Node& n, const std::string& where) {
  if (!n.IsSequence()) return at(n, where + ": expected a list of strings");
  std::vector<std::string> out;
  for (const auto& s : n) {
    if (!s.IsScalar()) return at(s, where + ": expected a string");
    out.push_back(s.as<std::string>());
  }
  return out;
}

result<label_pairs> string_map(const YAML::Node& n, const std::string& where) {
  if (!n.IsMap()) return at(n, where + ": expected a mapping");
  label_pairs out;
  for (const auto& kv : n) {
    if (!kv.second.IsScalar() && !kv.second.IsNull()) return at(kv.second, where + ": expected a string value");
    out.push_back({kv.first.as<std::string>(), kv.second.IsNull() ? "" : kv.second.as<std::string>()});
  }
  std::sort(out.begin(), out.end());
  return out;
}

result<input_series> parse_input(const YAML::Node& n, const std::string& where) {
  VIGIL_TRY(check_keys(n, {"series", "values"}, where));
  if (!n["series"]) return at(n, where + ": field 'series' is required");
  auto text = n["series"].as<std::string>();
  auto lbls = query::promqltest::parse_series_desc(text);
  if (!lbls) return at(n["series"], where + ": bad series \"" + text + "\": " + lbls.error().message());
  if (lbls->empty()) return at(n["series"], where + ": bad series \"" + text + "\": no labels");
  auto values = query::promqltest::expand_values(n["values"] ? n["values"].as<std::string>() : "");
  if (!values) return at(n["values"], where + ": values: " + values.error().message());
  return input_series{std::move(*lbls), std::move(*values)};
}

result<alert_test> parse_alert_test(const YAML::Node& n, const std::string& where) {
  VIGIL_TRY(check_keys(n, {"eval_time", "alertname", "exp_alerts"}, where));
  alert_test t;
  if (n["eval_time"]) {
    auto d = duration_of(n["eval_time"], where + ": eval_time");
    if (!d) return std::move(d).error();
    t.eval_time = *d;
  }
  if (n["alertname"]) t.alertname = n["alertname"].as<std::string>();
  if (!n["exp_alerts"] || n["exp_alerts"].IsNull()) return t;
  if (!n["exp_alerts"].IsSequence()) return at(n["exp_alerts"], where + ": exp_alerts: expected a list");
  for (const auto& e : n["exp_alerts"]) {
    auto w = where + ".exp_alerts[" + std::to_string(t.exp_alerts.size()) + "]";
    VIGIL_TRY(check_keys(e, {"exp_labels", "exp_annotations"}, w));
    expected_alert a;
    for (auto [key, dst] : {std::pair{"exp_labels", &a.lbls}, std::pair{"exp_annotations", &a.annotations}}) {
      if (!e[key] || e[key].IsNull()) continue;
      auto m = string_map(e[key], w + "." + key);
      if (!m) return std::move(m).error();
      *dst = std::move(*m);
    }
    t.exp_alerts.push_back(std::move(a));
  }
  return t;
}

result<expr_test> parse_expr_test(const YAML::Node& n, const std::string& where) {
  VIGIL_TRY(check_keys(n, {"expr", "eval_time", "exp_samples"}, where));
  expr_test t;
  if (n["expr"]) t.expr = n["expr"].as<std::string>();
  if (n["eval_time"]) {
    auto d = duration_of(n["eval_time"], where + ": eval_time");
    if (!d) return std::move(d).error();
    t.eval_time = *d;
  }
  if (!n["exp_samples"] || n["exp_samples"].IsNull()) return t;
  if (!n["exp_samples"].IsSequence()) return at(n["exp_samples"], where + ": exp_samples: expected a list");
  for (const auto& s : n["exp_samples"]) {
    auto w = where + ".exp_samples[" + std::to_string(t.exp_samples.size()) + "]";
    VIGIL_TRY(check_keys(s, {"labels", "value"}, w));
    auto text = s["labels"] ? s["labels"].as<std::string>() : "";
    auto lbls = query::promqltest::parse_series_desc(text);
    if (!lbls) return at(s["labels"] ? s["labels"] : s, w + ": labels \"" + text + "\": " + lbls.error().message());
    double v = 0;
    if (s["value"] && !YAML::convert<double>::decode(s["value"], v))
      return at(s["value"], w + ": value: not a number \"" + s["value"].as<std::string>() + "\"");
    t.exp_samples.push_back({std::move(*lbls), v});
  }
  return t;
}

/// Parses the entries of one list field of a test group into `out`.
template <class T, class F>
status parse_list(const YAML::Node& tg, const char* key, const std::string& where, F parse, std::vector<T>& out) {
  auto n = tg[key];
  if (!n || n.IsNull()) return status::ok();
  if (!n.IsSequence()) return at(n, where + "." + key + ": expected a list");
  for (const auto& item : n) {
    auto v = parse(item, where + "." + key + "[" + std::to_string(out.size()) + "]");
    if (!v) return std::move(v).error();
    out.push_back(std::move(*v));
  }
  return status::ok();
}

result<test_group> parse_group(const YAML::Node& n, const std::string& where) {
  VIGIL_TRY(check_keys(n, {"interval", "input_series", "alert_rule_test", "promql_expr_test", "external_labels",
                           "external_url", "name"}, where));
  test_group g;
  if (n["name"]) g.name = n["name"].as<std::string>();
  if (n["external_url"]) g.external_url = n["external_url"].as<std::string>();
  if (n["interval"]) {
    auto d = duration_of(n["interval"], where + ": interval");
    if (!d) return std::move(d).error();
    g.interval = *d;
  }
  if (n["external_labels"] && !n["external_labels"].IsNull()) {
    auto m = string_map(n["external_labels"], where + ".external_labels");
    if (!m) return std::move(m).error();
    g.external_labels = labels(std::move(*m));
  }
  VIGIL_TRY(parse_list(n, "input_series", where, parse_input, g.inputs));
  VIGIL_TRY(parse_list(n, "alert_rule_test", where, parse_alert_test, g.alert_tests));
  VIGIL_TRY(parse_list(n, "promql_expr_test", where, parse_expr_test, g.expr_tests));
  return g;
}

result<test_file> parse_root(const YAML::Node& root) {
  test_file f;
  if (root.IsNull()) return f;
  VIGIL_TRY(check_keys(root, {"rule_files", "evaluation_interval", "group_eval_order", "tests"}, "test file"));
  for (auto [key, dst] : {std::pair{"rule_files", &f.rule_files}, std::pair{"group_eval_order", &f.group_eval_order}}) {
    if (!root[key] || root[key].IsNull()) continue;
    auto l = string_list(root[key], key);
    if (!l) return std::move(l).error();
    *dst = std::move(*l);
  }
  if (root["evaluation_interval"]) {
    auto d = duration_of(root["evaluation_interval"], "evaluation_interval");
    if (!d) return std::move(d).error();
    if (*d > 0) f.evaluation_interval = *d; // 0: the default, as promtool
  }
  if (root["tests"] && !root["tests"].IsNull()) {
    if (!root["tests"].IsSequence()) return at(root["tests"], "tests: expected a list");
    for (const auto& t : root["tests"]) {
      auto g = parse_group(t, "tests[" + std::to_string(f.tests.size()) + "]");
      if (!g) return std::move(g).error();
      f.tests.push_back(std::move(*g));
    }
  }
  return f;
}

// ---- rule files ----------------------------------------------------------------

bool has_glob_meta(std::string_view p) { return p.find_first_of("*?[\\") != std::string_view::npos; }

/// Templates of every alerting rule, checked up front so that an
/// unsupported construct is named with its rule rather than shown in a diff.
status check_templates(const rule_file& f) {
  for (const auto& g : f.groups)
    for (const auto& r : g.rules) {
      if (!r.is_alert()) continue;
      auto where = "line " + std::to_string(r.line) + ": group \"" + g.name + "\", rule " + r.name();
      for (const auto& l : r.alert().extra_labels)
        if (auto st = check_template(l.value); !st)
          return invalid_argument(where + ": label \"" + l.name + "\": " + st.message());
      for (const auto& [name, text] : r.alert().annotations)
        if (auto st = check_template(text); !st)
          return invalid_argument(where + ": annotation \"" + name + "\": " + st.message());
    }
  return status::ok();
}

status load_rule_file(const std::string& path, const file_access& fs, std::vector<loaded_group>& out) {
  auto text = fs.read(path);
  if (!text) return invalid_argument("rule file " + text.error().message());
  auto f = parse_rule_file(*text);
  if (!f) return invalid_argument(path + ": " + f.error().message());
  if (auto st = check_templates(*f); !st) return invalid_argument(path + ": " + st.message());
  for (auto& g : f->groups) out.push_back({path, std::move(g)});
  return status::ok();
}

result<std::vector<loaded_group>> load_rules(const std::string& test_path, const std::vector<std::string>& patterns,
                                             const file_access& fs, std::vector<std::string>& warnings) {
  std::vector<loaded_group> out;
  std::set<std::string> seen; // a file matched twice is loaded once, as Prometheus keys groups by file
  auto dir = std::filesystem::path(test_path).parent_path();
  for (const auto& p : patterns) {
    auto full = std::filesystem::path(p).is_absolute() ? p : (dir / p).lexically_normal().string();
    auto matches = fs.glob(full);
    if (!matches) return std::move(matches).error();
    if (matches->empty() && !has_glob_meta(p))
      return not_found("rule file '" + full + "' (listed in rule_files) does not exist");
    if (matches->empty()) warnings.push_back("no file match pattern " + full);
    for (const auto& m : *matches)
      if (seen.insert(m).second) VIGIL_TRY(load_rule_file(m, fs, out));
  }
  return out;
}

} // namespace

result<test_file> parse_test_file(std::string_view yaml) {
  try {
    return parse_root(YAML::Load(std::string(yaml)));
  } catch (const YAML::Exception& e) {
    return invalid_argument("line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

test_report run_test_file(const std::string& path, const file_access& fs) {
  test_report rep;
  auto text = fs.read(path);
  if (!text) {
    rep.errors.push_back("test file " + text.error().message());
    return rep;
  }
  auto f = parse_test_file(*text);
  if (!f) {
    rep.errors.push_back(path + ": " + f.error().message());
    return rep;
  }
  auto groups = load_rules(path, f->rule_files, fs, rep.warnings);
  if (!groups) {
    rep.errors.push_back(groups.error().message());
    return rep;
  }
  auto run = run_tests(*f, *groups);
  rep.errors = std::move(run.errors);
  return rep;
}

} // namespace vigil::alert
