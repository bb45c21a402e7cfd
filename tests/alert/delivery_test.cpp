#include <boost/test/unit_test.hpp>

#include "alert/delivery.hpp"

using namespace vigil::alert;

BOOST_AUTO_TEST_SUITE(delivery)

BOOST_AUTO_TEST_CASE(backoff_grows_exponentially_with_bounded_jitter_and_cap) {
  retry_policy p;
  BOOST_CHECK_EQUAL(retry_delay(p, 1, 0.5), 1'000);
  BOOST_CHECK_EQUAL(retry_delay(p, 2, 0.5), 2'000);
  BOOST_CHECK_EQUAL(retry_delay(p, 4, 0.5), 8'000);
  BOOST_CHECK_EQUAL(retry_delay(p, 30, 0.5), p.max_ms);
  BOOST_CHECK_EQUAL(retry_delay(p, 1, 0.0), 800);
  BOOST_CHECK(retry_delay(p, 1, 0.999) <= 1'200);
}

BOOST_AUTO_TEST_CASE(breaker_opens_after_threshold_and_half_opens_after_the_period) {
  circuit_breaker b(3, 30'000);
  for (int i = 0; i < 3; ++i) {
    BOOST_CHECK(b.allow(0));
    b.on_failure(0);
  }
  BOOST_CHECK(b.current() == circuit_breaker::state::open);
  BOOST_CHECK(!b.allow(10'000));
  BOOST_CHECK(b.allow(30'000)); // one trial
  BOOST_CHECK(!b.allow(30'001)); // only one at a time
  b.on_failure(30'002);
  BOOST_CHECK(b.current() == circuit_breaker::state::open);
  BOOST_CHECK(!b.allow(40'000));
  BOOST_CHECK(b.allow(60'002));
  b.on_success();
  BOOST_CHECK(b.current() == circuit_breaker::state::closed);
  BOOST_CHECK(b.allow(60'003));
}

BOOST_AUTO_TEST_CASE(success_resets_the_failure_count) {
  circuit_breaker b(3, 1'000);
  b.on_failure(0);
  b.on_failure(0);
  b.on_success();
  b.on_failure(0);
  b.on_failure(0);
  BOOST_CHECK(b.current() == circuit_breaker::state::closed);
}

BOOST_AUTO_TEST_SUITE_END()
