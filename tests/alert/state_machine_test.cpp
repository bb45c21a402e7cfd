#include <boost/test/unit_test.hpp>

#include "alert/state_machine.hpp"

using namespace vigil;
using namespace vigil::alert;

namespace {

const labels a1{{"alertname", "HighLatency"}, {"endpoint", "/users"}};
const labels a2{{"alertname", "HighLatency"}, {"endpoint", "/orders"}};

constexpr timestamp_ms s = 1000;
constexpr timestamp_ms m = 60 * s;

std::vector<alert_sample> fire(std::initializer_list<labels> ls, double v = 500) {
  std::vector<alert_sample> out;
  for (const auto& l : ls) out.push_back({l, v});
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(state_machine_suite)

BOOST_AUTO_TEST_CASE(fires_at_once_without_for) {
  state_machine sm(0, 0);
  auto t = sm.step(0, fire({a1}));
  BOOST_REQUIRE_EQUAL(t.size(), 2u);
  BOOST_CHECK(t[0].to == alert_state::pending);
  BOOST_CHECK(t[1].to == alert_state::firing);
  BOOST_CHECK(sm.alerts().at(a1).state == alert_state::firing);
}

BOOST_AUTO_TEST_CASE(pending_until_for_elapses_then_firing) {
  state_machine sm(5 * m, 0);
  auto t = sm.step(0, fire({a1}));
  BOOST_REQUIRE_EQUAL(t.size(), 1u);
  BOOST_CHECK(t[0].to == alert_state::pending);
  BOOST_CHECK(sm.step(4 * m, fire({a1})).empty());
  t = sm.step(5 * m, fire({a1}));
  BOOST_REQUIRE_EQUAL(t.size(), 1u);
  BOOST_CHECK(t[0].from == alert_state::pending && t[0].to == alert_state::firing);
  BOOST_CHECK_EQUAL(sm.alerts().at(a1).active_at, 0);
  BOOST_CHECK_EQUAL(sm.alerts().at(a1).fired_at, 5 * m);
}

BOOST_AUTO_TEST_CASE(pending_that_disappears_is_dropped_without_resolution) {
  state_machine sm(5 * m, 0);
  sm.step(0, fire({a1}));
  auto t = sm.step(15 * s, {});
  BOOST_REQUIRE_EQUAL(t.size(), 1u);
  BOOST_CHECK(!t[0].resolved);
  BOOST_CHECK(sm.alerts().empty());
  // Coming back starts the hold time again.
  sm.step(30 * s, fire({a1}));
  BOOST_CHECK(sm.step(5 * m, fire({a1})).empty());
  BOOST_CHECK_EQUAL(sm.step(5 * m + 30 * s, fire({a1})).size(), 1u);
}

BOOST_AUTO_TEST_CASE(firing_that_disappears_resolves_and_is_kept_for_retention) {
  state_machine sm(0, 0, 15 * m);
  sm.step(0, fire({a1, a2}));
  auto t = sm.step(15 * s, fire({a2}));
  BOOST_REQUIRE_EQUAL(t.size(), 1u);
  BOOST_CHECK(t[0].resolved);
  BOOST_CHECK(t[0].lbls == a1);
  BOOST_CHECK(sm.alerts().at(a1).state == alert_state::inactive);
  BOOST_CHECK_EQUAL(sm.alerts().at(a1).resolved_at, 15 * s);
  sm.step(15 * s + 15 * m, fire({a2}));
  BOOST_CHECK(!sm.alerts().contains(a1));
  BOOST_CHECK(sm.alerts().contains(a2));
}

BOOST_AUTO_TEST_CASE(resolved_alert_that_returns_starts_pending_again) {
  state_machine sm(1 * m, 0);
  sm.step(0, fire({a1}));
  sm.step(1 * m, fire({a1}));
  sm.step(2 * m, {});
  auto t = sm.step(3 * m, fire({a1}));
  BOOST_REQUIRE_EQUAL(t.size(), 1u);
  BOOST_CHECK(t[0].from == alert_state::inactive && t[0].to == alert_state::pending);
  BOOST_CHECK_EQUAL(sm.alerts().at(a1).active_at, 3 * m);
}

BOOST_AUTO_TEST_CASE(keep_firing_for_holds_a_firing_alert) {
  state_machine sm(0, 2 * m);
  sm.step(0, fire({a1}));
  BOOST_CHECK(sm.step(1 * m, {}).empty());
  BOOST_CHECK(sm.step(2 * m, {}).empty());
  auto t = sm.step(3 * m, {});
  BOOST_REQUIRE_EQUAL(t.size(), 1u);
  BOOST_CHECK(t[0].resolved);
}

BOOST_AUTO_TEST_CASE(keep_firing_for_resets_when_the_condition_returns) {
  state_machine sm(0, 2 * m);
  sm.step(0, fire({a1}));
  sm.step(1 * m, {});
  sm.step(2 * m, fire({a1}));
  BOOST_CHECK(sm.step(3 * m, {}).empty());
  BOOST_CHECK(sm.step(4 * m, {}).empty());
  BOOST_CHECK_EQUAL(sm.step(5 * m, {}).size(), 1u);
}

BOOST_AUTO_TEST_CASE(value_tracks_the_last_evaluation) {
  state_machine sm(0, 0);
  sm.step(0, fire({a1}, 500));
  sm.step(15 * s, fire({a1}, 650));
  BOOST_CHECK_EQUAL(sm.alerts().at(a1).value, 650);
}

BOOST_AUTO_TEST_CASE(restore_keeps_firing_and_pending_times) {
  state_machine sm(5 * m, 0);
  sm.step(0, fire({a1}));
  sm.step(5 * m, fire({a1}));
  sm.step(6 * m, fire({a1, a2}));
  std::vector<alert_instance> saved;
  for (const auto& [l, a] : sm.alerts()) saved.push_back(a);
  state_machine after(5 * m, 0);
  after.restore(saved);
  // Still firing (no new pending -> firing transition), a2 keeps its clock.
  BOOST_CHECK(after.step(7 * m, fire({a1, a2})).empty());
  auto t = after.step(11 * m, fire({a1, a2}));
  BOOST_REQUIRE_EQUAL(t.size(), 1u);
  BOOST_CHECK(t[0].lbls == a2 && t[0].to == alert_state::firing);
}

BOOST_AUTO_TEST_SUITE_END()
