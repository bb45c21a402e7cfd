#include <boost/test/unit_test.hpp>

#include "alert/rule_eval.hpp"

using namespace vigil;
using namespace vigil::alert;

BOOST_AUTO_TEST_SUITE(rule_eval)

BOOST_AUTO_TEST_CASE(alert_labels_drop_name_add_rule_labels_and_alertname) {
  alerting_rule r{"HighLatency", "avg(api.latency) > 400", 0, 0, labels{{"severity", "page"}, {"where", "{{ $labels.endpoint }}"}}, {}};
  auto out = alert_samples(r, {{labels{{"__name__", "api.latency"}, {"endpoint", "/users"}}, 500}});
  BOOST_REQUIRE(out);
  BOOST_REQUIRE_EQUAL(out->size(), 1u);
  const auto& l = (*out)[0].lbls;
  BOOST_CHECK_EQUAL(l.get("alertname"), "HighLatency");
  BOOST_CHECK_EQUAL(l.get("severity"), "page");
  BOOST_CHECK_EQUAL(l.get("where"), "/users");
  BOOST_CHECK(!l.has("__name__"));
}

BOOST_AUTO_TEST_CASE(duplicate_labelsets_after_relabeling_are_an_error) {
  alerting_rule r{"A", "x", 0, 0, {}, {}};
  auto out = alert_samples(r, {{labels{{"__name__", "a"}, {"j", "1"}}, 1}, {labels{{"__name__", "b"}, {"j", "1"}}, 2}});
  BOOST_CHECK(!out);
}

BOOST_AUTO_TEST_CASE(annotations_are_expanded_per_alert) {
  alerting_rule r{"A", "x", 0, 0, {}, {{"summary", "{{ $labels.endpoint }} at {{ $value }}"}}};
  alert_instance a;
  a.lbls = labels{{"alertname", "A"}, {"endpoint", "/users"}};
  a.value = 500;
  auto an = expand_annotations(r, a);
  BOOST_REQUIRE(an);
  BOOST_CHECK_EQUAL((*an)[0].second, "/users at 500");
}

BOOST_AUTO_TEST_CASE(alerts_series_for_pending_and_firing) {
  state_machine sm(60'000, 0);
  labels l1{{"alertname", "A"}, {"i", "1"}};
  sm.step(1'000, {{l1, 1}});
  auto b = alert_series(sm, 1'000);
  BOOST_REQUIRE_EQUAL(b.items.size(), 2u);
  BOOST_CHECK_EQUAL(b.items[0].lbls.get("__name__"), "ALERTS");
  BOOST_CHECK_EQUAL(b.items[0].lbls.get("alertstate"), "pending");
  BOOST_CHECK_EQUAL(b.items[1].lbls.get("__name__"), "ALERTS_FOR_STATE");
  BOOST_CHECK_EQUAL(b.items[1].samples[0].v, 1.0);
}

BOOST_AUTO_TEST_CASE(recording_rule_renames_and_labels) {
  recording_rule r{"job:x:rate5m", "sum by (job) (rate(x[5m]))", labels{{"team", "a"}}};
  auto b = recorded_series(r, {{labels{{"job", "api"}}, 2.5}}, 60'000);
  BOOST_REQUIRE(b);
  BOOST_CHECK_EQUAL(b->items[0].lbls.get("__name__"), "job:x:rate5m");
  BOOST_CHECK_EQUAL(b->items[0].lbls.get("team"), "a");
  BOOST_CHECK_EQUAL(b->items[0].samples[0].t, 60'000);
}

BOOST_AUTO_TEST_SUITE_END()
