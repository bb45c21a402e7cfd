#include "api/rate_limit.hpp"

#include <cmath>

#include <boost/test/unit_test.hpp>

using namespace vigil;
using namespace vigil::api;

namespace {

/// `n` samples of one series of service `job` (or without a job when empty).
write_batch samples_of(const std::string& job, int n, const std::string& metric = "m") {
  std::vector<label> ls{{"__name__", metric}};
  if (!job.empty()) ls.push_back({"job", job});
  series s{labels(std::move(ls)), {}};
  for (int i = 0; i < n; ++i) s.samples.push_back({i, 1.0});
  return write_batch{{std::move(s)}};
}

write_batch both(write_batch a, const write_batch& b) {
  a.items.insert(a.items.end(), b.items.begin(), b.items.end());
  return a;
}

} // namespace

BOOST_AUTO_TEST_SUITE(rate_limit)

BOOST_AUTO_TEST_CASE(a_service_gets_its_burst_then_its_rate) {
  rate_limiter l({1000, 2000, "job"});
  BOOST_CHECK(!l.admit(samples_of("api", 1500), 0.0));
  auto no = l.admit(samples_of("api", 600), 0.0); // 500 left
  BOOST_REQUIRE(no);
  BOOST_CHECK_EQUAL(no->service, "api");
  BOOST_CHECK_EQUAL(no->samples, 600u);
  BOOST_CHECK_CLOSE(no->retry_after_s, 0.1, 1e-6);
  BOOST_CHECK_NE(no->message.find("job=\"api\" is over 1000 samples/s (burst 2000)"), std::string::npos);
  BOOST_CHECK_NE(no->message.find("was not stored"), std::string::npos);
  BOOST_CHECK(!l.admit(samples_of("api", 600), 0.1)); // refilled 100: exactly 600
  BOOST_CHECK(l.admit(samples_of("api", 1), 0.1));
  BOOST_CHECK(!l.admit(samples_of("api", 1000), 1.1)); // one second later
  BOOST_CHECK(!l.admit(samples_of("api", 2000), 100.0)); // never more than the burst accumulates
  BOOST_CHECK(l.admit(samples_of("api", 1), 100.0));
}

BOOST_AUTO_TEST_CASE(services_are_limited_apart) {
  rate_limiter l({100, 0, "job"}); // burst: one second of rate
  BOOST_CHECK(!l.admit(samples_of("a", 100), 0.0));
  BOOST_CHECK(l.admit(samples_of("a", 1), 0.0));
  BOOST_CHECK(!l.admit(samples_of("b", 100), 0.0));
  BOOST_CHECK(!l.admit(samples_of("", 100), 0.0)); // series without the label share one bucket
  BOOST_CHECK(l.admit(samples_of("", 1), 0.0));
  BOOST_CHECK_EQUAL(l.services(), 3u);
}

BOOST_AUTO_TEST_CASE(a_write_is_admitted_whole_or_not_at_all) {
  rate_limiter l({100, 100, "job"});
  BOOST_CHECK(!l.admit(samples_of("a", 90), 0.0));
  // b fits, a does not: nothing is taken from b either.
  auto no = l.admit(both(samples_of("b", 80), samples_of("a", 20)), 0.0);
  BOOST_REQUIRE(no);
  BOOST_CHECK_EQUAL(no->service, "a");
  BOOST_CHECK(!l.admit(samples_of("b", 100), 0.0));
  // Samples of one service in several series add up.
  rate_limiter m({100, 100, "job"});
  BOOST_CHECK(m.admit(both(samples_of("c", 60, "x"), samples_of("c", 60, "y")), 0.0));
  BOOST_CHECK(!m.admit(both(samples_of("c", 50, "x"), samples_of("c", 50, "y")), 0.0));
}

BOOST_AUTO_TEST_CASE(a_write_larger_than_the_burst_never_fits_and_says_so) {
  rate_limiter l({100, 100, "job"});
  auto no = l.admit(samples_of("a", 101), 0.0);
  BOOST_REQUIRE(no);
  BOOST_CHECK(std::isinf(no->retry_after_s));
  BOOST_CHECK_NE(no->message.find("more than its burst of 100 samples"), std::string::npos);
  BOOST_CHECK_NE(no->message.find("send smaller batches"), std::string::npos);
}

BOOST_AUTO_TEST_CASE(another_service_label_and_no_limit) {
  rate_limiter l({10, 10, "team"});
  write_batch b{{series{labels{{"__name__", "m"}, {"team", "x"}, {"job", "j"}}, {{1, 1}, {2, 1}, {3, 1}}}}};
  BOOST_CHECK(!l.admit(b, 0.0));
  BOOST_CHECK(!l.admit(b, 0.0));
  BOOST_CHECK(!l.admit(b, 0.0));
  auto no = l.admit(b, 0.0);
  BOOST_REQUIRE(no);
  BOOST_CHECK_EQUAL(no->service, "x");
  rate_limiter off({0, 0, "job"});
  BOOST_CHECK(!off.enabled());
  BOOST_CHECK(!off.admit(samples_of("a", 1'000'000), 0.0));
}

BOOST_AUTO_TEST_SUITE_END()
