#include <boost/test/unit_test.hpp>

#include "alert/group_state.hpp"

using namespace vigil;

BOOST_AUTO_TEST_SUITE(group_state)

BOOST_AUTO_TEST_CASE(overrun_rounds_are_caught_up_at_their_times_then_skipped) {
  alert::rule_group g;
  g.name = "g";
  g.interval_ms = 1000;
  alert::group_state st(g, {}, 2);
  // A round at t=10000 that finished at 10500: on time.
  BOOST_CHECK_EQUAL(st.finish_round(10000, 0.5, 10500), 11000);
  // A round at 11000 that took 1.5 s: the round at 12000 is caught up late.
  BOOST_CHECK_EQUAL(st.finish_round(11000, 1.5, 12500), 12000);
  BOOST_CHECK_EQUAL(st.status().counters.caught_up, 1u);
  // A round that took 5.2 s: 5 rounds are due, 2 are caught up, 3 skipped.
  BOOST_CHECK_EQUAL(st.finish_round(12000, 5.2, 17200), 16000);
  auto c = st.status().counters;
  BOOST_CHECK_EQUAL(c.skipped, 3u);
  BOOST_CHECK_EQUAL(c.caught_up, 2u);
  BOOST_CHECK_EQUAL(c.missed(), 5u);
  BOOST_CHECK_EQUAL(c.iterations, 3u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(group_state_results)

BOOST_AUTO_TEST_CASE(partial_or_failed_results_never_step_the_state_machine) {
  alert::rule_group g;
  g.name = "g";
  alert::alerting_rule a;
  a.name = "A";
  a.expr = "x > 1";
  g.rules.push_back({a, 1});
  alert::group_state st(g, {}, 3);
  query::query_result firing;
  firing.items.push_back({labels{{"__name__", "x"}}, {{1000, 5}}});
  st.apply(0, 1000, firing, 0);
  BOOST_REQUIRE_EQUAL(st.states().at(0).second.alerts.size(), 1u);
  query::query_result partial; // empty (would resolve) but with a warning
  partial.warnings.push_back("shard 1 left out");
  st.apply(0, 2000, partial, 0);
  st.apply(0, 3000, result<query::query_result>(unavailable("shard 0 is unavailable")), 0);
  auto v = st.status();
  BOOST_CHECK(v.rules[0].health == alert::rule_health::err);
  BOOST_CHECK_EQUAL(v.counters.failures, 2u);
  BOOST_REQUIRE_EQUAL(v.rules[0].alerts.size(), 1u);
  BOOST_CHECK(v.rules[0].alerts[0].instance.state == alert::alert_state::firing);
  BOOST_CHECK(st.alert_series(3000).items.empty()); // nothing written for a failed rule
  st.apply(0, 4000, query::query_result{}, 0);      // a complete empty answer resolves
  BOOST_CHECK(st.status().rules[0].alerts[0].instance.state == alert::alert_state::inactive);
}

BOOST_AUTO_TEST_SUITE_END()
