#include <boost/test/unit_test.hpp>

#include <fstream>
#include <map>
#include <sstream>

#include "alert/unit_test.hpp"

using namespace vigil;
using namespace vigil::alert;

namespace {

/// An in-memory file system: literal paths, and '*' globs within a name.
struct fake_fs {
  std::map<std::string, std::string> files;

  static bool match(std::string_view pat, std::string_view s) {
    if (pat.empty()) return s.empty();
    if (pat[0] == '*')
      return match(pat.substr(1), s) || (!s.empty() && s[0] != '/' && match(pat, s.substr(1)));
    return !s.empty() && pat[0] == s[0] && match(pat.substr(1), s.substr(1));
  }

  file_access access() const {
    return {[this](const std::string& pattern) -> result<std::vector<std::string>> {
              std::vector<std::string> out;
              for (const auto& [path, text] : files)
                if (match(pattern, path)) out.push_back(path);
              return out;
            },
            [this](const std::string& path) -> result<std::string> {
              auto it = files.find(path);
              if (it == files.end()) return io_error("'" + path + "': No such file or directory");
              return it->second;
            }};
  }
};

/// The real files under tests/alert/testdata/rules_test (literal paths only).
file_access disk() {
  return {[](const std::string& p) -> result<std::vector<std::string>> {
            return std::ifstream(p) ? std::vector<std::string>{p} : std::vector<std::string>{};
          },
          [](const std::string& p) -> result<std::string> {
            std::ifstream in(p);
            if (!in) return io_error("'" + p + "': cannot open");
            std::stringstream ss;
            ss << in.rdbuf();
            return ss.str();
          }};
}

const std::string rules = R"Y(groups:
  - name: recording
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
  - name: alerts
    rules:
      - alert: InstanceDown
        expr: up == 0
        for: 2m
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.instance }} down ({{ $labels.__name__ }} = {{ $value }})"
      - alert: JobDown
        expr: job:up:sum == 0
        for: 1m
      - alert: Flapping
        expr: flap > 0
        keep_firing_for: 2m
)Y";

/// Runs `test` (the body of a test file after rule_files) against `rules`.
test_report run(const std::string& test, const std::string& rule_text = rules) {
  fake_fs fs;
  fs.files["dir/rules.yml"] = rule_text;
  fs.files["dir/test.yml"] = "rule_files: [rules.yml]\ngroup_eval_order: [recording, alerts]\n" + test;
  return run_test_file("dir/test.yml", fs.access());
}

std::string joined(const test_report& r) {
  std::string out;
  for (const auto& e : r.errors) out += e + "\n";
  return out;
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

const std::string down_input = R"Y(
tests:
  - name: down
    interval: 1m
    input_series:
      - series: 'up{job="api", instance="a"}'
        values: '1 1 0 0 0 0 0'
)Y";

} // namespace

BOOST_AUTO_TEST_SUITE(unit_test)

BOOST_AUTO_TEST_CASE(alert_fires_only_after_for) {
  auto r = run(down_input + R"Y(
    alert_rule_test:
      - eval_time: 3m
        alertname: InstanceDown
      - eval_time: 4m
        alertname: InstanceDown
        exp_alerts:
          - exp_labels: {severity: page, job: api, instance: a}
            exp_annotations: {summary: "a down (up = 0)"}
)Y");
  BOOST_CHECK_MESSAGE(r.errors.empty(), joined(r));
}

BOOST_AUTO_TEST_CASE(failing_alert_test_shows_expected_and_got) {
  auto r = run(down_input + R"Y(
    alert_rule_test:
      - eval_time: 3m
        alertname: InstanceDown
        exp_alerts:
          - exp_labels: {severity: page, job: api, instance: a}
)Y");
  BOOST_REQUIRE_EQUAL(r.errors.size(), 1u);
  BOOST_CHECK_EQUAL(r.errors[0], "    name: down,\n"
                                 "    alertname: InstanceDown, time: 3m, \n"
                                 "        exp:[\n"
                                 "            0:\n"
                                 "              Labels:{alertname=\"InstanceDown\", instance=\"a\", job=\"api\", "
                                 "severity=\"page\"}\n"
                                 "              Annotations:{}\n"
                                 "            ], \n"
                                 "        got:[]");
}

