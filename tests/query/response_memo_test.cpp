#include "query/response_memo.hpp"

#include <boost/test/unit_test.hpp>

using vigil::query::response_memo;

namespace {
response_memo::body text(std::string s) { return std::make_shared<const std::string>(std::move(s)); }
} // namespace

BOOST_AUTO_TEST_SUITE(response_memo_suite)

BOOST_AUTO_TEST_CASE(keys_tell_every_parameter_apart) {
  BOOST_TEST(response_memo::key("up", 1, 2, 3) != response_memo::key("up", 1, 2, 4));
  BOOST_TEST(response_memo::key("up", 1, 2, 3) != response_memo::key("up", 1, 3, 3));
  BOOST_TEST(response_memo::key("up", 1, 2, 3) != response_memo::key("up", 2, 2, 3));
  BOOST_TEST(response_memo::key("up", 1, 2, 3) != response_memo::key("up ", 1, 2, 3));
  BOOST_TEST(response_memo::key("1|2", 3, 4, 5) != response_memo::key("2", 3, 4, 5));
}

BOOST_AUTO_TEST_CASE(stores_answers_and_drops_those_an_invalidation_reaches) {
  response_memo m(1 << 20);
  const auto g = m.generation();
  m.put("a", 1000, text("A"), g);
  m.put("b", 5000, text("B"), g);
  BOOST_REQUIRE(m.get("a"));
  BOOST_TEST(*m.get("a") == "A");
  BOOST_TEST(m.entries() == 2u);
  m.invalidate(2000); // data at t >= 2000 landed: "b" (ends at 5000) may be stale
  BOOST_TEST(m.get("a"));
  BOOST_TEST(!m.get("b"));
  m.invalidate(1000); // reaches "a"'s last step
  BOOST_TEST(!m.get("a"));
  BOOST_TEST(m.bytes() == 0u);
}

BOOST_AUTO_TEST_CASE(an_answer_computed_before_an_invalidation_is_not_stored) {
  response_memo m(1 << 20);
  const auto g = m.generation();
  m.invalidate(1'000'000);
  m.put("a", 10, text("A"), g);
  BOOST_TEST(!m.get("a"));
  m.put("a", 10, text("A"), m.generation());
  BOOST_TEST(m.get("a"));
}

BOOST_AUTO_TEST_CASE(evicts_the_least_recently_used_beyond_its_budget) {
  response_memo m(8192);
  const std::string big(1500, 'x'); // ~1.6 kB an entry: five fit
  for (const char* k : {"a", "b", "c", "d", "e"}) m.put(k, 1, text(big), 0);
  BOOST_TEST(m.entries() == 5u);
  BOOST_TEST(m.get("a")); // a is now the most recently used
  m.put("f", 1, text(big), 0);
  BOOST_TEST(m.bytes() <= 8192u);
  BOOST_TEST(m.get("a"));
  BOOST_TEST(!m.get("b"));
  // Larger than a quarter of the budget: never stored.
  m.put("huge", 1, text(std::string(2100, 'y')), 0);
  BOOST_TEST(!m.get("huge"));
  // Storing a key again replaces it.
  m.put("a", 1, text("new"), 0);
  BOOST_TEST(*m.get("a") == "new");
}

BOOST_AUTO_TEST_SUITE_END()
