#include <boost/test/unit_test.hpp>

#include "alert/notify_config.hpp"

using namespace vigil;
using namespace vigil::alert;

namespace {

const char* full = R"(
external_url: http://vigil:9201
retry: {initial: 2s, max: 1m, fallback_after: 3}
circuit_breaker: {failures: 4, open_for: 10s}
channels:
  mail:
    type: email
    smtp_url: smtp://127.0.0.1:2525
    from: vigil@example.test
    to: [oncall@example.test]
    starttls: required
    send_resolved: true
  hook:
    type: webhook
    url: http://127.0.0.1:9999/hook
    headers: {X-Token: abc}
    timeout: 3s
    fallback: mail
  pd:
    type: pagerduty
    routing_key: R123
route:
  receiver: mail
  group_by: [alertname, job]
  group_wait: 1s
  routes:
    - receiver: pd
      matchers: ['severity="page"', job=~api|web]
      continue: true
    - receiver: hook
      group_interval: 10s
inhibit_rules:
  - source_matchers: [severity=page]
    target_matchers: [severity=info]
    equal: [job]
)";

std::string error_of(const std::string& yaml) {
  auto c = parse_notify_config_text(yaml);
  return c ? std::string("ok") : c.error().message();
}

} // namespace

BOOST_AUTO_TEST_SUITE(notify_config)

BOOST_AUTO_TEST_CASE(parses_channels_routes_and_policy) {
  auto c = parse_notify_config_text(full);
  BOOST_REQUIRE_MESSAGE(c.has_value(), (c ? std::string() : c.error().message()));
  BOOST_CHECK(c->enabled());
  BOOST_CHECK_EQUAL(c->channels.size(), 3u);
  const auto& mail = c->channels.at("mail");
  BOOST_CHECK(mail.type == channel_type::email);
  BOOST_CHECK(mail.smtp.starttls == starttls_mode::required);
  const auto& hook = c->channels.at("hook");
  BOOST_CHECK_EQUAL(hook.fallback, "mail");
  BOOST_CHECK_EQUAL(hook.http.timeout, 3000);
  BOOST_REQUIRE_EQUAL(hook.http.headers.size(), 1u);
  BOOST_CHECK_EQUAL(c->channels.at("pd").http.url, "https://events.pagerduty.com/v2/enqueue");
  BOOST_CHECK_EQUAL(c->retry.initial_ms, 2000);
  BOOST_CHECK_EQUAL(c->retry.fallback_after, 3u);
  BOOST_CHECK_EQUAL(c->breaker_failures, 4u);
  BOOST_REQUIRE_EQUAL(c->root.routes.size(), 2u);
  BOOST_CHECK(c->root.routes[0].continue_matching);
  BOOST_CHECK_EQUAL(c->root.routes[0].match.size(), 2u);
  BOOST_CHECK_EQUAL(*c->root.routes[0].group_wait, 1000); // inherited
  BOOST_CHECK_EQUAL(*c->root.routes[1].group_interval, 10000);
  BOOST_CHECK_EQUAL(c->inhibit.size(), 1u);
}

BOOST_AUTO_TEST_CASE(defaults_to_no_channels) {
  auto c = parse_notify_config_text("");
  BOOST_REQUIRE(c);
  BOOST_CHECK(!c->enabled());
  BOOST_CHECK_EQUAL(*c->root.group_wait, 30000);
}

BOOST_AUTO_TEST_CASE(parses_alertmanager_style_matchers) {
  BOOST_CHECK(parse_matcher("a=b")->type() == match_type::equal);
  BOOST_CHECK(parse_matcher("a!=b")->type() == match_type::not_equal);
  BOOST_CHECK(parse_matcher("a=~b.*")->type() == match_type::regex);
  BOOST_CHECK(parse_matcher("a!~b")->type() == match_type::not_regex);
  BOOST_CHECK_EQUAL(parse_matcher(R"(a="x y")")->value(), "x y");
  BOOST_CHECK(!parse_matcher("=b"));
  BOOST_CHECK(!parse_matcher("a~b"));
  BOOST_CHECK(!parse_matcher("a=~("));
}

BOOST_AUTO_TEST_CASE(errors_name_the_key) {
  BOOST_CHECK_EQUAL(error_of("channels: {x: {type: fax}}"),
                    "alerting.channels.x.type: expected email, slack, pagerduty, webhook or alertmanager, got \"fax\"");
  BOOST_CHECK_EQUAL(error_of("channels: {x: {type: webhook, url: ftp://a}}\nroute: {receiver: x}"),
                    "alerting.channels.x.url: expected an http:// or https:// URL");
  BOOST_CHECK_EQUAL(error_of("channels: {x: {type: email, smtp_url: 'smtp://a', from: a@b}}"),
                    "alerting.channels.x.to: expected a non-empty list of addresses");
  BOOST_CHECK_EQUAL(error_of("channels: {x: {type: webhook, url: 'http://a', fallback: y}}\nroute: {receiver: x}"),
                    "alerting.channels.x.fallback: no other channel named \"y\"");
  BOOST_CHECK_EQUAL(error_of("channels: {x: {type: webhook, url: 'http://a'}}"),
                    "alerting.route.receiver: required when channels are configured");
  BOOST_CHECK_EQUAL(error_of("channels: {x: {type: webhook, url: 'http://a'}}\nroute: {receiver: x, routes: "
                             "[{receiver: nope}]}"),
                    "alerting.route.routes[0].receiver: no channel named \"nope\"");
  BOOST_CHECK_EQUAL(error_of("route: {group_wait: soon}"), "alerting.route.group_wait: invalid duration \"soon\"");
  BOOST_CHECK_EQUAL(error_of("route: {matchers: ['a~b']}"),
                    "alerting.route.matchers[0]: expected an operator (=, !=, =~, !~) after \"a\"");
  BOOST_CHECK_EQUAL(error_of("channels: {x: {type: webhook, url: 'http://a', colour: red}}"),
                    "alerting.channels.x: unknown field \"colour\"");
  BOOST_CHECK_EQUAL(error_of("retry: {jitter: 2}"), "alerting.retry.jitter: must be in [0, 1)");
  BOOST_CHECK_EQUAL(error_of("bogus: 1"), "alerting: unknown field \"bogus\"");
}

BOOST_AUTO_TEST_SUITE_END()
