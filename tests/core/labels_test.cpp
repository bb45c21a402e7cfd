#include <boost/test/unit_test.hpp>

#include "core/labels.hpp"

using namespace vigil;

BOOST_AUTO_TEST_SUITE(labels_suite)

BOOST_AUTO_TEST_CASE(sorts_dedups_and_drops_empty_values) {
  labels l{{"b", "2"}, {"a", "1"}, {"b", "3"}, {"c", ""}};
  BOOST_REQUIRE_EQUAL(l.size(), 2u);
  BOOST_CHECK_EQUAL(l.pairs()[0].name, "a");
  BOOST_CHECK_EQUAL(l.get("b"), "3");
  BOOST_CHECK(!l.has("c"));
}

BOOST_AUTO_TEST_CASE(hash_is_stable_and_order_independent) {
  labels a{{"__name__", "up"}, {"job", "x"}};
  labels b{{"job", "x"}, {"__name__", "up"}};
  BOOST_CHECK_EQUAL(a.hash(), b.hash());
  // Golden value: series placement on shards depends on it never changing.
  BOOST_CHECK_EQUAL(a.hash(), 4743573129602859101ULL);
  BOOST_CHECK_NE(a.hash(), labels({{"__name__", "upjob"}, {"x", ""}}).hash());
  BOOST_CHECK_NE(labels({{"a", "bc"}}).hash(), labels({{"ab", "c"}}).hash());
}

BOOST_AUTO_TEST_CASE(with_without_keep_only) {
  labels l{{"__name__", "m"}, {"a", "1"}, {"b", "2"}};
  BOOST_CHECK_EQUAL(l.with("c", "3").get("c"), "3");
  BOOST_CHECK_EQUAL(l.with("a", "9").get("a"), "9");
  BOOST_CHECK(!l.with("a", "").has("a"));
  BOOST_CHECK_EQUAL(l.without({"a"}).size(), 2u);
  BOOST_CHECK_EQUAL(l.keep_only({"a"}).size(), 1u);
  BOOST_CHECK_EQUAL(l.without_metric_name().metric_name(), "");
  BOOST_CHECK_EQUAL(l.to_string(), "m{a=\"1\", b=\"2\"}");
}

BOOST_AUTO_TEST_CASE(matchers_of_all_four_types) {
  auto eq = *matcher::make(match_type::equal, "a", "1");
  auto ne = *matcher::make(match_type::not_equal, "a", "1");
  auto re = *matcher::make(match_type::regex, "a", "1|2");
  auto nre = *matcher::make(match_type::not_regex, "a", "1.*");
  BOOST_CHECK(eq.matches("1") && !eq.matches("2"));
  BOOST_CHECK(!ne.matches("1") && ne.matches(""));
  BOOST_CHECK(re.matches("2") && !re.matches("12") && !re.matches(""));
  BOOST_CHECK(!nre.matches("10") && nre.matches("2"));
  BOOST_CHECK(matcher::make(match_type::regex, "a", ".*").value().matches_empty());
}

BOOST_AUTO_TEST_CASE(bad_regex_is_invalid_argument) {
  auto m = matcher::make(match_type::regex, "a", "(");
  BOOST_REQUIRE(!m);
  BOOST_CHECK(m.error().code() == errc::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
