#include <boost/test/unit_test.hpp>

#include "alert/notify_engine.hpp"
#include "tests/support/temp_dir.hpp"

using namespace vigil;
using namespace vigil::alert;

namespace {

notify_config config() {
  auto c = parse_notify_config_text(R"(
channels:
  hook: {type: webhook, url: "http://127.0.0.1:1/hook"}
route:
  receiver: hook
  group_by: ['...']
  group_wait: 1s
  group_interval: 5m
  repeat_interval: 4h
)");
  BOOST_REQUIRE_MESSAGE(c.has_value(), (c ? std::string() : c.error().message()));
  return *c;
}

std::vector<notified_alert> alerts(int n) {
  std::vector<notified_alert> out;
  for (int i = 0; i < n; ++i)
    out.push_back({labels{{"alertname", "Down"}, {"instance", std::to_string(i)}}, {}, true, 0, 0, 1});
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(notify_engine_suite)

BOOST_AUTO_TEST_CASE(deliveries_are_recorded_in_batches_and_at_shutdown) {
  test::temp_dir dir;
  {
    auto e = notify_engine::open(config(), dir.path().string(), 1);
    BOOST_REQUIRE(e);
    e->on_snapshot("g/Down", alerts(3), 0);
    auto due = e->tick(1000);
    BOOST_REQUIRE_EQUAL(due.size(), 3u);
    for (const auto& d : due) e->on_result(d.id, {delivery_outcome::ok, ""}, 1001);
    BOOST_CHECK_EQUAL(e->pending(), 0u);
    BOOST_CHECK_EQUAL(e->stats().delivered, 3u);
    // Not recorded yet: a batch waits at most delivered_batch_ms.
    BOOST_CHECK_EQUAL(e->next_wake(), 1001 + notify_engine::delivered_batch_ms);
  }
  // The engine above was destroyed cleanly: its destructor recorded the batch.
  auto again = notify_engine::open(config(), dir.path().string(), 1);
  BOOST_REQUIRE(again);
  BOOST_CHECK_EQUAL(again->pending(), 0u);
}

BOOST_AUTO_TEST_CASE(unrecorded_deliveries_are_pending_after_reopen) {
  test::temp_dir dir;
  auto e = notify_engine::open(config(), dir.path().string(), 1);
  BOOST_REQUIRE(e);
  e->on_snapshot("g/Down", alerts(2), 0);
  auto due = e->tick(1000);
  BOOST_REQUIRE_EQUAL(due.size(), 2u);
  e->on_result(due[0].id, {delivery_outcome::ok, ""}, 1001);
  // What a restart would find before the batch is written: both entries
  // (LMDB allows a second reader of the same environment in one process).
  {
    auto o = outbox::open(dir.path().string());
    BOOST_REQUIRE(o);
    auto p = o->pending();
    BOOST_REQUIRE(p);
    BOOST_CHECK_EQUAL(p->size(), 2u);
  }
  // The next tick records it; the other entry stays pending.
  BOOST_CHECK(e->tick(1001 + notify_engine::delivered_batch_ms).empty());
  {
    auto o = outbox::open(dir.path().string());
    BOOST_REQUIRE(o);
    auto p = o->pending();
    BOOST_REQUIRE(p);
    BOOST_REQUIRE_EQUAL(p->size(), 1u);
    BOOST_CHECK_EQUAL((*p)[0].id, due[1].id);
  }
}

BOOST_AUTO_TEST_CASE(a_full_batch_is_recorded_at_once) {
  test::temp_dir dir;
  auto e = notify_engine::open(config(), dir.path().string(), 1);
  BOOST_REQUIRE(e);
  const int n = static_cast<int>(notify_engine::delivered_batch_max);
  e->on_snapshot("g/Down", alerts(n), 0);
  auto due = e->tick(1000);
  BOOST_REQUIRE_EQUAL(due.size(), static_cast<std::size_t>(n));
  for (const auto& d : due) e->on_result(d.id, {delivery_outcome::ok, ""}, 1001);
  auto o = outbox::open(dir.path().string());
  BOOST_REQUIRE(o);
  auto p = o->pending();
  BOOST_REQUIRE(p);
  BOOST_CHECK(p->empty());
}

BOOST_AUTO_TEST_SUITE_END()