BOOST_AUTO_TEST_CASE(recording_rule_output_feeds_an_alert) {
  auto r = run(down_input + R"Y(
    alert_rule_test:
      - eval_time: 2m
        alertname: JobDown
      - eval_time: 3m
        alertname: JobDown
        exp_alerts:
          - exp_labels: {job: api}
    promql_expr_test:
      - expr: job:up:sum
        eval_time: 1m
        exp_samples:
          - labels: 'job:up:sum{job="api"}'
            value: 1
)Y");
  BOOST_CHECK_MESSAGE(r.errors.empty(), joined(r));
}

BOOST_AUTO_TEST_CASE(promql_expr_test_compares_exactly_and_reports_in_promtool_notation) {
  auto r = run(R"Y(
tests:
  - interval: 1m
    input_series:
      - series: 'x{a="1"}'
        values: '0.1 0.2'
    promql_expr_test:
      - expr: x + 0.2
        eval_time: 0m
        exp_samples:
          - labels: '{a="1"}'
            value: 0.3
      - expr: x * 10
        eval_time: 1m
        exp_samples:
          - labels: '{a="1"}'
            value: 2
      - expr: scalar(x)
        eval_time: 1m
        exp_samples:
          - labels: '{}'
            value: 0.2
)Y");
  BOOST_REQUIRE_EQUAL(r.errors.size(), 1u);
  BOOST_CHECK_EQUAL(r.errors[0], "    expr: \"x + 0.2\", time: 0s,\n"
                                 "        exp: {a=\"1\"} 3E-01\n"
                                 "        got: {a=\"1\"} 3.0000000000000004E-01");
}

BOOST_AUTO_TEST_CASE(stale_and_missing_values) {
  auto r = run(R"Y(
tests:
  - interval: 1m
    input_series:
      - series: 'flap{i="1"}'
        values: '1 _ stale _ _ _ 1'
    promql_expr_test:
      - expr: flap
        eval_time: 1m
        exp_samples:
          - labels: 'flap{i="1"}'
            value: 1
      - expr: flap
        eval_time: 2m
      - expr: count_over_time(flap[10m])
        eval_time: 6m
        exp_samples:
          - labels: '{i="1"}'
            value: 2
    alert_rule_test:
      - eval_time: 3m
        alertname: Flapping
        exp_alerts:
          - exp_labels: {i: "1"}
      - eval_time: 4m
        alertname: Flapping
      - eval_time: 6m
        alertname: Flapping
        exp_alerts:
          - exp_labels: {i: "1"}
)Y");
  BOOST_CHECK_MESSAGE(r.errors.empty(), joined(r));
}

BOOST_AUTO_TEST_CASE(annotations_see_sample_labels_value_and_external_labels) {
  const std::string rule = R"Y(groups:
  - name: g
    rules:
      - alert: High
        expr: temp > 30
        labels:
          room: "{{ $labels.sensor }}-room"
        annotations:
          text: "{{ $labels.__name__ }}/{{ $labels.room }}/{{ $labels.sensor }} is {{ $value | printf \"%.1f\" }}"
          where: "{{ $externalLabels.site }}"
          empty: ""
)Y";
  auto r = run(R"Y(
tests:
  - interval: 1m
    external_labels: {site: lab}
    input_series:
      - series: 'temp{sensor="s1"}'
        values: '35.25'
    alert_rule_test:
      - alertname: High
        exp_alerts:
          - exp_labels: {sensor: s1, room: s1-room}
            exp_annotations: {text: "temp//s1 is 35.2", where: lab, empty: ""}
)Y", rule);
  BOOST_CHECK_MESSAGE(r.errors.empty(), joined(r));
}

