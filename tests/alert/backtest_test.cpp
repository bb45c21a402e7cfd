#include <boost/test/unit_test.hpp>

#include <optional>

#include "alert/backtest.hpp"

using namespace vigil;
using namespace vigil::alert;

namespace {

constexpr timestamp_ms m = 60'000; // one minute: the evaluation interval of these tests

/// A series with a point at i * m for every present value (nullopt: no point,
/// i.e. the rule's expression did not return the series then).
series_points points_of(labels l, const std::vector<std::optional<double>>& values) {
  series_points s{std::move(l), {}};
  for (std::size_t i = 0; i < values.size(); ++i)
    if (values[i]) s.points.push_back({static_cast<timestamp_ms>(i) * m, *values[i]});
  return s;
}

/// Evaluation times 0, m, ..., (n - 1) * m.
std::vector<timestamp_ms> minutes(int n) { return evaluation_times({0, (n - 1) * m}, m); }

alerting_rule make_rule(timestamp_ms for_ms, timestamp_ms keep_ms = 0, labels extra = {}) {
  return {"High", "x > 1", for_ms, keep_ms, std::move(extra), {}};
}

backtest_report run(const alerting_rule& r, int n, const std::vector<series_points>& matrix,
                    std::uint32_t limit = 0) {
  backtest b(r, limit);
  b.replay(minutes(n), matrix);
  return b.report();
}

const labels x_a{{"__name__", "x"}, {"instance", "a"}};
const labels x_b{{"__name__", "x"}, {"instance", "b"}};
const labels alert_a{{"alertname", "High"}, {"instance", "a"}};
const labels alert_b{{"alertname", "High"}, {"instance", "b"}};
constexpr std::nullopt_t _ = std::nullopt;

transition change(const labels& l, alert_state from, alert_state to, double v, timestamp_ms at) {
  return {l, from, to, from == alert_state::firing && to == alert_state::inactive, v, at};
}

constexpr auto inactive = alert_state::inactive;
constexpr auto pending = alert_state::pending;
constexpr auto firing = alert_state::firing;

} // namespace

BOOST_AUTO_TEST_SUITE(backtest_suite)

BOOST_AUTO_TEST_CASE(split_range_keeps_windows_within_the_point_limit) {
  auto w = split_range(0, 25, 1, 10);
  BOOST_REQUIRE_EQUAL(w.size(), 3u);
  BOOST_CHECK(w[0] == (eval_window{0, 9}));
  BOOST_CHECK(w[1] == (eval_window{10, 19}));
  BOOST_CHECK(w[2] == (eval_window{20, 25}));
  BOOST_CHECK_EQUAL(split_range(0, 9, 1, 10).size(), 1u);
  BOOST_CHECK(split_range(5, 4, 1, 10).empty());
  BOOST_CHECK(split_range(7, 7, 1, 10) == (std::vector<eval_window>{{7, 7}}));
}

