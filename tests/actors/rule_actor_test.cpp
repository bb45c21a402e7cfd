// Rule group actors on the test coordinator, inside a real node (shards,
// router, query service, rules supervisor): time advances tick by tick and
// the rule actors' wall clock is the test clock.
#include <boost/test/unit_test.hpp>

#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/errors.hpp"
#include "actors/node.hpp"
#include "alert/rule_source.hpp"
#include "tests/support/actor_fixture.hpp"
#include "tests/support/temp_dir.hpp"

using namespace vigil;
using namespace std::chrono_literals;

namespace {

constexpr timestamp_ms base_ms = 1'700'000'000'000;

const char* rules_yaml = R"(groups:
  - name: api
    interval: 10s
    rules:
      - alert: HighLatency
        expr: avg(api.latency) > 400
        for: 30s
        labels: {severity: page}
        annotations:
          summary: "latency is {{ $value }}"
)";

struct rule_fixture : test::actor_fixture {
  test::temp_dir dir;
  node_actor node;
  router_actor router;
  rules_supervisor_actor rules;

  rule_fixture() {
    node_options o;
    o.data_dir = dir.str();
    o.shard_count = 2;
    o.detached_shards = false;
    o.query.eval.max_samples = 100;
    o.rules.fsync = false;
    auto* s = sched;
    o.rules.group.now_unix_ms = [s] {
      return base_ms + std::chrono::duration_cast<std::chrono::milliseconds>(
                         s->clock().now().time_since_epoch()).count();
    };
    node = sys->spawn(node_impl, o);
    run();
    router = ok<router_actor>(node, atom::get_v, atom::write_v);
    rules = ok<rules_supervisor_actor>(node, atom::get_v, atom::rules_v);
  }

  ~rule_fixture() {
    caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
    run();
  }

  timestamp_ms now() {
    return base_ms + std::chrono::duration_cast<std::chrono::milliseconds>(
                       sched->clock().now().time_since_epoch()).count();
  }

  /// A request whose answer is empty (reacts_to handlers).
  status call_void(messages::rules_put req) {
    auto out = std::make_shared<std::optional<status>>();
    auto h = rules;
    sys->spawn([=](caf::event_based_actor* self) {
      self->request(h, 30s, atom::rules_v, req)
        .then([=] { *out = status::ok(); }, [=](caf::error& e) { *out = to_status(e); });
    });
    run();
    BOOST_REQUIRE(out->has_value());
    return **out;
  }

  void apply_rules() {
    auto gs = alert::split_rule_file(rules_yaml);
    BOOST_REQUIRE(gs);
    BOOST_REQUIRE(call_void(messages::rules_put{*gs}));
  }

  void push(double v, int series = 1) {
    write_batch b;
    for (int i = 0; i < series; ++i)
      b.items.push_back({labels{{"__name__", "api.latency"}, {"i", std::to_string(i)}}, {{now(), v}}});
    ok<messages::ingest_ack>(router, atom::write_v, messages::ingest_request{std::move(b)});
  }

  messages::rule_group_info group() {
    auto snap = ok<messages::rules_snapshot>(rules, atom::get_v, atom::rules_v);
    BOOST_REQUIRE_EQUAL(snap.groups.size(), 1u);
    return snap.groups[0];
  }

  /// The single alert of the rule (fails when there is none).
  alert::alert_instance the_alert() {
    auto g = group();
    BOOST_REQUIRE_EQUAL(g.status.rules.size(), 1u);
    BOOST_REQUIRE_EQUAL(g.status.rules[0].alerts.size(), 1u);
    return g.status.rules[0].alerts[0].instance;
  }

  /// Advances one evaluation interval in 1 s ticks.
  void rounds(int n) { advance(std::chrono::milliseconds(10000 * n), 1s); }

  double query_value(const std::string& q) {
    auto qs = ok<query_service_actor>(node, atom::get_v, atom::query_v);
    auto a = ok<messages::query_answer>(qs, atom::query_v, messages::query_request{q, now(), now(), 0, 5000});
    return a.value.items.empty() ? -1 : a.value.items[0].samples.at(0).v;
  }

