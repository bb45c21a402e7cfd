#include "api/query_params.hpp"

#include <random>

#include <boost/test/unit_test.hpp>

using namespace vigil;
using namespace vigil::api;

namespace {

std::string selector_error(std::string_view s) {
  auto r = parse_series_selector(s);
  BOOST_REQUIRE_MESSAGE(!r.has_value(), "expected an error for " << s);
  BOOST_TEST((r.error().code() == errc::invalid_argument));
  return r.error().message();
}

std::string render(const matchers& ms) {
  std::string out;
  for (const auto& m : ms) out += m.to_string() + ";";
  return out;
}

std::string selector(std::string_view s) {
  auto r = parse_series_selector(s);
  BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().to_string()));
  return render(*r);
}

using pairs = std::vector<std::pair<std::string, std::string>>;

} // namespace

BOOST_AUTO_TEST_SUITE(query_params)

BOOST_AUTO_TEST_CASE(parses_time_params) {
  BOOST_TEST(*parse_time_param("1700000000") == 1700000000000);
  BOOST_TEST(*parse_time_param("1700000000.123") == 1700000000123);
  BOOST_TEST(*parse_time_param("1435781451.781") == 1435781451781);
  BOOST_TEST(*parse_time_param("1700000000.1236") == 1700000000124); // rounded to ms
  BOOST_TEST(*parse_time_param("-1.5") == -1500);
  BOOST_TEST(*parse_time_param("1.7e9") == 1700000000000);
  BOOST_TEST(*parse_time_param("2015-07-01T20:10:51.781Z") == 1435781451781);
  BOOST_TEST(*parse_time_param("2015-07-01T22:10:51.781+02:00") == 1435781451781);
  BOOST_TEST(*parse_time_param("-292273086-05-16T16:47:06Z") == prometheus_min_time_ms);
  BOOST_TEST(*parse_time_param("292277025-08-18T07:12:54.999999999Z") == prometheus_max_time_ms);
  for (auto bad : {"", "now", "abc", "Inf", "NaN", "1e300", "2015-07-01", "1700000000s"}) {
    auto r = parse_time_param(bad);
    BOOST_REQUIRE(!r);
    BOOST_TEST(r.error().message() == "cannot parse \"" + std::string(bad) + "\" to a valid timestamp");
  }
}

BOOST_AUTO_TEST_CASE(parses_duration_params) {
  BOOST_TEST(*parse_duration_param("15") == 15000);
  BOOST_TEST(*parse_duration_param("0.5") == 500);
  BOOST_TEST(*parse_duration_param("0.29") == 290);
  BOOST_TEST(*parse_duration_param("1e3") == 1000000);
  BOOST_TEST(*parse_duration_param("0") == 0);
  BOOST_TEST(*parse_duration_param("-5") == -5000);
  BOOST_TEST(*parse_duration_param("100ms") == 100);
  BOOST_TEST(*parse_duration_param("15s") == 15000);
  BOOST_TEST(*parse_duration_param("5m") == 300000);
  BOOST_TEST(*parse_duration_param("1h30m") == 5400000);
  BOOST_TEST(*parse_duration_param("1d2h3m4s5ms") == 93784005);
  BOOST_TEST(*parse_duration_param("2w") == 1209600000);
  BOOST_TEST(*parse_duration_param("1y") == 31536000000);
  BOOST_TEST(*parse_duration_param("0s") == 0);
  for (auto bad : {"", "m", "5", "1.5h", "5m1h", "5m5m", "5x", "-5m", "5 m", "abc"}) {
    if (std::string_view(bad) == "5") continue; // valid float seconds
    auto r = parse_duration_param(bad);
    BOOST_REQUIRE_MESSAGE(!r, bad);
    BOOST_TEST(r.error().message() == "cannot parse \"" + std::string(bad) + "\" to a valid duration");
  }
  BOOST_TEST(parse_duration_param("1e300").error().message() ==
             "cannot parse \"1e300\" to a valid duration. It overflows int64");
  BOOST_TEST(!parse_duration_param("NaN"));
  BOOST_TEST(!parse_duration_param("999999999999999999y"));
}

BOOST_AUTO_TEST_CASE(parses_selectors) {
  BOOST_TEST(selector("up") == R"(__name__="up";)");
  BOOST_TEST(selector("api.latency{endpoint=\"/users\"}") == R"(endpoint="/users";__name__="api.latency";)");
  BOOST_TEST(selector(R"( up { job = "a" , env!="dev", path=~"/api/.*" ,code!~'5..', } )") ==
             R"(job="a";env!="dev";path=~"/api/.*";code!~"5..";__name__="up";)");
  BOOST_TEST(selector(R"({__name__=~"http_.*"})") == R"(__name__=~"http_.*";)");
  BOOST_TEST(selector("{a=`raw\\n`}") == R"(a="raw\\n";)");
  BOOST_TEST(selector(R"({a="\x41\u00e9\101\n\"\\"})") == "a=\"A\xC3\xA9" "A\\n\\\"\\\\\";");
  BOOST_TEST(selector("{a='it\\'s'}") == R"(a="it's";)");
  BOOST_TEST(selector("up{}") == R"(__name__="up";)");
}

