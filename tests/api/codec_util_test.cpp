#include "api/codec_util.hpp"

#include <cmath>
#include <limits>

#include <boost/test/unit_test.hpp>

using namespace vigil;
using namespace vigil::api;

namespace {

std::string f(double v) {
  std::string s;
  append_go_float_f(s, v);
  return s;
}
std::string g(double v) {
  std::string s;
  append_go_float_g(s, v);
  return s;
}
std::string e(double v) {
  std::string s;
  append_go_float_e(s, v);
  return s;
}

} // namespace

BOOST_AUTO_TEST_SUITE(codec_util)

BOOST_AUTO_TEST_CASE(metric_and_label_name_rules) {
  for (auto ok : {"up", "api.latency", "_x", ":a:b", ".dot", "a1_b:c.d"}) BOOST_TEST(is_valid_metric_name(ok));
  for (auto bad : {"", "1up", "a-b", "a b", "é"}) BOOST_TEST(!is_valid_metric_name(bad));
  for (auto ok : {"job", "_x", "__name__", "A9"}) BOOST_TEST(is_valid_label_name(ok));
  for (auto bad : {"", "1a", "a.b", "a:b", "a-b"}) BOOST_TEST(!is_valid_label_name(bad));
}

BOOST_AUTO_TEST_CASE(utf8_validation_matches_go) {
  BOOST_TEST(is_valid_utf8(""));
  BOOST_TEST(is_valid_utf8("plain ascii that is longer than eight bytes"));
  BOOST_TEST(is_valid_utf8("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80"));
  BOOST_TEST(!is_valid_utf8("\xC0\xAF"));         // overlong
  BOOST_TEST(!is_valid_utf8("\xED\xA0\x80"));     // surrogate
  BOOST_TEST(!is_valid_utf8("\xF4\x90\x80\x80")); // > U+10FFFF
  BOOST_TEST(!is_valid_utf8("abcdefgh\xE2\x82")); // truncated
  BOOST_TEST(!is_valid_utf8("\xFF"));
}

BOOST_AUTO_TEST_CASE(parses_floats_like_go_parsefloat) {
  struct {
    const char* in;
    double want;
  } ok[] = {{"1", 1},         {"-2.5", -2.5},     {"+3", 3},       {".5", 0.5},
            {"1.", 1},        {"1e3", 1000},      {"1E+3", 1000},  {"1_000.5", 1000.5},
            {"0x1p-2", 0.25}, {"0x1.8p1", 3},     {"1e-400", 0},   {"-0", -0.0}};
  for (auto& c : ok) {
    auto v = parse_go_float(c.in);
    BOOST_TEST_REQUIRE(v.has_value(), c.in);
    BOOST_TEST(*v == c.want, c.in);
  }
  BOOST_TEST(*parse_go_float("+Inf") == std::numeric_limits<double>::infinity());
  BOOST_TEST(*parse_go_float("-inf") == -std::numeric_limits<double>::infinity());
  BOOST_TEST(*parse_go_float("Infinity") == std::numeric_limits<double>::infinity());
  BOOST_TEST(std::isnan(*parse_go_float("NaN")));
  BOOST_TEST(std::isnan(*parse_go_float("nan")));
  for (auto bad : {"", " 1", "1 ", ".", "1e", "_1", "1__0", "1_", "0x10", "+NaN", "1e400", "nan(1)", "inf1",
                   "--1", "1,5", "0x"})
    BOOST_TEST(!parse_go_float(bad).has_value(), bad);
}