  void go_firing() {
    apply_rules();
    push(500);
    rounds(1);
    BOOST_REQUIRE(the_alert().state == alert::alert_state::pending);
    rounds(4);
    BOOST_REQUIRE(the_alert().state == alert::alert_state::firing);
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(rule_actor, rule_fixture)

BOOST_AUTO_TEST_CASE(alert_goes_pending_then_firing_after_for_then_resolves) {
  apply_rules();
  push(500);
  rounds(1);
  auto a = the_alert();
  BOOST_CHECK(a.state == alert::alert_state::pending);
  BOOST_CHECK_EQUAL(a.value, 500.0);
  BOOST_CHECK_EQUAL(a.lbls.get("severity"), "page");
  const auto active_at = a.active_at;
  rounds(2);
  BOOST_CHECK(the_alert().state == alert::alert_state::pending); // `for` is 30 s
  rounds(2);
  a = the_alert();
  BOOST_CHECK(a.state == alert::alert_state::firing);
  BOOST_CHECK_EQUAL(a.active_at, active_at);
  BOOST_CHECK_GE(a.fired_at - a.active_at, 30000);
  auto g = group();
  BOOST_CHECK_EQUAL(g.status.rules[0].alerts[0].annotations.at(0).second, "latency is 500");
  BOOST_CHECK(g.status.rules[0].health == alert::rule_health::ok);
  BOOST_CHECK_GE(g.status.counters.iterations, 5u);
  // ALERTS and ALERTS_FOR_STATE were written through the router.
  BOOST_CHECK_EQUAL(query_value(R"(ALERTS{alertname="HighLatency",alertstate="firing"})"), 1.0);
  BOOST_CHECK_EQUAL(query_value(R"(ALERTS_FOR_STATE{alertname="HighLatency"})"),
                    static_cast<double>(active_at) / 1000.0);
  push(200);
  rounds(1);
  a = the_alert();
  BOOST_CHECK(a.state == alert::alert_state::inactive);
  BOOST_CHECK_GT(a.resolved_at, 0);
}

BOOST_AUTO_TEST_CASE(firing_survives_a_crash_of_the_group_actor) {
  go_firing();
  const auto before = the_alert();
  auto addr = group().actor;
  BOOST_REQUIRE(addr);
  caf::anon_send_exit(addr, caf::exit_reason::kill);
  run();
  BOOST_CHECK(!group().actor); // waiting to be respawned
  advance(defaults::rule_respawn + 100ms, 100ms);
  BOOST_CHECK(group().actor && group().actor != addr);
  BOOST_CHECK(the_alert().state == alert::alert_state::firing);
  rounds(2);
  auto a = the_alert();
  BOOST_CHECK(a.state == alert::alert_state::firing);
  BOOST_CHECK_EQUAL(a.active_at, before.active_at);
  BOOST_CHECK_EQUAL(a.fired_at, before.fired_at);
}

BOOST_AUTO_TEST_CASE(firing_survives_a_restart_of_the_rules_supervisor) {
  go_firing();
  const auto before = the_alert();
  caf::anon_send_exit(rules, caf::exit_reason::kill);
  run();
  auto again = ok<rules_supervisor_actor>(node, atom::get_v, atom::rules_v);
  BOOST_REQUIRE(again && again != rules);
  rules = again;
  BOOST_CHECK(the_alert().state == alert::alert_state::firing); // restored, not pending
  rounds(1);
  auto a = the_alert();
  BOOST_CHECK(a.state == alert::alert_state::firing);
  BOOST_CHECK_EQUAL(a.active_at, before.active_at);
}

BOOST_AUTO_TEST_CASE(a_failed_query_never_resolves) {
  go_firing();
  // 200 series of 0: the average would resolve the alert, but the query
  // now exceeds the node's max_samples (100) and fails.
  push(0, 200);
  rounds(2);
  auto g = group();
  BOOST_CHECK(g.status.rules[0].health == alert::rule_health::err);
  BOOST_CHECK(!g.status.rules[0].last_error.empty());
  BOOST_CHECK_GE(g.status.counters.failures, 2u);
  BOOST_CHECK(the_alert().state == alert::alert_state::firing);
}

BOOST_AUTO_TEST_CASE(deleted_group_stops_and_forgets_its_state) {
  go_firing();
  auto out = std::make_shared<std::optional<status>>();
  auto h = rules;
  sys->spawn([=](caf::event_based_actor* self) {
    self->request(h, 30s, atom::rules_v, messages::rules_delete{"api"})
      .then([=] { *out = status::ok(); }, [=](caf::error& e) { *out = to_status(e); });
  });
  run();
  BOOST_REQUIRE(out->has_value() && (*out)->is_ok());
  BOOST_CHECK(ok<messages::rules_snapshot>(rules, atom::get_v, atom::rules_v).groups.empty());
  apply_rules(); // fresh: no state carried over
  BOOST_CHECK(group().status.rules[0].alerts.empty());
}

BOOST_AUTO_TEST_SUITE_END()
