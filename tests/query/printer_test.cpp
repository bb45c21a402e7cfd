#include <boost/test/unit_test.hpp>

#include "query/parser.hpp"
#include "query/printer.hpp"

using namespace vigil::query;

BOOST_AUTO_TEST_SUITE(printer)

BOOST_AUTO_TEST_CASE(round_trips_through_the_parser) {
  const char* exprs[] = {
      "1", "-1.5", "+Inf", "NaN", "1e+06", ".5 + 2.", "\"a\\\"b\\n\"", "'single'", "`raw\\n`",
      "foo", "api.latency{endpoint=\"/users\"}", "{__name__=~\"a.*\",job!=\"x\"}",
      "foo{a=\"b\",c!~\"d|e\"} offset 5m", "foo @ 100 offset -1h30m", "foo @ start()", "foo[5m] @ end()",
      "foo[1d] offset 1w", "rate(foo[5m])", "rate(foo[5m])[1h:]", "max_over_time(rate(x[1m])[10m:30s] offset 1m)",
      "sum by (a, b) (x)", "sum without () (x)", "SUM(x) BY (job)", "topk(3, x)", "quantile by (l) (0.9, x)",
      "count_values(\"v\", x)", "a + b * c", "(a + b) * c", "a ^ b ^ c", "(a ^ b) ^ c", "-a ^ 2", "-(a)",
      "- - - 1", "-2^---1*3", "a == bool b", "a > on (x) group_left (y, z) b", "a / ignoring (q) group_right b",
      "a and on () b", "a or b unless c", "a atan2 b", "label_replace(x, \"dst\", \"$1\", \"src\", \"(.*)\")",
      "histogram_quantile(0.9, sum by (le) (rate(h_bucket[5m])))", "time()", "vector(1) + scalar(x)",
      "avg(api.latency) > 400", "absent_over_time(x[5m:])", "x offset 5m[10m:1m]", "sum(x) by (a.b)",
  };
  for (const char* q : exprs) {
    auto first = parse(q);
    BOOST_TEST_REQUIRE(first.has_value(), q << ": " << (first ? "" : first.error().message()));
    std::string once = print(**first);
    auto second = parse(once);
    BOOST_TEST_REQUIRE(second.has_value(), once << ": " << (second ? "" : second.error().message()));
    BOOST_TEST(print(**second) == once, q);
  }
}

BOOST_AUTO_TEST_CASE(canonical_forms) {
  auto p = [](const char* q) { return print(**parse(q)); };
  BOOST_TEST(p("sum(x) by (job)") == "sum by (job) (x)");
  BOOST_TEST(p("foo offset 5m @ 100") == "foo @ 100.000 offset 5m");
  BOOST_TEST(p("foo{b=\"1\",a=\"2\"}") == "foo{a=\"2\",b=\"1\"}");
  BOOST_TEST(p("x[90m]") == "x[1h30m]");
  BOOST_TEST(p("a+on(b)c") == "a + on (b) c");
  BOOST_TEST(p("-1") == "-1");
}

BOOST_AUTO_TEST_CASE(numbers) {
  BOOST_TEST(format_number(1) == "1");
  BOOST_TEST(format_number(0.1) == "0.1");
  BOOST_TEST(format_number(-1e-7) == "-1e-07");
}

BOOST_AUTO_TEST_SUITE_END()
