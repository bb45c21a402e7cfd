#include <boost/test/unit_test.hpp>

#include <random>

#include "alert/dispatcher.hpp"

using namespace vigil;
using namespace vigil::alert;

namespace {

constexpr timestamp_ms s = 1000, m = 60 * s, h = 60 * m;

matcher eq(std::string n, std::string v) { return *matcher::make(match_type::equal, n, v); }

notified_alert firing(labels l, timestamp_ms t = 0) { return {std::move(l), {}, true, t, 0, 1}; }
notified_alert resolved(labels l, timestamp_ms t) { return {std::move(l), {}, false, 0, t, 1}; }

const labels web1{{"alertname", "Down"}, {"job", "web"}, {"instance", "1"}, {"severity", "page"}};
const labels web2{{"alertname", "Down"}, {"job", "web"}, {"instance", "2"}, {"severity", "page"}};
const labels db1{{"alertname", "Down"}, {"job", "db"}, {"instance", "1"}, {"severity", "info"}};

route simple_root() {
  route r;
  r.receiver = "default";
  r.group_by = std::vector<std::string>{"alertname", "job"};
  r.group_wait = 30 * s;
  r.group_interval = 5 * m;
  r.repeat_interval = 4 * h;
  return r;
}

} // namespace

BOOST_AUTO_TEST_SUITE(dispatcher_suite)

BOOST_AUTO_TEST_CASE(waits_group_wait_then_sends_the_whole_group_once) {
  dispatcher d(simple_root(), {});
  d.update(0, {firing(web1)}, {});
  BOOST_CHECK(d.due(10 * s).empty());
  d.update(15 * s, {firing(web1), firing(web2)}, {});
  auto n = d.due(30 * s);
  BOOST_REQUIRE_EQUAL(n.size(), 1u);
  BOOST_CHECK_EQUAL(n[0].receiver, "default");
  BOOST_CHECK_EQUAL(n[0].alerts.size(), 2u);
  BOOST_CHECK_EQUAL(n[0].group_labels.get("job"), "web");
  // Nothing changed: nothing at the next group_interval.
  d.update(1 * m, {firing(web1), firing(web2)}, {});
  BOOST_CHECK(d.due(30 * s + 5 * m).empty());
}

BOOST_AUTO_TEST_CASE(groups_by_labels) {
  dispatcher d(simple_root(), {});
  d.update(0, {firing(web1), firing(db1)}, {});
  BOOST_CHECK_EQUAL(d.due(30 * s).size(), 2u);
}

BOOST_AUTO_TEST_CASE(changes_are_sent_at_group_interval_and_resolutions_once) {
  dispatcher d(simple_root(), {});
  d.update(0, {firing(web1)}, {});
  BOOST_REQUIRE_EQUAL(d.due(30 * s).size(), 1u);
  d.update(1 * m, {firing(web1), firing(web2)}, {});
  BOOST_CHECK(d.due(2 * m).empty()); // not before group_interval
  auto n = d.due(30 * s + 5 * m);
  BOOST_REQUIRE_EQUAL(n.size(), 1u);
  BOOST_CHECK_EQUAL(n[0].alerts.size(), 2u);
  d.update(6 * m, {firing(web2), resolved(web1, 6 * m)}, {});
  n = d.due(30 * s + 10 * m);
  BOOST_REQUIRE_EQUAL(n.size(), 1u);
  BOOST_REQUIRE_EQUAL(n[0].alerts.size(), 2u);
  BOOST_CHECK(n[0].alerts[0].firing && !n[0].alerts[1].firing);
  BOOST_CHECK(n[0].alerts[1].lbls == web1);
  // The resolution is not sent again.
  d.update(11 * m, {firing(web2), resolved(web1, 6 * m)}, {});
  BOOST_CHECK(d.due(30 * s + 15 * m).empty());
}

