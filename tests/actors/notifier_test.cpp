// Deterministic tests of the notifier and channel actors on the test
// coordinator, with a fake sink and a fake clock that advance together.
#include <boost/test/unit_test.hpp>

#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/notifier_actor.hpp"
#include "tests/support/actor_fixture.hpp"
#include "tests/support/fake_sink.hpp"
#include "tests/support/temp_dir.hpp"

using namespace vigil;
using namespace std::chrono_literals;
using alert::delivery_outcome;

namespace {

const char* two_channels = R"(
retry: {initial: 1s, multiplier: 2, jitter: 0, fallback_after: 2}
circuit_breaker: {failures: 3, open_for: 60s}
channels:
  hook: {type: webhook, url: "http://127.0.0.1:1/hook", fallback: mail}
  mail: {type: email, smtp_url: "smtp://127.0.0.1:1", from: a@x, to: [b@y]}
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 10s
  group_interval: 1m
  repeat_interval: 1h
)";

struct notifier_fixture : test::actor_fixture {
  test::temp_dir dir;
  std::shared_ptr<std::int64_t> now = std::make_shared<std::int64_t>(1'700'000'000'000);
  std::shared_ptr<test::fake_sink_log> log = std::make_shared<test::fake_sink_log>();
  notifier_actor notifier;

  ~notifier_fixture() {
    if (notifier) stop(); // else ~actor_system waits for it forever
  }

  notifier_options options(const char* yaml = two_channels) {
    auto cfg = alert::parse_notify_config_text(yaml);
    BOOST_REQUIRE_MESSAGE(cfg.has_value(), (cfg ? std::string() : cfg.error().message()));
    notifier_options o;
    o.config = *cfg;
    o.dir = dir.str();
    o.detached_channels = false;
    o.seed = 42;
    auto clock = now;
    o.clock = [clock] { return *clock; };
    auto l = log;
    o.make_sink = [l](const alert::channel_config& c) { return std::make_unique<test::fake_sink>(l, c.name); };
    return o;
  }

  void start(const char* yaml = two_channels) {
    notifier = sys->spawn(notifier_impl, options(yaml));
    run();
  }

  void stop() {
    caf::anon_send_exit(notifier, caf::exit_reason::kill);
    run();
  }

  /// Advances the test coordinator and the fake clock together, in 100 ms ticks.
  void wait(std::chrono::milliseconds total) {
    for (auto t = 0ms; t < total; t += 100ms) {
      *now += 100;
      sched->advance_time(100ms);
      run();
    }
  }

