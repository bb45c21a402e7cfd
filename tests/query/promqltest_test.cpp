#include <boost/test/unit_test.hpp>

#include <cmath>

#include "query/promqltest.hpp"

using namespace vigil;
using namespace vigil::query;
using namespace vigil::query::promqltest;

namespace {

std::vector<std::optional<double>> expand(std::string_view s) {
  auto r = expand_values(s);
  BOOST_TEST_REQUIRE(r.has_value(), s);
  return *r;
}

} // namespace

BOOST_AUTO_TEST_SUITE(promqltest_format)

BOOST_AUTO_TEST_CASE(expands_series_values) {
  auto v = expand("1+2x3");
  BOOST_TEST_REQUIRE(v.size() == 4u);
  BOOST_TEST(*v[3] == 7.0);
  auto d = expand("-2-1x4");
  BOOST_TEST_REQUIRE(d.size() == 5u);
  BOOST_TEST(*d[0] == -2.0);
  BOOST_TEST(*d[4] == -6.0);
  auto r = expand("5x2");
  BOOST_TEST(r.size() == 3u);
  auto gaps = expand("1 _ _x3 stale Inf -Inf NaN 1e3");
  BOOST_TEST_REQUIRE(gaps.size() == 10u);
  BOOST_TEST(!gaps[1].has_value());
  BOOST_TEST(!gaps[4].has_value());
  BOOST_TEST(is_stale_nan(*gaps[5]));
  BOOST_TEST(std::isinf(*gaps[6]));
  BOOST_TEST(*gaps[7] < 0);
  BOOST_TEST(std::isnan(*gaps[8]));
  BOOST_TEST(*gaps[9] == 1000.0);
  BOOST_TEST(expand("0x10").size() == 11u); // no hex in series values
  BOOST_TEST(expand("1e-3+1e-3x1").size() == 2u);
  BOOST_TEST(!expand_values("abc").has_value());
}

BOOST_AUTO_TEST_CASE(parses_series_descriptions) {
  auto l = parse_series_desc("api.latency{a=\"b\", c='d',}");
  BOOST_TEST_REQUIRE(l.has_value());
  BOOST_TEST(l->metric_name() == "api.latency");
  BOOST_TEST(l->get("c") == "d");
  auto n = parse_series_desc("{__name__=\"x\"}");
  BOOST_TEST(n->metric_name() == "x");
  BOOST_TEST(parse_series_desc("{}")->empty());
  BOOST_TEST(!parse_series_desc("x{a=b}").has_value());
}

BOOST_AUTO_TEST_CASE(parses_commands) {
  auto cmds = parse_script(R"(# comment
load 5m
  m{a="1"} 0+10x2
  m{a="1"} 1 2 3
  other 4

eval instant at 10m m
  m{a="1"} 3

eval_fail instant at 0m rate(m)

eval_ordered instant at 5m sort(m)
  m{a="1"} 2

eval instant at 1m 1 + 1
  2

clear
)");
  BOOST_TEST_REQUIRE(cmds.has_value(), (cmds ? "" : cmds.error().message()));
  BOOST_TEST_REQUIRE(cmds->size() == 6u);
  const auto& load = std::get<load_cmd>((*cmds)[0]);
  BOOST_TEST(load.interval == 300000);
  BOOST_TEST_REQUIRE(load.defs.size() == 2u);
  BOOST_TEST(load.defs[0].samples.back().v == 3.0); // redefinition replaces
  const auto& ev = std::get<eval_cmd>((*cmds)[1]);
  BOOST_TEST(ev.at == 600000);
  BOOST_TEST(ev.expr == "m");
  BOOST_TEST(ev.line == 7u);
  BOOST_TEST(std::get<eval_cmd>((*cmds)[2]).expect_fail);
  BOOST_TEST(std::get<eval_cmd>((*cmds)[3]).ordered);
  BOOST_TEST(*std::get<eval_cmd>((*cmds)[4]).scalar == 2.0);
  BOOST_TEST(std::holds_alternative<clear_cmd>((*cmds)[5]));
  auto outcomes = run(*cmds);
  BOOST_TEST_REQUIRE(outcomes.size() == 4u);
  for (const auto& o : outcomes) BOOST_TEST(o.passed, o.line << ": " << o.message);
}

BOOST_AUTO_TEST_CASE(detects_wrong_expectations) {
  auto cmds = parse_script("load 1m\n  x 1 2\n\neval instant at 1m x\n  x 3\n\neval instant at 1m x\n\n"
                           "eval_fail instant at 1m x\n\neval instant at 1m 1\n  {} 1\n");
  BOOST_TEST_REQUIRE(cmds.has_value());
  auto outcomes = run(*cmds);
  BOOST_TEST_REQUIRE(outcomes.size() == 4u);
  for (const auto& o : outcomes) BOOST_TEST(!o.passed, o.line);
}

BOOST_AUTO_TEST_CASE(at_modifier_variants_pin_selectors) {
  eval_cmd cmd;
  cmd.expr = "rate(x[5m]) + y";
  cmd.at = 600000;
  auto v = at_modifier_variants(cmd);
  BOOST_TEST_REQUIRE(v.size() == 5u);
  BOOST_TEST(v[0].expr == "rate(x[5m] @ 600.000) + y @ 600.000");
  BOOST_TEST(v[0].at == -6000000);
  cmd.expr = "time() + x";
  BOOST_TEST(at_modifier_variants(cmd).empty());
}

BOOST_AUTO_TEST_CASE(almost_equal_tolerance) {
  BOOST_TEST(almost_equal(NAN, NAN));
  BOOST_TEST(almost_equal(1.0, 1.0000001));
  BOOST_TEST(!almost_equal(1.0, 1.001));
  BOOST_TEST(!almost_equal(0.0, 1e-300));
}

BOOST_AUTO_TEST_SUITE_END()