BOOST_AUTO_TEST_CASE(repeats_unchanged_firing_groups_after_repeat_interval) {
  dispatcher d(simple_root(), {});
  d.update(0, {firing(web1)}, {});
  BOOST_REQUIRE_EQUAL(d.due(30 * s).size(), 1u);
  for (timestamp_ms t = 30 * s + 5 * m; t < 30 * s + 4 * h; t += 5 * m) {
    d.update(t, {firing(web1)}, {});
    BOOST_CHECK(d.due(t).empty());
  }
  d.update(30 * s + 4 * h, {firing(web1)}, {});
  BOOST_CHECK_EQUAL(d.due(30 * s + 4 * h).size(), 1u);
}

BOOST_AUTO_TEST_CASE(resolved_alert_never_notified_as_firing_is_not_sent) {
  dispatcher d(simple_root(), {});
  d.update(0, {resolved(web1, 0)}, {});
  BOOST_CHECK(d.due(30 * s).empty());
  BOOST_CHECK_EQUAL(d.group_count(), 0u);
}

BOOST_AUTO_TEST_CASE(silenced_alerts_are_not_sent) {
  dispatcher d(simple_root(), {});
  silence sl{"s1", {eq("instance", "1")}, 0, 1 * h, "alice", "maintenance"};
  d.update(0, {firing(web1), firing(web2)}, {sl});
  auto n = d.due(30 * s);
  BOOST_REQUIRE_EQUAL(n.size(), 1u);
  BOOST_REQUIRE_EQUAL(n[0].alerts.size(), 1u);
  BOOST_CHECK(n[0].alerts[0].lbls == web2);
}

BOOST_AUTO_TEST_CASE(silencing_a_notified_alert_sends_no_resolution) {
  dispatcher d(simple_root(), {});
  d.update(0, {firing(web1), firing(web2)}, {});
  BOOST_REQUIRE_EQUAL(d.due(30 * s).size(), 1u);
  silence sl{"s1", {eq("instance", "1")}, 1 * m, 1 * h, "alice", "maintenance"};
  d.update(2 * m, {firing(web1), firing(web2)}, {sl});
  for (const auto& n : d.due(30 * s + 5 * m))
    for (const auto& a : n.alerts) BOOST_CHECK_MESSAGE(a.firing, "a silenced alert was reported resolved");
}

BOOST_AUTO_TEST_CASE(inhibition_mutes_targets_that_agree_on_equal_labels) {
  inhibit_rule ir{{eq("severity", "page")}, {eq("severity", "info")}, {"instance"}};
  dispatcher d(simple_root(), {ir});
  d.update(0, {firing(web1), firing(db1)}, {});
  auto n = d.due(30 * s);
  BOOST_REQUIRE_EQUAL(n.size(), 1u); // db1 (info, instance 1) is muted by web1 (page, instance 1)
  BOOST_CHECK(n[0].alerts[0].lbls == web1);
}

BOOST_AUTO_TEST_CASE(routes_first_match_and_continue) {
  route root = simple_root();
  route pager;
  pager.receiver = "pagerduty";
  pager.match = {eq("severity", "page")};
  pager.continue_matching = true;
  route slack;
  slack.receiver = "slack";
  slack.match = {eq("job", "web")};
  route email;
  email.receiver = "email";
  email.match = {eq("job", "web")};
  root.routes = {pager, slack, email};
  finalize(root);
  auto rs = match_routes(root, web1);
  BOOST_REQUIRE_EQUAL(rs.size(), 2u);
  BOOST_CHECK_EQUAL(rs[0]->receiver, "pagerduty");
  BOOST_CHECK_EQUAL(rs[1]->receiver, "slack");
  BOOST_CHECK_EQUAL(*rs[1]->group_wait, 30 * s); // inherited
  auto other = match_routes(root, db1);
  BOOST_REQUIRE_EQUAL(other.size(), 1u);
  BOOST_CHECK_EQUAL(other[0]->receiver, "default");
}

