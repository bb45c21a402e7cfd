// alert/notify_config.hpp - the `alerting:` section of vigil's configuration:
// notification channels (Alertmanager's receivers) by name, the routing tree,
// inhibition rules and the delivery policy (retries, circuit breaker).
//
//   alerting:
//     external_url: http://vigil.example:9201
//     retry: {initial: 1s, max: 5m, multiplier: 2, jitter: 0.2, fallback_after: 5, max_attempts: 0}
//     circuit_breaker: {failures: 5, open_for: 30s}
//     channels:
//       ops-mail: {type: email, smtp_url: "smtp://mx:25", from: a@x, to: [b@y], starttls: required}
//       ops-hook: {type: webhook, url: "http://hooks/x", send_resolved: true, fallback: ops-mail}
//     route:
//       receiver: ops-mail
//       group_by: [alertname]
//       routes: [{receiver: ops-hook, matchers: ["severity=~page|critical"], continue: true}]
//     inhibit_rules:
//       - {source_matchers: [severity=critical], target_matchers: [severity=warning], equal: [job]}
//
// Pure: text or YAML in, validated values out. Thread-safe to share const.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alert/delivery.hpp"
#include "alert/payloads.hpp"
#include "alert/routing.hpp"
#include "core/status.hpp"

namespace YAML {
class Node;
}

namespace vigil::alert {

enum class channel_type : std::uint8_t { email, slack, pagerduty, webhook, alertmanager };

/// "email", "slack", "pagerduty", "webhook", "alertmanager".
const char* to_string(channel_type t) noexcept;

/// HTTP POST channels (slack, pagerduty, webhook, alertmanager).
struct http_settings {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers; ///< extra request headers
  timestamp_ms timeout = 10'000;
};

enum class starttls_mode : std::uint8_t { off, optional, required };

struct smtp_settings {
  std::string url;                 ///< smtp://host:port or smtps://host:port
  std::string from;
  std::vector<std::string> to;
  starttls_mode starttls = starttls_mode::optional; ///< smtp:// only; smtps:// is TLS from the start
  std::string username;            ///< AUTH when non-empty
  std::string password;
  std::string ca_file;             ///< trust anchors for TLS ("" = system store)
  std::string hello = "vigil";     ///< the local name sent in EHLO and Message-IDs
  timestamp_ms timeout = 10'000;
};

struct channel_config {
  std::string name;
  channel_type type = channel_type::webhook;
  bool send_resolved = true;       ///< Alertmanager's default for webhooks
  std::string fallback;            ///< channel also tried after retry.fallback_after failures
  http_settings http;
  smtp_settings smtp;
  pagerduty_settings pagerduty;
};

struct notify_config {
  std::map<std::string, channel_config> channels;
  route root;                      ///< finalized (inherited fields filled)
  std::vector<inhibit_rule> inhibit;
  retry_policy retry;
  std::uint32_t breaker_failures = 5;
  timestamp_ms breaker_open = 30'000;
  std::string external_url;
  /// Whether any channel exists (without, alerts only show in the API).
  bool enabled() const noexcept { return !channels.empty(); }
};

/// Parses "name=value", "name!=value", "name=~regex", "name!~regex" (the
/// value may be double-quoted). invalid_argument names the problem.
result<matcher> parse_matcher(std::string_view text);

/// Validates the `alerting:` node. Errors name the key, e.g.
/// "alerting.channels.ops.to: expected a list of addresses".
/// A null or absent node yields the defaults (no channels).
result<notify_config> parse_notify_config(const YAML::Node& alerting);

/// The same from YAML text holding the section's content (tests, tools).
result<notify_config> parse_notify_config_text(const std::string& yaml);

} // namespace vigil::alert
