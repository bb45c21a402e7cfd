#include <boost/test/unit_test.hpp>

#include "query/memory_source.hpp"

using namespace vigil;
using namespace vigil::query;

namespace {

matcher eq(std::string n, std::string v) { return *matcher::make(match_type::equal, std::move(n), std::move(v)); }

} // namespace

BOOST_AUTO_TEST_SUITE(memory_source_suite)

BOOST_AUTO_TEST_CASE(select_filters_by_matchers_and_time) {
  memory_source db;
  db.add(series{labels{{"__name__", "a"}, {"job", "x"}}, {{0, 1}, {10, 2}, {20, 3}}});
  db.add(series{labels{{"__name__", "a"}, {"job", "y"}}, {{0, 1}}});
  db.add(series{labels{{"__name__", "b"}}, {{0, 1}}});
  auto got = db.select({eq("__name__", "a")}, time_range{5, 20});
  BOOST_TEST_REQUIRE(got.size() == 1u); // job="y" has no samples in range
  BOOST_TEST(got[0].samples.size() == 2u);
  BOOST_TEST(got[0].samples.front().t == 10);
  auto re = db.select({*matcher::make(match_type::regex, "job", "x|y")}, time_range::all());
  BOOST_TEST(re.size() == 2u);
  auto ne = db.select({*matcher::make(match_type::not_equal, "job", "x")}, time_range::all());
  BOOST_TEST(ne.size() == 2u); // job="y" and b (no job label)
}

BOOST_AUTO_TEST_CASE(add_merges_samples_of_the_same_series) {
  memory_source db;
  labels l{{"__name__", "a"}};
  db.add(series{l, {{10, 1}, {30, 3}}});
  db.add(series{l, {{20, 2}, {30, 4}}});
  BOOST_TEST_REQUIRE(db.all().size() == 1u);
  const auto& smp = db.all()[0].samples;
  BOOST_TEST_REQUIRE(smp.size() == 3u);
  BOOST_TEST(smp[1].v == 2.0);
  BOOST_TEST(smp[2].v == 4.0);
  db.clear();
  BOOST_TEST(db.all().empty());
}

BOOST_AUTO_TEST_CASE(query_runs_prepare_fetch_execute) {
  memory_source db;
  db.add(series{labels{{"__name__", "a"}}, {{0, 1}, {60000, 2}}});
  auto r = db.query("a + 1", {60000, 60000, 0});
  BOOST_TEST_REQUIRE(r.has_value());
  BOOST_TEST(r->items[0].samples[0].v == 3.0);
  BOOST_TEST(!db.query("a +", {0, 0, 0}).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