/// Per-rule updates (what the notifier does, one rule snapshot at a time)
/// must notify exactly what a whole-snapshot update of the same alerts
/// notifies: random rules flapping over random instances, with a silence and
/// with and without inhibition, compared after every round.
BOOST_AUTO_TEST_CASE(per_rule_updates_match_whole_snapshots) {
  for (bool with_inhibit : {false, true}) {
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
      std::mt19937_64 rng(seed);
      std::vector<inhibit_rule> inh;
      if (with_inhibit) inh.push_back({{eq("severity", "page")}, {eq("severity", "info")}, {"instance"}});
      dispatcher inc(simple_root(), inh), whole(simple_root(), inh);
      silence sl{"s1", {eq("instance", "3")}, 10 * m, 40 * m, "alice", "maintenance"};
      constexpr int rules = 6, instances = 5;
      std::vector<std::vector<bool>> up(rules, std::vector<bool>(instances, false));
      std::vector<std::vector<timestamp_ms>> since(rules, std::vector<timestamp_ms>(instances, 0));
      for (int round = 0; round < 60; ++round) {
        const timestamp_ms now = round * 30 * s;
        std::vector<silence> sils;
        if (round >= 5) sils.push_back(sl);
        std::vector<notified_alert> all;
        for (int r = 0; r < rules; ++r) {
          std::vector<notified_alert> mine;
          for (int i = 0; i < instances; ++i) {
            if (rng() % 4 == 0) {
              up[r][i] = !up[r][i];
              since[r][i] = now;
            }
            labels l{{"alertname", "R" + std::to_string(r)}, {"job", r % 2 ? "web" : "db"},
                     {"instance", std::to_string(i)}, {"severity", r < 2 ? "page" : "info"}};
            if (up[r][i]) mine.push_back(firing(l, since[r][i]));
            else if (since[r][i] > 0 && now - since[r][i] < 5 * m) mine.push_back(resolved(l, since[r][i]));
          }
          all.insert(all.end(), mine.begin(), mine.end());
          inc.update_rule(now, "g/R" + std::to_string(r), mine, sils);
        }
        whole.update(now, all, sils);
        auto a = inc.due(now), b = whole.due(now);
        BOOST_REQUIRE_EQUAL(a.size(), b.size());
        for (std::size_t k = 0; k < a.size(); ++k) {
          BOOST_CHECK_EQUAL(a[k].group_key, b[k].group_key);
          BOOST_CHECK(a[k].alerts == b[k].alerts);
          if (a[k].alerts != b[k].alerts) {
            auto dump = [](const char* w, const notification& n) {
              std::string o = w;
              for (const auto& x : n.alerts)
                o += " [" + x.lbls.to_string() + (x.firing ? " F " : " R ") + std::to_string(x.starts_at) + "," +
                     std::to_string(x.ends_at) + "]";
              BOOST_TEST_MESSAGE(o);
            };
            BOOST_TEST_MESSAGE("seed " << seed << " inhibit " << with_inhibit << " now " << now);
            dump("inc", a[k]);
            dump("whole", b[k]);
          }
        }
        BOOST_CHECK_EQUAL(inc.group_count(), whole.group_count());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(a_rule_that_stops_reporting_resolves_only_its_own_alerts) {
  dispatcher d(simple_root(), {});
  d.update_rule(0, "g/A", {firing(web1)}, {});
  d.update_rule(0, "g/B", {firing(web2)}, {});
  BOOST_REQUIRE_EQUAL(d.due(30 * s).size(), 1u);
  d.update_rule(1 * m, "g/A", {}, {}); // rule A deleted
  auto n = d.due(30 * s + 5 * m);
  BOOST_REQUIRE_EQUAL(n.size(), 1u);
  BOOST_REQUIRE_EQUAL(n[0].alerts.size(), 2u);
  BOOST_CHECK(n[0].alerts[0].lbls == web2 && n[0].alerts[0].firing);
  BOOST_CHECK(n[0].alerts[1].lbls == web1 && !n[0].alerts[1].firing);
}

BOOST_AUTO_TEST_SUITE_END()