BOOST_AUTO_TEST_CASE(input_interval_defaults_to_evaluation_interval) {
  auto r = run(R"Y(
evaluation_interval: 30s
tests:
  - input_series:
      - series: 'x'
        values: '0+1x4'
    promql_expr_test:
      - expr: x
        eval_time: 90s
        exp_samples:
          - labels: 'x'
            value: 3
)Y");
  BOOST_CHECK_MESSAGE(r.errors.empty(), joined(r));
}

BOOST_AUTO_TEST_CASE(evaluation_error_stops_the_test_group) {
  const std::string rule = R"Y(groups:
  - name: g
    rules:
      - record: dup
        expr: x
        labels: {a: same}
)Y";
  auto r = run(R"Y(
tests:
  - interval: 1m
    input_series:
      - series: 'x{a="1"}'
        values: '1 1 1'
      - series: 'x{a="2"}'
        values: '_ 1 1'
    promql_expr_test:
      - expr: nothing
        eval_time: 2m
        exp_samples:
          - labels: 'nothing'
            value: 1
)Y", rule);
  BOOST_REQUIRE_EQUAL(r.errors.size(), 1u);
  BOOST_CHECK(contains(r.errors[0], "    rule: dup, time: 1m0s, err: vector contains metrics with the same labelset"));
}

BOOST_AUTO_TEST_CASE(alert_test_without_alertname_is_reported) {
  auto r = run("tests:\n  - name: n\n    alert_rule_test:\n      - eval_time: 1m\n");
  BOOST_REQUIRE_EQUAL(r.errors.size(), 1u);
  BOOST_CHECK_EQUAL(r.errors[0], "an item under alert_rule_test misses required attribute alertname "
                                 "at eval_time 1m (in TestGroup n)");
}

BOOST_AUTO_TEST_CASE(bad_yaml_names_the_file_and_line) {
  auto r = run("tests:\n  - interval: 1m\n    input_series: [\n");
  BOOST_REQUIRE_EQUAL(r.errors.size(), 1u);
  BOOST_CHECK_MESSAGE(contains(r.errors[0], "dir/test.yml: line "), r.errors[0]);
}

BOOST_AUTO_TEST_CASE(unknown_fields_are_errors) {
  auto r = run("tests:\n  - interval: 1m\n    inputs: []\n");
  BOOST_REQUIRE_EQUAL(r.errors.size(), 1u);
  BOOST_CHECK_EQUAL(r.errors[0], "dir/test.yml: line 5: tests[0]: unknown field \"inputs\"");
}

BOOST_AUTO_TEST_CASE(bad_series_and_durations_name_the_line) {
  auto r = run("tests:\n  - interval: 1m\n    input_series:\n      - series: 'x{a='\n        values: '1'\n");
  BOOST_REQUIRE_EQUAL(r.errors.size(), 1u);
  BOOST_CHECK_MESSAGE(contains(r.errors[0], "line 6: tests[0].input_series[0]: bad series"), r.errors[0]);
  r = run("tests:\n  - interval: 1x\n");
  BOOST_REQUIRE_EQUAL(r.errors.size(), 1u);
  BOOST_CHECK_EQUAL(r.errors[0], "dir/test.yml: line 4: tests[0]: interval: invalid duration \"1x\"");
}

BOOST_AUTO_TEST_CASE(missing_rule_file_is_an_error_and_empty_glob_a_warning) {
  fake_fs fs;
  fs.files["t.yml"] = "rule_files: [missing.yml]\ntests: []\n";
  auto r = run_test_file("t.yml", fs.access());
  BOOST_REQUIRE_EQUAL(r.errors.size(), 1u);
  BOOST_CHECK_EQUAL(r.errors[0], "rule file 'missing.yml' (listed in rule_files) does not exist");
  fs.files["t.yml"] = "rule_files: ['rules/*.yml']\ntests: []\n";
  r = run_test_file("t.yml", fs.access());
  BOOST_CHECK(r.errors.empty());
  BOOST_REQUIRE_EQUAL(r.warnings.size(), 1u);
  BOOST_CHECK_EQUAL(r.warnings[0], "no file match pattern rules/*.yml");
  r = run_test_file("nope.yml", fs.access());
  BOOST_REQUIRE_EQUAL(r.errors.size(), 1u);
  BOOST_CHECK(contains(r.errors[0], "nope.yml"));
}

