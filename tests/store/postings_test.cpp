#include "store/postings.hpp"

#include <algorithm>
#include <random>
#include <set>

#include <boost/test/unit_test.hpp>

#include "tests/store/test_print.hpp"

using namespace vigil;
using namespace vigil::store;

namespace {

postings_list random_list(std::mt19937_64& rng, std::size_t n, series_ref universe) {
  std::set<series_ref> s;
  while (s.size() < std::min<std::size_t>(n, universe)) s.insert(1 + rng() % universe);
  return {s.begin(), s.end()};
}

} // namespace

BOOST_AUTO_TEST_SUITE(postings)

BOOST_AUTO_TEST_CASE(intersect_keeps_common_refs) {
  BOOST_TEST(intersect({1, 3, 5, 7}, {2, 3, 4, 7, 9}) == postings_list({3, 7}), boost::test_tools::per_element());
  BOOST_TEST(intersect({}, {1, 2}).empty());
  BOOST_TEST(intersect({1, 2}, {3, 4}).empty());
}

BOOST_AUTO_TEST_CASE(merge_unites_without_duplicates) {
  BOOST_TEST(merge({1, 3, 5}, {2, 3, 6}) == postings_list({1, 2, 3, 5, 6}), boost::test_tools::per_element());
  BOOST_TEST(merge({}, {4}) == postings_list({4}), boost::test_tools::per_element());
  BOOST_TEST(merge_all({{5, 9}, {1}, {}, {1, 5, 7}}) == postings_list({1, 5, 7, 9}),
             boost::test_tools::per_element());
  BOOST_TEST(merge_all({}).empty());
}

BOOST_AUTO_TEST_CASE(without_removes_refs_of_the_second_list) {
  BOOST_TEST(without({1, 2, 3, 4}, {2, 4, 6}) == postings_list({1, 3}), boost::test_tools::per_element());
  BOOST_TEST(without({1, 2}, {}) == postings_list({1, 2}), boost::test_tools::per_element());
  BOOST_TEST(without({}, {1}).empty());
}

BOOST_AUTO_TEST_CASE(agree_with_std_set_on_random_lists) {
  std::mt19937_64 rng(31);
  for (int i = 0; i < 200; ++i) {
    const auto a = random_list(rng, rng() % 300, 500);
    const auto b = random_list(rng, rng() % 300, 500);
    const auto c = random_list(rng, rng() % 300, 500);
    std::set<series_ref> sa(a.begin(), a.end()), sb(b.begin(), b.end()), sc(c.begin(), c.end());
    postings_list want;
    std::set_intersection(sa.begin(), sa.end(), sb.begin(), sb.end(), std::back_inserter(want));
    BOOST_REQUIRE(intersect(a, b) == want);
    want.clear();
    std::set_difference(sa.begin(), sa.end(), sb.begin(), sb.end(), std::back_inserter(want));
    BOOST_REQUIRE(without(a, b) == want);
    std::set<series_ref> all = sa;
    all.insert(sb.begin(), sb.end());
    BOOST_REQUIRE(merge(a, b) == postings_list(all.begin(), all.end()));
    all.insert(sc.begin(), sc.end());
    const auto m = merge_all({a, b, c});
    BOOST_REQUIRE(m == postings_list(all.begin(), all.end()));
    BOOST_REQUIRE(is_postings(m));
  }
  BOOST_TEST(!is_postings({1, 1}));
  BOOST_TEST(!is_postings({2, 1}));
}

BOOST_AUTO_TEST_SUITE_END()
