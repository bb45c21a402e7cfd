#include <boost/test/unit_test.hpp>

#include "alert/payloads.hpp"

using namespace vigil;
using namespace vigil::alert;

namespace {

// 2024-01-02T03:04:05.678Z
constexpr timestamp_ms t0 = 1704164645678;

notification make_notification(bool resolved_too) {
  notification n;
  n.receiver = "ops";
  n.group_key = "ops\x1f" "alertname=HighLatency\x1f";
  n.group_labels = labels{{"alertname", "HighLatency"}};
  n.alerts.push_back({labels{{"alertname", "HighLatency"}, {"job", "api"}, {"instance", "a"}},
                      {{"summary", "latency 500 > 400"}},
                      true, t0, 0, 500});
  if (resolved_too)
    n.alerts.push_back({labels{{"alertname", "HighLatency"}, {"job", "api"}, {"instance", "b"}},
                        {{"summary", "latency <ok>"}},
                        false, t0 - 60'000, t0, 200});
  return n;
}

const payload_context ctx{"ops", "http://vigil:9201"};

} // namespace

BOOST_AUTO_TEST_SUITE(payloads)

BOOST_AUTO_TEST_CASE(formats_rfc3339_with_go_zero_time) {
  BOOST_CHECK_EQUAL(format_rfc3339(t0), "2024-01-02T03:04:05.678Z");
  BOOST_CHECK_EQUAL(format_rfc3339(1704164645000), "2024-01-02T03:04:05Z");
  BOOST_CHECK_EQUAL(format_rfc3339(0), "0001-01-01T00:00:00Z");
  BOOST_CHECK_EQUAL(format_rfc3339(951782400000), "2000-02-29T00:00:00Z");
}

BOOST_AUTO_TEST_CASE(title_counts_firing_and_names_group_and_common_labels) {
  BOOST_CHECK_EQUAL(notification_title(make_notification(true)), "[FIRING:1] HighLatency (api)");
  auto n = make_notification(true);
  n.alerts.erase(n.alerts.begin());
  BOOST_CHECK_EQUAL(notification_title(n), "[RESOLVED] HighLatency (b api)");
}

BOOST_AUTO_TEST_CASE(renders_alertmanager_webhook_v4) {
  auto fp_a = fingerprint(make_notification(false).alerts[0].lbls);
  auto fp_b = fingerprint(make_notification(true).alerts[1].lbls);
  std::string want =
    R"j({"version":"4","groupKey":"{}:{alertname=\"HighLatency\"}","truncatedAlerts":0,"status":"firing",)j"
    R"j("receiver":"ops","groupLabels":{"alertname":"HighLatency"},)j"
    R"j("commonLabels":{"alertname":"HighLatency","job":"api"},"commonAnnotations":{},)j"
    R"j("externalURL":"http://vigil:9201","alerts":[)j"
    R"j({"status":"firing","labels":{"alertname":"HighLatency","instance":"a","job":"api"},)j"
    R"j("annotations":{"summary":"latency 500 \u003e 400"},"startsAt":"2024-01-02T03:04:05.678Z",)j"
    R"j("endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://vigil:9201","fingerprint":")j" + fp_a + R"j("},)j"
    R"j({"status":"resolved","labels":{"alertname":"HighLatency","instance":"b","job":"api"},)j"
    R"j("annotations":{"summary":"latency \u003cok\u003e"},"startsAt":"2024-01-02T03:03:05.678Z",)j"
    R"j("endsAt":"2024-01-02T03:04:05.678Z","generatorURL":"http://vigil:9201","fingerprint":")j" + fp_b + R"j("}]})j";
  BOOST_CHECK_EQUAL(render_webhook(make_notification(true), ctx), want);
}

BOOST_AUTO_TEST_CASE(fingerprint_is_stable_hex) {
  auto fp = fingerprint(labels{{"alertname", "X"}});
  BOOST_CHECK_EQUAL(fp.size(), 16u);
  BOOST_CHECK_EQUAL(fp, fingerprint(labels{{"alertname", "X"}}));
  BOOST_CHECK_NE(fp, fingerprint(labels{{"alertname", "Y"}}));
}

BOOST_AUTO_TEST_CASE(renders_alertmanager_api_v2_alerts) {
  std::string want =
    R"j([{"labels":{"alertname":"HighLatency","instance":"a","job":"api"},)j"
    R"j("annotations":{"summary":"latency 500 \u003e 400"},"startsAt":"2024-01-02T03:04:05.678Z",)j"
    R"j("endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://vigil:9201"}])j";
  BOOST_CHECK_EQUAL(render_alertmanager(make_notification(false), ctx), want);
}

BOOST_AUTO_TEST_CASE(renders_slack_attachment) {
  auto n = make_notification(false);
  BOOST_CHECK_EQUAL(notification_title(n), "[FIRING:1] HighLatency (a api)");
  std::string want = R"j({"text":"[FIRING:1] HighLatency (a api)","attachments":[{"color":"danger",)j"
         R"j("title":"[FIRING:1] HighLatency (a api)",)j"
         R"j("text":"*summary*: latency 500 \u003e 400\nLabels: alertname=HighLatency instance=a job=api\n"}]})j";
  BOOST_CHECK_EQUAL(render_slack(n, ctx), want);
}

BOOST_AUTO_TEST_CASE(pagerduty_triggers_then_resolves_with_the_same_dedup_key) {
  pagerduty_settings pd{"KEY", "critical", "vigil"};
  auto firing = make_notification(false);
  auto key = pagerduty_dedup_key(firing);
  BOOST_CHECK(key.starts_with("vigil-"));
  std::string want = R"j({"routing_key":"KEY","dedup_key":")j" + key +
                     R"j(","event_action":"trigger","payload":{"summary":"[FIRING:1] HighLatency (a api)",)j"
                     R"j("source":"vigil","severity":"critical","custom_details":{"firing":"*summary*: latency )j"
                     R"j(500 \u003e 400\nLabels: alertname=HighLatency instance=a job=api\n","num_firing":"1",)j"
                     R"j("num_resolved":"0","resolved":""}},"client":"vigil","client_url":"http://vigil:9201"})j";
  BOOST_CHECK_EQUAL(render_pagerduty(firing, ctx, pd), want);
  auto resolved = firing;
  resolved.alerts[0].firing = false;
  resolved.alerts[0].ends_at = t0 + 1000;
  BOOST_CHECK_EQUAL(pagerduty_dedup_key(resolved), key);
  BOOST_CHECK_EQUAL(render_pagerduty(resolved, ctx, pd),
                    R"j({"routing_key":"KEY","dedup_key":")j" + key + R"j(","event_action":"resolve"})j");
}