BOOST_AUTO_TEST_CASE(split_range_stops_at_the_last_step_before_to) {
  auto w = split_range(0, 10 * m + 30'000, m, backtest_max_points);
  BOOST_REQUIRE_EQUAL(w.size(), 1u);
  BOOST_CHECK_EQUAL(w[0].last, 10 * m);
  // A day at 1s: 86,401 times in windows of 11,000 that tile without gaps.
  auto day = split_range(0, 86'400'000, 1'000);
  BOOST_REQUIRE_EQUAL(day.size(), 8u);
  for (std::size_t i = 1; i < day.size(); ++i) BOOST_CHECK_EQUAL(day[i].first, day[i - 1].last + 1'000);
  for (const auto& x : day) BOOST_CHECK_LE((x.last - x.first) / 1'000 + 1, backtest_max_points);
  BOOST_CHECK_EQUAL(day.back().last, 86'400'000);
}

BOOST_AUTO_TEST_CASE(halve_splits_a_window_without_losing_a_time) {
  auto [a, b] = halve({0, 4 * m}, m); // 5 times
  BOOST_CHECK(a == (eval_window{0, 2 * m}));
  BOOST_CHECK(b == (eval_window{3 * m, 4 * m}));
  auto [c, d] = halve({m, 2 * m}, m);
  BOOST_CHECK(c == (eval_window{m, m}));
  BOOST_CHECK(d == (eval_window{2 * m, 2 * m}));
}

BOOST_AUTO_TEST_CASE(fires_after_for_and_resolves_when_the_condition_ends) {
  auto r = run(make_rule(2 * m), 10, {points_of(x_a, {_, _, 5, 6, 7, 8, 9, 10, _, _})});
  std::vector<transition> want{change(alert_a, inactive, pending, 5, 2 * m),
                               change(alert_a, pending, firing, 7, 4 * m),
                               change(alert_a, firing, inactive, 10, 8 * m)};
  BOOST_CHECK(r.timeline == want);
  BOOST_REQUIRE_EQUAL(r.alerts.size(), 1u);
  BOOST_CHECK_EQUAL(r.alerts[0].times_pending, 1u);
  BOOST_CHECK_EQUAL(r.alerts[0].times_fired, 1u);
  BOOST_CHECK_EQUAL(r.alerts[0].firing_ms, 4 * m);
  BOOST_CHECK(r.alerts[0].state_at_end == inactive);
  BOOST_CHECK_EQUAL(r.evaluations, 10u);
  BOOST_CHECK_EQUAL(r.last_evaluation, 9 * m);
  BOOST_CHECK_EQUAL(r.failed, 0u);
}

BOOST_AUTO_TEST_CASE(short_excursion_goes_pending_but_never_fires) {
  auto r = run(make_rule(5 * m), 8, {points_of(x_a, {_, 2, 3, 4, _, _, _, _})});
  std::vector<transition> want{change(alert_a, inactive, pending, 2, m),
                               change(alert_a, pending, inactive, 4, 4 * m)};
  BOOST_CHECK(r.timeline == want);
  BOOST_CHECK_EQUAL(r.alerts[0].times_pending, 1u);
  BOOST_CHECK_EQUAL(r.times_fired(), 0u);
  BOOST_CHECK_EQUAL(r.firing_ms(), 0);
}

BOOST_AUTO_TEST_CASE(alert_active_at_the_start_goes_pending_at_the_start) {
  // State before the first evaluation is unknown: the alert starts inactive.
  auto r = run(make_rule(3 * m), 5, {points_of(x_a, {9, 9, 9, 9, 9})});
  BOOST_REQUIRE_EQUAL(r.timeline.size(), 2u);
  BOOST_CHECK(r.timeline[0] == change(alert_a, inactive, pending, 9, 0));
  BOOST_CHECK(r.timeline[1] == change(alert_a, pending, firing, 9, 3 * m));
  BOOST_CHECK(r.alerts[0].state_at_end == firing);
  BOOST_CHECK_EQUAL(r.alerts[0].firing_ms, m); // 3m .. 4m, the last evaluation
  BOOST_CHECK_EQUAL(r.firing_at_end(), 1u);
}

BOOST_AUTO_TEST_CASE(for_zero_fires_at_once_as_one_change) {
  auto r = run(make_rule(0), 4, {points_of(x_a, {_, 3, _, _})});
  std::vector<transition> want{change(alert_a, inactive, firing, 3, m),
                               change(alert_a, firing, inactive, 3, 2 * m)};
  BOOST_CHECK(r.timeline == want);
  BOOST_CHECK_EQUAL(r.alerts[0].times_pending, 1u);
  BOOST_CHECK_EQUAL(r.alerts[0].times_fired, 1u);
  BOOST_CHECK_EQUAL(r.alerts[0].firing_ms, m);
}

BOOST_AUTO_TEST_CASE(keep_firing_for_bridges_short_gaps) {
  // Firing from 0; gap at 3m-4m is bridged; gone from 7m, resolved 3m later.
  auto r = run(make_rule(0, 3 * m), 12, {points_of(x_a, {1, 1, 1, _, _, 2, 2, _, _, _, _, _})});
  std::vector<transition> want{change(alert_a, inactive, firing, 1, 0),
                               change(alert_a, firing, inactive, 2, 10 * m)};
  BOOST_CHECK(r.timeline == want);
  BOOST_CHECK_EQUAL(r.alerts[0].times_fired, 1u);
  BOOST_CHECK_EQUAL(r.alerts[0].firing_ms, 10 * m);
}

BOOST_AUTO_TEST_CASE(flapping_counts_each_firing_spell) {
  auto r = run(make_rule(0), 8, {points_of(x_a, {1, 1, _, 1, 1, _, 1, 1})});
  BOOST_CHECK_EQUAL(r.timeline.size(), 5u);
  BOOST_REQUIRE_EQUAL(r.alerts.size(), 1u);
  BOOST_CHECK_EQUAL(r.alerts[0].times_fired, 3u);
  BOOST_CHECK_EQUAL(r.alerts[0].firing_ms, 2 * m + 2 * m + m); // the last spell runs to 7m
  BOOST_CHECK(r.alerts[0].state_at_end == firing);
}

BOOST_AUTO_TEST_CASE(flapping_within_for_never_fires) {
  auto r = run(make_rule(2 * m), 8, {points_of(x_a, {1, 1, _, 1, 1, _, 1, 1})});
  BOOST_CHECK_EQUAL(r.times_fired(), 0u);
  BOOST_CHECK_EQUAL(r.alerts[0].times_pending, 3u);
  BOOST_CHECK(r.alerts[0].state_at_end == pending);
}

BOOST_AUTO_TEST_CASE(gaps_in_data_end_the_alert_and_off_grid_points_are_ignored) {
  auto s = points_of(x_a, {1, 1, 1, _, _, 1, 1, 1});
  s.points.insert(s.points.begin() + 3, sample{3 * m + 30'000, 1}); // between two evaluations
  auto r = run(make_rule(m), 8, {s});
  std::vector<transition> want{change(alert_a, inactive, pending, 1, 0),
                               change(alert_a, pending, firing, 1, m),
                               change(alert_a, firing, inactive, 1, 3 * m),
                               change(alert_a, inactive, pending, 1, 5 * m),
                               change(alert_a, pending, firing, 1, 6 * m)};
  BOOST_CHECK(r.timeline == want);
  BOOST_CHECK_EQUAL(r.alerts[0].times_fired, 2u);
  BOOST_CHECK_EQUAL(r.alerts[0].firing_ms, 2 * m + m);
}

BOOST_AUTO_TEST_CASE(several_series_are_separate_alerts_in_time_order) {
  auto r = run(make_rule(m), 6, {points_of(x_b, {5, 5, 5, _, _, _}), points_of(x_a, {_, 7, 7, 7, _, _})});
  std::vector<transition> want{change(alert_b, inactive, pending, 5, 0),
                               change(alert_a, inactive, pending, 7, m),
                               change(alert_b, pending, firing, 5, m),
                               change(alert_a, pending, firing, 7, 2 * m),
                               change(alert_b, firing, inactive, 5, 3 * m),
                               change(alert_a, firing, inactive, 7, 4 * m)};
  BOOST_CHECK(r.timeline == want);
  BOOST_REQUIRE_EQUAL(r.alerts.size(), 2u);
  BOOST_CHECK(r.alerts[0].lbls == alert_a); // by labels
  BOOST_CHECK(r.alerts[1].lbls == alert_b);
  BOOST_CHECK_EQUAL(r.times_fired(), 2u);
  BOOST_CHECK_EQUAL(r.firing_ms(), 4 * m);
}

BOOST_AUTO_TEST_CASE(label_templates_build_alert_labels_as_live_evaluation) {
  labels extra{{"severity", "page"}, {"where", "{{ $labels.instance }}"}, {"level", "{{ $value }}"}};
  auto r = run(make_rule(0, 0, extra), 3, {points_of(x_a, {1, 2, _})});
  const labels l1{{"alertname", "High"}, {"instance", "a"}, {"level", "1"}, {"severity", "page"}, {"where", "a"}};
  const labels l2 = l1.with("level", "2");
  // A label that changes with the value makes a new alert, as in Prometheus.
  std::vector<transition> want{change(l1, inactive, firing, 1, 0), change(l1, firing, inactive, 1, m),
                               change(l2, inactive, firing, 2, m), change(l2, firing, inactive, 2, 2 * m)};
  BOOST_CHECK(r.timeline == want);
  BOOST_CHECK_EQUAL(r.alerts.size(), 2u);
}

BOOST_AUTO_TEST_CASE(colliding_alert_labels_fail_the_evaluation_and_keep_the_state) {
  // At 1m two series differ only in __name__: the evaluation fails, and the
  // firing alert neither resolves nor changes.
  const labels y_a{{"__name__", "y"}, {"instance", "a"}};
  auto r = run(make_rule(0), 4, {points_of(x_a, {1, 1, 1, _}), points_of(y_a, {_, 1, _, _})});
  std::vector<transition> want{change(alert_a, inactive, firing, 1, 0),
                               change(alert_a, firing, inactive, 1, 3 * m)};
  BOOST_CHECK(r.timeline == want);
  BOOST_CHECK_EQUAL(r.evaluations, 4u);
  BOOST_CHECK_EQUAL(r.failed, 1u);
  BOOST_CHECK_EQUAL(r.first_error_at, m);
  BOOST_CHECK(r.first_error.find("same labelset") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(exceeding_the_group_limit_fails_the_evaluation) {
  auto r = run(make_rule(0), 3, {points_of(x_a, {1, 1, 1}), points_of(x_b, {_, 1, _})}, 1);
  BOOST_CHECK_EQUAL(r.failed, 1u);
  BOOST_CHECK_EQUAL(r.first_error, "exceeded limit of 1 with 2 alerts");
  BOOST_CHECK_EQUAL(r.alerts.size(), 1u); // b never became an alert
}

BOOST_AUTO_TEST_CASE(replaying_in_windows_equals_replaying_at_once) {
  const std::vector<std::optional<double>> va{1, 1, _, 1, 1, 1, _, _, 1, 1, 1, 1, _};
  const std::vector<std::optional<double>> vb{_, 2, 2, 2, _, 2, 2, 2, 2, _, _, 2, 2};
  const int n = static_cast<int>(va.size());
  auto whole = run(make_rule(m, m), n, {points_of(x_a, va), points_of(x_b, vb)});
  backtest b(make_rule(m, m));
  for (const auto& w : split_range(0, (n - 1) * m, m, 4)) {
    std::vector<series_points> part; // what one range query over `w` returns
    for (const auto& s : {points_of(x_a, va), points_of(x_b, vb)}) {
      series_points p{s.lbls, {}};
      for (const auto& pt : s.points)
        if (pt.t >= w.first && pt.t <= w.last) p.points.push_back(pt);
      if (!p.points.empty()) part.push_back(std::move(p));
    }
    b.replay(evaluation_times(w, m), part);
  }
  auto split = b.report();
  BOOST_CHECK(split.timeline == whole.timeline);
  BOOST_CHECK(split.alerts == whole.alerts);
  BOOST_CHECK_EQUAL(split.evaluations, whole.evaluations);
  BOOST_CHECK(!whole.timeline.empty());
}

BOOST_AUTO_TEST_CASE(no_data_means_no_alerts) {
  auto r = run(make_rule(m), 5, {});
  BOOST_CHECK(r.timeline.empty());
  BOOST_CHECK(r.alerts.empty());
  BOOST_CHECK_EQUAL(r.evaluations, 5u);
}

BOOST_AUTO_TEST_SUITE_END()