BOOST_AUTO_TEST_CASE(selector_matchers_match) {
  auto ms = *parse_series_selector(R"(up{job=~"a|b",env!="dev"})");
  BOOST_TEST(matches_all(ms, labels{{"__name__", "up"}, {"job", "b"}}));
  BOOST_TEST(!matches_all(ms, labels{{"__name__", "up"}, {"job", "b"}, {"env", "dev"}}));
  BOOST_TEST(!matches_all(ms, labels{{"__name__", "up"}, {"job", "ab"}}));
}

BOOST_AUTO_TEST_CASE(rejects_bad_selectors) {
  // The PromQL parser reports the problem and its line:column position.
  auto has = [](const std::string& s, std::string_view sub) { return s.find(sub) != std::string::npos; };
  BOOST_TEST(has(selector_error("up{job}"), R"(invalid selector "up{job}": 1:7: parse error)"));
  BOOST_TEST(has(selector_error("up{job}"), "label matching operator"));
  BOOST_TEST(has(selector_error("up{job=a}"), "1:8: parse error"));
  BOOST_TEST(has(selector_error(R"(up{job="a")"), "1:11: parse error"));
  BOOST_TEST(has(selector_error(R"(up{job="a)"), "unterminated quoted string"));
  BOOST_TEST(has(selector_error(R"(up{1="a"})"), "1:4: parse error"));
  BOOST_TEST(has(selector_error(R"(up{a="\q"})"), "escape sequence"));
  BOOST_TEST(has(selector_error(R"(up{__name__="x"})"), "metric name must not be set twice"));
  BOOST_TEST(has(selector_error(R"(up{a=~"("})"), "invalid regular expression"));
  BOOST_TEST(selector_error("up[5m]") == R"(invalid selector "up[5m]": expected a plain vector selector)");
  BOOST_TEST(selector_error("up offset 5m") == R"(invalid selector "up offset 5m": expected a plain vector selector)");
  BOOST_TEST(has(selector_error(R"({a=~".*"})"), "vector selector must contain at least one non-empty matcher"));
  BOOST_TEST(has(selector_error("{}"), "vector selector must contain at least one non-empty matcher"));
  BOOST_TEST(has(selector_error(""), "no expression found in input"));
}

BOOST_AUTO_TEST_CASE(decodes_forms) {
  BOOST_TEST((parse_form("query=up%7Bjob%3D%22a%22%7D&time=1.5") == pairs{{"query", "up{job=\"a\"}"}, {"time", "1.5"}}));
  BOOST_TEST((parse_form("match[]=a&match%5B%5D=b+c") == pairs{{"match[]", "a"}, {"match[]", "b c"}}));
  BOOST_TEST((parse_form("a&&b=&=c&d=1=2") == pairs{{"a", ""}, {"b", ""}, {"", "c"}, {"d", "1=2"}}));
  BOOST_TEST((parse_form("bad=%zz%4&pct=100%25") == pairs{{"bad", "%zz%4"}, {"pct", "100%"}}));
  BOOST_TEST(parse_form("").empty());
}

BOOST_AUTO_TEST_CASE(selector_parser_survives_mutated_input) {
  const std::string valid = R"(a.b{c="d\x41",e=~'f.*',g!~`h`,})";
  std::mt19937_64 rng(7);
  for (int i = 0; i < 3000; ++i) {
    std::string junk = valid;
    for (int k = 0; k < 3; ++k) junk[rng() % junk.size()] = "{}=~!\"'`,\\xu7 a"[rng() % 15];
    (void)parse_series_selector(junk); // must not crash
    (void)parse_form(junk);
  }
}

BOOST_AUTO_TEST_CASE(parses_integers_as_go_atoi) {
  BOOST_TEST(*parse_go_int("0") == 0);
  BOOST_TEST(*parse_go_int("+12") == 12);
  BOOST_TEST(*parse_go_int("-9223372036854775808") == INT64_MIN);
  BOOST_TEST(*parse_go_int("9223372036854775807") == INT64_MAX);
  BOOST_TEST(parse_go_int("9223372036854775808").error().message() ==
             "strconv.Atoi: parsing \"9223372036854775808\": value out of range");
  for (std::string_view bad : {"", "+", "1.5", " 1", "1_000", "0x10", "ten"})
    BOOST_TEST(parse_go_int(bad).error().message() ==
               "strconv.Atoi: parsing \"" + std::string(bad) + "\": invalid syntax");
}

BOOST_AUTO_TEST_CASE(parses_booleans_as_go_parsebool) {
  for (std::string_view t : {"1", "t", "T", "TRUE", "true", "True"}) BOOST_TEST(*parse_go_bool(t));
  for (std::string_view f : {"0", "f", "F", "FALSE", "false", "False"}) BOOST_TEST(!*parse_go_bool(f));
  BOOST_TEST(parse_go_bool("yes").error().message() == "strconv.ParseBool: parsing \"yes\": invalid syntax");
  BOOST_TEST(!parse_go_bool("tRUE"));
}

BOOST_AUTO_TEST_SUITE_END()
