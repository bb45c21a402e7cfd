#include <boost/test/unit_test.hpp>

#include "store/shard.hpp"
#include "tests/store/shard_test_util.hpp"

using namespace vigil;
using namespace vigil::store;
using namespace vigil::store::testing;

namespace {

write_batch many_series(int n) {
  write_batch b;
  for (int i = 0; i < n; ++i)
    b.items.push_back({labels{{"__name__", "m"}, {"i", std::to_string(i)}}, {{1000, 1.0}, {2000, 2.0}}});
  return b;
}

} // namespace

BOOST_AUTO_TEST_SUITE(shard_limits)

BOOST_AUTO_TEST_CASE(select_stops_with_timeout_once_the_deadline_check_says_so) {
  shard_fixture f;
  f.append(many_series(500));
  int calls = 0;
  read_limits lim;
  lim.expired = [&] { return ++calls > 2; }; // passes the first checks, then expires
  auto r = f.sh->select({eq("__name__", "m")}, time_range::all(), lim);
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST((r.error().code() == errc::timeout));
  BOOST_TEST(calls == 3); // before the read, then every deadline_check_series series
}

BOOST_AUTO_TEST_CASE(select_fails_before_the_read_when_already_expired) {
  shard_fixture f;
  f.append(many_series(3));
  read_limits lim;
  lim.expired = [] { return true; };
  auto r = f.sh->select({eq("__name__", "m")}, time_range::all(), lim);
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST((r.error().code() == errc::timeout));
}

BOOST_AUTO_TEST_CASE(select_caps_the_samples_it_returns) {
  shard_fixture f;
  f.append(many_series(10));
  read_limits lim;
  lim.max_samples = 19;
  auto r = f.sh->select({eq("__name__", "m")}, time_range::all(), lim);
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST((r.error().code() == errc::resource_exhausted));
  lim.max_samples = 20;
  BOOST_TEST(f.sh->select({eq("__name__", "m")}, time_range::all(), lim)->size() == 10u);
}

BOOST_AUTO_TEST_CASE(thin_to_steps_keeps_the_newest_sample_at_or_before_each_step) {
  std::vector<sample> s{{5, 1}, {10, 2}, {12, 3}, {30, 4}, {31, 5}, {60, 6}};
  thin_to_steps(s, 10, 10, 50); // steps 10, 20, 30, 40, 50
  BOOST_TEST(s == std::vector<sample>({{10, 2}, {12, 3}, {30, 4}, {31, 5}}), boost::test_tools::per_element());
  std::vector<sample> one{{5, 1}, {10, 2}, {12, 3}};
  thin_to_steps(one, 11, 1, 11); // an instant query at 11
  BOOST_TEST(one == std::vector<sample>({{10, 2}}), boost::test_tools::per_element());
  std::vector<sample> none{{15, 1}};
  thin_to_steps(none, 10, 1, 10);
  BOOST_TEST(none.empty());
}

BOOST_AUTO_TEST_CASE(select_thins_to_steps_when_asked) {
  shard_fixture f;
  f.append(many_series(2));
  read_limits lim;
  lim.thin_first = 1500;
  lim.thin_step = 10000;
  auto r = f.sh->select({eq("__name__", "m")}, time_range{0, 11500}, lim); // steps 1500, 11500
  BOOST_REQUIRE(r.has_value());
  BOOST_REQUIRE_EQUAL(r->size(), 2u);
  BOOST_TEST((*r)[0].samples == std::vector<sample>({{1000, 1.0}, {2000, 2.0}}), boost::test_tools::per_element());
  r = f.sh->select({eq("__name__", "m")}, time_range{0, 1500}, lim); // step 1500 only
  BOOST_REQUIRE(r.has_value());
  BOOST_REQUIRE_EQUAL(r->size(), 2u);
  BOOST_TEST((*r)[0].samples == std::vector<sample>({{1000, 1.0}}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(select_batches_hands_over_what_select_returns_in_label_order) {
  shard_fixture f;
  f.append(many_series(25));
  write_batch other; // another name, and a series without samples in the range
  other.items.push_back({labels{{"__name__", "n"}}, {{1000, 1.0}}});
  other.items.push_back({labels{{"__name__", "m"}, {"i", "late"}}, {{90000, 1.0}}});
  f.append(other);
  const matchers ms{eq("__name__", "m")};
  const time_range range{0, 5000};
  auto want = f.sh->select(ms, range, read_limits{});
  BOOST_REQUIRE(want.has_value());
  BOOST_REQUIRE_EQUAL(want->size(), 25u);
  for (std::size_t per : {1u, 5u, 6u, 1000u}) {
    std::vector<series> got;
    std::vector<std::size_t> sizes;
    auto st = f.sh->select_batches(ms, range, read_limits{}, per, [&](std::vector<series>& b) {
      sizes.push_back(b.size());
      std::move(b.begin(), b.end(), std::back_inserter(got));
      b.clear();
      return status::ok();
    });
    BOOST_TEST_REQUIRE(st.is_ok(), st.message());
    BOOST_TEST_REQUIRE(got.size() == want->size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      BOOST_TEST((got[i].lbls == (*want)[i].lbls));
      BOOST_TEST(got[i].samples == (*want)[i].samples, boost::test_tools::per_element());
    }
    // Each series holds 2 samples: a batch closes once it holds >= per.
    const std::size_t full = (per + 1) / 2;
    for (std::size_t k = 0; k + 1 < sizes.size(); ++k) BOOST_TEST(sizes[k] == full);
  }
  // max_samples counts every batch; a sink's error stops the read.
  read_limits lim;
  lim.max_samples = 49;
  auto capped = f.sh->select_batches(ms, range, lim, 4, [](std::vector<series>&) { return status::ok(); });
  BOOST_TEST((capped.code() == errc::resource_exhausted));
  int calls = 0;
  auto stopped = f.sh->select_batches(ms, range, read_limits{}, 4, [&](std::vector<series>&) {
    return ++calls == 2 ? invalid_argument("enough") : status::ok();
  });
  BOOST_TEST(stopped.message() == "enough");
  BOOST_TEST(calls == 2);
  read_limits expired;
  expired.expired = [] { return true; };
  BOOST_TEST((f.sh->select_batches(ms, range, expired, 4, [](std::vector<series>&) { return status::ok(); }).code() ==
              errc::timeout));
}

BOOST_AUTO_TEST_SUITE_END()