BOOST_AUTO_TEST_CASE(pagerduty_takes_a_valid_common_severity_label) {
  auto n = make_notification(false);
  n.alerts[0].lbls = n.alerts[0].lbls.with("severity", "warning");
  auto body = render_pagerduty(n, ctx, {"K", "critical", "vigil"});
  BOOST_CHECK(body.find(R"j("severity":"warning")j") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(renders_rfc5322_email) {
  email_headers h{"vigil@example.test", {"oncall@example.test", "b@example.test"}, t0, "1.x@vigil"};
  std::string want =
    "From: vigil@example.test\r\n"
    "To: oncall@example.test, b@example.test\r\n"
    "Subject: [FIRING:1] HighLatency (api)\r\n"
    "Date: Tue, 02 Jan 2024 03:04:05 +0000\r\n"
    "Message-ID: <1.x@vigil>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=UTF-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n"
    "[FIRING:1] HighLatency (api)\r\n\r\n"
    "Firing alerts (1):\r\n\r\n"
    "Labels:\r\n  alertname = HighLatency\r\n  instance = a\r\n  job = api\r\n"
    "Annotations:\r\n  summary = latency 500 > 400\r\n"
    "Started: 2024-01-02T03:04:05.678Z\r\nSource: http://vigil:9201\r\n\r\n"
    "Resolved alerts (1):\r\n\r\n"
    "Labels:\r\n  alertname = HighLatency\r\n  instance = b\r\n  job = api\r\n"
    "Annotations:\r\n  summary = latency <ok>\r\n"
    "Started: 2024-01-02T03:03:05.678Z\r\nEnded: 2024-01-02T03:04:05.678Z\r\nSource: http://vigil:9201\r\n\r\n";
  BOOST_CHECK_EQUAL(render_email(make_notification(true), ctx, h), want);
}

BOOST_AUTO_TEST_CASE(email_headers_resist_injection_and_encode_utf8) {
  auto n = make_notification(false);
  n.group_labels = labels{{"alertname", "Évian\r\nBcc: evil@x"}};
  email_headers h{"a@x", {"b@y"}, t0, "id@x"};
  auto msg = render_email(n, ctx, h);
  auto head = msg.substr(0, msg.find("\r\n\r\n"));
  BOOST_CHECK(head.find("\r\nBcc:") == std::string::npos);
  BOOST_CHECK(msg.find("Subject: =?UTF-8?B?") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
