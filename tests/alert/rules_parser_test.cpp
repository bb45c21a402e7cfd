#include <boost/test/unit_test.hpp>

#include "alert/rules_parser.hpp"

using namespace vigil;
using namespace vigil::alert;

namespace {

std::string error_of(std::string_view yaml) {
  auto r = parse_rule_file(yaml);
  BOOST_REQUIRE(!r);
  return r.error().message();
}

bool has(const std::string& s, std::string_view sub) { return s.find(sub) != std::string::npos; }

} // namespace

BOOST_AUTO_TEST_SUITE(rules_parser)

BOOST_AUTO_TEST_CASE(parses_alerting_and_recording_rules) {
  auto f = parse_rule_file(R"(
groups:
  - name: api
    interval: 30s
    rules:
      - alert: HighLatency
        expr: avg(api.latency) > 400
        for: 5m
        keep_firing_for: 1m
        labels:
          severity: page
        annotations:
          summary: "Latency is {{ $value }}"
          runbook: http://wiki/latency
      - record: job:http_requests:rate5m
        expr: sum by (job) (rate(http_requests_total[5m]))
  - name: defaults
    rules:
      - alert: Up
        expr: up == 0
)");
  BOOST_REQUIRE_MESSAGE(f, (f ? "" : f.error().message()));
  BOOST_REQUIRE_EQUAL(f->groups.size(), 2u);
  const auto& g = f->groups[0];
  BOOST_CHECK_EQUAL(g.name, "api");
  BOOST_CHECK_EQUAL(g.interval_ms, 30'000);
  BOOST_REQUIRE_EQUAL(g.rules.size(), 2u);
  const auto& a = g.rules[0].alert();
  BOOST_CHECK_EQUAL(a.name, "HighLatency");
  BOOST_CHECK_EQUAL(a.for_ms, 300'000);
  BOOST_CHECK_EQUAL(a.keep_firing_for_ms, 60'000);
  BOOST_CHECK_EQUAL(a.extra_labels.get("severity"), "page");
  BOOST_REQUIRE_EQUAL(a.annotations.size(), 2u);
  BOOST_CHECK_EQUAL(a.annotations[0].first, "summary");
  BOOST_CHECK_EQUAL(g.rules[0].line, 6);
  BOOST_CHECK_EQUAL(g.rules[1].recording().record, "job:http_requests:rate5m");
  BOOST_CHECK_EQUAL(f->groups[1].interval_ms, 15'000); // vigil's default
}

BOOST_AUTO_TEST_CASE(errors_name_the_line_and_the_problem) {
  auto e = error_of("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: sum(\n");
  BOOST_CHECK_MESSAGE(has(e, "line 5") && has(e, "group \"g\", rule 1 (A): expr:") && has(e, "parse error"), e);
  e = error_of("groups:\n  - name: g\n    rules:\n      - alert: A\n        record: b\n        expr: up\n");
  BOOST_CHECK_MESSAGE(has(e, "line 4") && has(e, "exactly one of"), e);
  e = error_of("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        for: soon\n");
  BOOST_CHECK_MESSAGE(has(e, "line 6") && has(e, "invalid duration"), e);
  e = error_of("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        labelz: {}\n");
  BOOST_CHECK_MESSAGE(has(e, "line 6") && has(e, "unknown field \"labelz\""), e);
  e = error_of("groups:\n  - name: g\n    rules: []\n  - name: g\n    rules: []\n");
  BOOST_CHECK_MESSAGE(has(e, "line 4") && has(e, "duplicate group name"), e);
  e = error_of("groups:\n  - name: g\n    rules:\n      - record: 'bad name'\n        expr: up\n");
  BOOST_CHECK_MESSAGE(has(e, "invalid metric name"), e);
  e = error_of("groups:\n  - name: g\n    rules:\n      - record: r\n        expr: up\n        for: 1m\n");
  BOOST_CHECK_MESSAGE(has(e, "only to alerting rules"), e);
  e = error_of("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        labels: {\"1x\": y}\n");
  BOOST_CHECK_MESSAGE(has(e, "invalid label name"), e);
  e = error_of("groups: [\n");
  BOOST_CHECK_MESSAGE(has(e, "invalid YAML"), e);
  e = error_of("rules: []\n");
  BOOST_CHECK_MESSAGE(has(e, "groups"), e);
}

BOOST_AUTO_TEST_SUITE_END()
