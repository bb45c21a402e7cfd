#include <boost/test/unit_test.hpp>

#include "store/shard.hpp"
#include "tests/store/shard_test_util.hpp"

using namespace vigil;
using namespace vigil::store;
using namespace vigil::store::testing;

namespace {

series user_series(const char* metric, int user, const char* job = "api", timestamp_ms t = 1000) {
  return series{labels{{"__name__", metric}, {"job", job}, {"user", std::to_string(user)}}, {{t, 1}, {t + 1000, 2}}};
}

} // namespace

BOOST_AUTO_TEST_SUITE(cardinality_limits)

BOOST_AUTO_TEST_CASE(new_series_over_the_metric_limit_are_rejected_naming_the_label) {
  shard_fixture f;
  f.opts.max_series_per_metric = 3;
  f.reopen();
  write_batch b;
  for (int u = 0; u < 5; ++u) b.items.push_back(user_series("logins", u));
  b.items.push_back(user_series("other", 0));
  const auto st = f.append(b);
  BOOST_TEST(st.new_series == 4u);  // 3 logins + other
  BOOST_TEST(st.limited == 4u);     // 2 series x 2 samples
  BOOST_TEST(st.appended == 8u);
  BOOST_TEST(st.limit_error.find("metric \"logins\" reached its limit of 3") != std::string::npos, st.limit_error);
  BOOST_TEST(st.limit_error.find("label \"user\" has the most values") != std::string::npos, st.limit_error);
  // Known series keep ingesting; the counts survive a reopen.
  f.reopen();
  const auto again = f.append({{user_series("logins", 0, "api", 5000), user_series("logins", 9, "api", 5000)}});
  BOOST_TEST(again.appended == 2u);
  BOOST_TEST(again.limited == 2u);
  BOOST_TEST(f.sh->stats().series == 4u);
}

BOOST_AUTO_TEST_CASE(the_service_limit_counts_every_metric_of_a_service) {
  shard_fixture f;
  f.opts.max_series_per_service = 2;
  f.reopen();
  const auto st = f.append({{user_series("a", 0, "shop"), user_series("b", 0, "shop"), user_series("c", 0, "shop"),
                             user_series("c", 0, "search")}});
  BOOST_TEST(st.new_series == 3u);
  BOOST_TEST(st.limit_error.find("job \"shop\" reached its limit of 2") != std::string::npos, st.limit_error);
}

BOOST_AUTO_TEST_CASE(series_removed_by_retention_free_their_slot) {
  shard_fixture f;
  f.opts.max_series_per_metric = 1;
  f.reopen();
  f.append({{user_series("m", 0, "api", 1000)}});
  BOOST_TEST(f.append({{user_series("m", 1, "api", 1000)}}).limited == 2u);
  retention_policy p;
  p.default_keep_ms = 1000;
  auto r = f.sh->retention_step(p, 1'000'000, 0, 100);
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(r->series_deleted == 1u);
  BOOST_TEST(f.append({{user_series("m", 1, "api", 1'000'000)}}).new_series == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
