#include <boost/test/unit_test.hpp>

#include <cmath>
#include <ostream>

#include "query/lexer.hpp"

using namespace vigil::query;

namespace vigil::query {
std::ostream& operator<<(std::ostream& os, token_kind k) { return os << describe(k); }
} // namespace vigil::query

namespace {

std::vector<token> lex_ok(std::string_view q) {
  auto r = lex(q);
  BOOST_TEST_REQUIRE(r.has_value());
  return *r;
}

std::vector<token_kind> kinds(std::string_view q) {
  std::vector<token_kind> out;
  for (const auto& t : lex_ok(q)) out.push_back(t.kind);
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(lexer)

BOOST_AUTO_TEST_CASE(dotted_identifiers_are_one_token) {
  auto t = lex_ok("api.latency{endpoint=\"/users\"}");
  BOOST_TEST(t[0].kind == token_kind::identifier);
  BOOST_TEST(t[0].str == "api.latency");
  BOOST_TEST(t[1].kind == token_kind::lbrace);
  BOOST_TEST(t[4].str == "/users");
}

BOOST_AUTO_TEST_CASE(numbers_with_dots_stay_numbers) {
  auto t = lex_ok("1.5 .5 2. 1e3 0x1f 12.34e-6");
  BOOST_TEST(t[0].num == 1.5);
  BOOST_TEST(t[1].num == 0.5);
  BOOST_TEST(t[2].num == 2.0);
  BOOST_TEST(t[3].num == 1000.0);
  BOOST_TEST(t[4].num == 31.0);
  BOOST_TEST(t[5].num == 12.34e-6);
  for (int i = 0; i < 6; ++i) BOOST_TEST((t[static_cast<std::size_t>(i)].kind == token_kind::number));
}

BOOST_AUTO_TEST_CASE(inf_and_nan_are_numbers_outside_braces_only) {
  auto t = lex_ok("Inf nan {nan=\"x\"}");
  BOOST_TEST((t[0].kind == token_kind::number));
  BOOST_TEST(std::isinf(t[0].num));
  BOOST_TEST(std::isnan(t[1].num));
  BOOST_TEST((t[3].kind == token_kind::identifier));
}

BOOST_AUTO_TEST_CASE(durations_and_subquery_colons) {
  auto t = lex_ok("x[1h30m:10s]");
  BOOST_TEST((t[2].kind == token_kind::duration));
  BOOST_TEST(t[2].dur == 5400000);
  BOOST_TEST((t[3].kind == token_kind::colon));
  BOOST_TEST(t[4].dur == 10000);
  BOOST_TEST(lex_ok("x:y:z")[0].str == "x:y:z");
}

BOOST_AUTO_TEST_CASE(operators_and_positions) {
  auto k = kinds("a == b != c =~ d !~ e >= f <= g > h < i ^ j % k");
  std::vector<token_kind> want = {token_kind::identifier, token_kind::eql,       token_kind::identifier,
                                  token_kind::neq,        token_kind::identifier, token_kind::eql_regex,
                                  token_kind::identifier, token_kind::neq_regex, token_kind::identifier,
                                  token_kind::gte,        token_kind::identifier, token_kind::lte,
                                  token_kind::identifier, token_kind::gtr,       token_kind::identifier,
                                  token_kind::lss,        token_kind::identifier, token_kind::pow,
                                  token_kind::identifier, token_kind::mod,       token_kind::identifier,
                                  token_kind::eof};
  BOOST_TEST((k == want));
  auto t = lex_ok("foo  +\n bar");
  BOOST_TEST(t[1].pos == 5u);
  BOOST_TEST(t[2].pos == 8u);
}

BOOST_AUTO_TEST_CASE(strings_unescape_go_style) {
  auto t = lex_ok(R"("a\"b\n" 'c\'d' `raw\n` "\x41\u00e9")");
  BOOST_TEST(t[0].str == "a\"b\n");
  BOOST_TEST(t[1].str == "c'd");
  BOOST_TEST(t[2].str == "raw\\n");
  BOOST_TEST(t[3].str == "A\xc3\xa9");
}

BOOST_AUTO_TEST_CASE(comments_are_skipped) {
  auto k = kinds("foo # a comment\n+ 1");
  BOOST_TEST(k.size() == 4u);
}

BOOST_AUTO_TEST_CASE(errors_name_the_position) {
  auto r = lex("foo + \"unterminated");
  BOOST_TEST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().message() == "1:7: parse error: unterminated quoted string");
  auto r2 = lex("a\n  ! b");
  BOOST_TEST_REQUIRE(!r2.has_value());
  BOOST_TEST(r2.error().message().starts_with("2:3: parse error:"));
  BOOST_TEST(!lex("5x").has_value());
}

BOOST_AUTO_TEST_CASE(durations_parse_and_format) {
  BOOST_TEST(*parse_duration("1h30m") == 5400000);
  BOOST_TEST(*parse_duration("10ms") == 10);
  BOOST_TEST(*parse_duration("2d") == 172800000);
  BOOST_TEST(*parse_duration("0") == 0);
  BOOST_TEST(!parse_duration("5m1h").has_value());
  BOOST_TEST(format_duration(5400000) == "1h30m");
  BOOST_TEST(format_duration(0) == "0s");
  BOOST_TEST(format_duration(1001) == "1s1ms");
  BOOST_TEST(format_duration(14 * 86400000LL) == "2w");
}

BOOST_AUTO_TEST_SUITE_END()