  void fire(const std::string& instance, bool firing = true) {
    messages::alert_snapshot s;
    s.group = "g";
    s.rule = "Down";
    s.at = *now;
    messages::wire_alert a;
    a.labels = {{"alertname", "Down"}, {"instance", instance}};
    a.annotations = {{"summary", "down"}};
    a.firing = firing;
    a.starts_at = *now - 60'000;
    a.ends_at = firing ? 0 : *now;
    s.alerts.push_back(a);
    caf::anon_send(notifier, atom::alerts_v, s);
    run();
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(notifier, notifier_fixture)

BOOST_AUTO_TEST_CASE(waits_group_wait_before_the_first_notification) {
  start();
  fire("a");
  wait(9500ms);
  BOOST_CHECK_EQUAL(log->attempts.size(), 0u);
  wait(1000ms);
  BOOST_REQUIRE_EQUAL(log->count("hook"), 1u);
  BOOST_CHECK_EQUAL(log->attempts[0].n.alerts.size(), 1u);
  fire("a");
  wait(30s);
  BOOST_CHECK_EQUAL(log->attempts.size(), 1u); // unchanged group: nothing new
}

BOOST_AUTO_TEST_CASE(retries_with_exponential_backoff_after_failures) {
  log->script["hook"] = {delivery_outcome::retryable, delivery_outcome::retryable};
  start();
  auto t0 = *now;
  fire("a");
  wait(20s);
  std::vector<timestamp_ms> hook;
  for (const auto& a : log->attempts)
    if (a.channel == "hook") hook.push_back(a.at);
  BOOST_REQUIRE_EQUAL(hook.size(), 3u);
  // group_wait 10 s, then retries after 1 s and 2 s (jitter 0).
  BOOST_CHECK_GE(hook[0] - t0, 10'000);
  BOOST_CHECK_EQUAL(hook[1] - hook[0], 1000);
  BOOST_CHECK_EQUAL(hook[2] - hook[1], 2000);
  BOOST_CHECK_EQUAL(log->count("hook"), 1u);
  BOOST_CHECK_EQUAL(log->count("mail"), 1u); // fallback_after 2: the fallback got a copy too
}

BOOST_AUTO_TEST_CASE(open_breaker_stops_calling_the_sink) {
  const char* cfg = R"(
retry: {initial: 1s, multiplier: 1, jitter: 0, fallback_after: 100}
circuit_breaker: {failures: 3, open_for: 60s}
channels:
  hook: {type: webhook, url: "http://127.0.0.1:1/hook"}
route: {receiver: hook, group_wait: 1s}
)";
  log->otherwise["hook"] = delivery_outcome::retryable;
  start(cfg);
  fire("a");
  wait(30s);
  BOOST_CHECK_EQUAL(log->attempts.size(), 3u); // then the breaker opened for 60 s
  wait(35s);
  BOOST_CHECK_EQUAL(log->attempts.size(), 4u); // one half-open trial
  log->otherwise["hook"] = delivery_outcome::ok;
  wait(65s);
  BOOST_CHECK_EQUAL(log->count("hook"), 1u);
}

BOOST_AUTO_TEST_CASE(permanent_error_goes_to_the_fallback_and_is_not_retried) {
  log->script["hook"] = {delivery_outcome::permanent};
  start();
  fire("a");
  wait(60s);
  BOOST_CHECK_EQUAL(log->count("hook", false), 1u);
  BOOST_CHECK_EQUAL(log->count("mail"), 1u);
}

BOOST_AUTO_TEST_CASE(no_duplicate_after_restart_once_delivered) {
  start();
  fire("a");
  wait(11s);
  BOOST_REQUIRE_EQUAL(log->count("hook"), 1u);
  stop();
  start();
  fire("a");
  wait(2min);
  BOOST_CHECK_EQUAL(log->count("hook"), 1u);
  // The resolution is still sent after the restart.
  fire("a", false);
  wait(1min);
  BOOST_REQUIRE_EQUAL(log->count("hook"), 2u);
  BOOST_CHECK(!log->attempts.back().n.alerts[0].firing);
}

BOOST_AUTO_TEST_CASE(pending_notification_is_resent_after_restart) {
  log->otherwise["hook"] = delivery_outcome::retryable;
  const char* cfg = R"(
retry: {initial: 1h, fallback_after: 100}
channels:
  hook: {type: webhook, url: "http://127.0.0.1:1/hook"}
route: {receiver: hook, group_wait: 1s}
)";
  start(cfg);
  fire("a");
  wait(3s);
  BOOST_REQUIRE_EQUAL(log->count("hook", false), 1u);
  stop();
  log->otherwise["hook"] = delivery_outcome::ok;
  *now += 2 * 3'600'000; // the retry is due by now
  start(cfg);
  wait(1s);
  BOOST_CHECK_EQUAL(log->count("hook"), 1u);
  wait(1min);
  BOOST_CHECK_EQUAL(log->count("hook"), 1u);
}

BOOST_AUTO_TEST_CASE(silences_mute_and_expire) {
  start();
  alert::silence s;
  s.match = {*matcher::make(match_type::equal, "instance", "a")};
  s.starts_at = *now;
  s.ends_at = *now + 3'600'000;
  s.created_by = "alice";
  s.comment = "maintenance";
  auto id = ok<std::string>(notifier, atom::silences_v, atom::write_v, s);
  BOOST_CHECK_EQUAL(id.size(), 36u);
  fire("a");
  wait(20s);
  BOOST_CHECK_EQUAL(log->attempts.size(), 0u);
  auto list = ok<silence_list>(notifier, atom::silences_v, atom::get_v);
  BOOST_REQUIRE_EQUAL(list.items.size(), 1u);
  BOOST_CHECK_EQUAL(list.items[0].created_by, "alice");
  BOOST_CHECK(ok<bool>(notifier, atom::silences_v, atom::invalidate_v, id));
  fire("a");
  wait(70s);
  BOOST_CHECK_EQUAL(log->count("hook"), 1u);
  auto missing = call<bool>(notifier, atom::silences_v, atom::invalidate_v, std::string("nope"));
  BOOST_CHECK(std::holds_alternative<caf::error>(missing));
  // Silences survive a restart.
  stop();
  start();
  BOOST_CHECK_EQUAL(ok<silence_list>(notifier, atom::silences_v, atom::get_v).items.size(), 1u);
}

BOOST_AUTO_TEST_SUITE_END()