BOOST_AUTO_TEST_CASE(invalid_rule_file_names_file_and_line) {
  auto r = run("tests: []\n", "groups:\n  - name: g\n    rules:\n      - record: r\n        expr: sum(x\n");
  BOOST_REQUIRE_EQUAL(r.errors.size(), 1u);
  BOOST_CHECK_MESSAGE(contains(r.errors[0], "dir/rules.yml: line 5: group \"g\""), r.errors[0]);
}

BOOST_AUTO_TEST_CASE(rule_files_are_globbed_relative_to_the_test_file) {
  fake_fs fs;
  fs.files["a/rules/one.yml"] = "groups:\n  - name: one\n    rules:\n      - record: r1\n        expr: vector(1)\n";
  fs.files["a/rules/two.yml"] = "groups:\n  - name: two\n    rules:\n      - record: r2\n        expr: r1 + 1\n";
  fs.files["a/t.yml"] = R"Y(rule_files: ['rules/*.yml']
tests:
  - promql_expr_test:
      - expr: r2
        exp_samples:
          - labels: r2
            value: 2
)Y";
  auto r = run_test_file("a/t.yml", fs.access());
  BOOST_CHECK_MESSAGE(r.errors.empty(), joined(r));
}

BOOST_AUTO_TEST_CASE(group_eval_order_decides_what_later_groups_see) {
  const std::string rule = "groups:\n  - name: a\n    rules:\n      - record: ra\n        expr: rb + 1\n"
                           "  - name: b\n    rules:\n      - record: rb\n        expr: vector(1)\n";
  const std::string test = "tests:\n  - promql_expr_test:\n      - expr: ra\n        exp_samples:\n"
                           "          - labels: ra\n            value: 2\n";
  fake_fs fs;
  fs.files["r.yml"] = rule;
  fs.files["t.yml"] = "rule_files: [r.yml]\ngroup_eval_order: [b, a]\n" + test;
  BOOST_CHECK(run_test_file("t.yml", fs.access()).errors.empty());
  fs.files["t.yml"] = "rule_files: [r.yml]\n" + test; // file order: a before b, so ra is missing at 0s
  BOOST_CHECK_EQUAL(run_test_file("t.yml", fs.access()).errors.size(), 1u);
  fs.files["t.yml"] = "rule_files: [r.yml]\ngroup_eval_order: [b, a, b]\n" + test;
  auto r = run_test_file("t.yml", fs.access());
  BOOST_REQUIRE_EQUAL(r.errors.size(), 1u);
  BOOST_CHECK_EQUAL(r.errors[0], "group name repeated in evaluation order: b");
}

BOOST_AUTO_TEST_CASE(testdata_pass_and_fail_sets) {
  const std::string dir = std::string(VIGIL_SOURCE_DIR) + "/tests/alert/testdata/rules_test/";
  auto pass = run_test_file(dir + "pass.yml", disk());
  BOOST_CHECK_MESSAGE(pass.errors.empty(), joined(pass));
  auto fail = run_test_file(dir + "fail.yml", disk());
  BOOST_REQUIRE_EQUAL(fail.errors.size(), 3u);
  BOOST_CHECK(contains(fail.errors[0], "name: alert expected before its for elapsed"));
  BOOST_CHECK(contains(fail.errors[1], "alertname: InstanceDown, time: 5m"));
  BOOST_CHECK(contains(fail.errors[2], "got: {__name__=\"job:requests:rate1m\", job=\"shop\"} 2E+00"));
}

BOOST_AUTO_TEST_SUITE_END()