BOOST_AUTO_TEST_CASE(parses_rfc3339) {
  BOOST_TEST(*parse_rfc3339_ms("1970-01-01T00:00:00Z") == 0);
  BOOST_TEST(*parse_rfc3339_ms("2024-05-01T12:00:00Z") == 1714564800000);
  BOOST_TEST(*parse_rfc3339_ms("2024-05-01T12:00:00.123Z") == 1714564800123);
  BOOST_TEST(*parse_rfc3339_ms("2024-05-01T12:00:00.123+02:00") == 1714557600123);
  BOOST_TEST(*parse_rfc3339_ms("2024-05-01T12:00:00.5-01:30") == 1714570200500);
  BOOST_TEST(*parse_rfc3339_ms("2024-05-01t12:00:00.123999999z") == 1714564800123); // truncated
  BOOST_TEST(*parse_rfc3339_ms("1969-12-31T23:59:59.999Z") == -1);
  BOOST_TEST(*parse_rfc3339_ms("2024-02-29T00:00:00Z") == 1709164800000);
  for (auto bad : {"", "2024-05-01", "2024-05-01T12:00:00", "2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z",
                   "2024-13-01T00:00:00Z", "2024-05-01T24:00:00Z", "2024-05-01T12:60:00Z",
                   "2024-05-01T12:00:60Z", "2024-05-01T12:00:00.Z", "2024-05-01T12:00:00+0200",
                   "2024-05-01T12:00:00Zjunk", "2024-05-01 12:00:00Z"})
    BOOST_TEST(!parse_rfc3339_ms(bad).has_value(), bad);
}

BOOST_AUTO_TEST_CASE(formats_floats_like_go) {
  // 'f', -1: shortest digits, zero-padded, never an exponent.
  BOOST_TEST(f(0.1) == "0.1");
  BOOST_TEST(f(500) == "500");
  BOOST_TEST(f(1e21) == "1000000000000000000000");
  BOOST_TEST(f(1152921504606846976.0) == "1152921504606847000"); // 2^60: Go, not the exact value
  BOOST_TEST(f(1.5e-7) == "0.00000015");
  BOOST_TEST(f(-0.0) == "-0");
  BOOST_TEST(f(std::nan("")) == "NaN");
  BOOST_TEST(f(std::numeric_limits<double>::infinity()) == "+Inf");
  BOOST_TEST(f(-std::numeric_limits<double>::infinity()) == "-Inf");
  // 'g', -1: exponent below 1e-4 and from 1e6 on.
  BOOST_TEST(g(999999) == "999999");
  BOOST_TEST(g(1e6) == "1e+06");
  BOOST_TEST(g(123456789) == "1.23456789e+08");
  BOOST_TEST(g(0.0001) == "0.0001");
  BOOST_TEST(g(0.00001) == "1e-05");
  BOOST_TEST(g(0.25) == "0.25");
  // 'e', -1
  BOOST_TEST(e(1e21) == "1e+21");
  BOOST_TEST(e(1.5e-7) == "1.5e-07");
  BOOST_TEST(e(1e100) == "1e+100");
}

BOOST_AUTO_TEST_CASE(quoted_escapes_and_truncates) {
  BOOST_TEST(quoted("a\"b\\c\n\x01") == R"("a\"b\\c\n\x01")");
  BOOST_TEST(quoted(std::string(150, 'x')) == "\"" + std::string(100, 'x') + "\"...");
}

BOOST_AUTO_TEST_CASE(batch_builder_merges_and_sorts) {
  batch_builder b;
  labels a{{"__name__", "m"}, {"k", "a"}};
  labels c{{"__name__", "m"}, {"k", "c"}};
  b.add(a, {30, 3});
  b.add(c, {10, 1});
  b.add(a, {10, 1});
  b.add(a, {30, 4}); // equal timestamps keep input order
  auto batch = std::move(b).finish();
  BOOST_TEST_REQUIRE(batch.items.size() == 2u);
  BOOST_TEST(batch.items[0].lbls == a);
  BOOST_TEST((batch.items[0].samples == std::vector<sample>{{10, 1}, {30, 3}, {30, 4}}));
  BOOST_TEST(batch.items[1].lbls == c);
}

BOOST_AUTO_TEST_SUITE_END()
