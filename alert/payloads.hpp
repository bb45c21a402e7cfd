// alert/payloads.hpp - the bytes each kind of channel receives for one
// notification (one alert group at one flush):
//   webhook       Alertmanager's webhook JSON, version 4
//   alertmanager  Alertmanager's POST /api/v2/alerts body (an array)
//   slack         a Slack incoming-webhook message with one attachment
//   pagerduty     a PagerDuty Events API v2 event (trigger or resolve)
//   email         an RFC 5322 message, text/plain UTF-8, CRLF line ends
//
// Pure: time and identifiers are arguments, so golden tests are exact.
// Thread-safety: free functions, no shared state.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "alert/dispatcher.hpp"

namespace vigil::alert {

/// What every rendering needs besides the notification.
struct payload_context {
  std::string receiver;     ///< the channel's name (webhook "receiver")
  std::string external_url; ///< vigil's own URL ("externalURL", "generatorURL")
};

/// RFC 3339 in UTC with milliseconds when non-zero ("2024-01-02T03:04:05.678Z",
/// "2024-01-02T03:04:05Z"); 0 renders as Go's zero time "0001-01-01T00:00:00Z",
/// which Alertmanager uses for "not ended".
std::string format_rfc3339(timestamp_ms t);

/// 16 lowercase hex digits of the labels' stable hash (Alertmanager's
/// fingerprint field; stable across restarts and versions).
std::string fingerprint(const labels& lbls);

/// "firing" when any alert fires, else "resolved".
std::string_view group_status(const notification& n);

/// Labels (or annotations) present with the same value in every alert.
labels common_labels(const notification& n);
labels common_annotations(const notification& n);

/// Alertmanager's default title: "[FIRING:2] <group label values> (<other
/// common label values>)" or "[RESOLVED] ...".
std::string notification_title(const notification& n);

/// Alertmanager webhook JSON v4 (keys in Alertmanager's order;
/// truncatedAlerts is always 0: vigil sends every alert of the group).
std::string render_webhook(const notification& n, const payload_context& ctx);

/// Alertmanager /api/v2/alerts body: [{labels, annotations, startsAt,
/// endsAt, generatorURL}]; endsAt is the zero time while firing.
std::string render_alertmanager(const notification& n, const payload_context& ctx);

/// Slack: {"text": title, "attachments":[{"color": "danger"|"good",
/// "title": title, "text": one block per alert}]}.
std::string render_slack(const notification& n, const payload_context& ctx);

struct pagerduty_settings {
  std::string routing_key;
  std::string severity = "critical"; ///< when no valid `severity` label is common
  std::string source = "vigil";
};

/// The dedup_key of a group: "vigil-" + 16 hex digits of the group key's
/// hash. Stable across restarts, so a resolve closes the incident the
/// trigger opened.
std::string pagerduty_dedup_key(const notification& n);

/// PagerDuty Events API v2: trigger while any alert fires (summary = title,
/// truncated to 1024 bytes; custom_details lists the alerts), resolve when
/// none does (routing_key, dedup_key, event_action only).
std::string render_pagerduty(const notification& n, const payload_context& ctx,
                             const pagerduty_settings& pd);

struct email_headers {
  std::string from;
  std::vector<std::string> to;
  timestamp_ms date = 0;   ///< the Date header (now)
  std::string message_id;  ///< without angle brackets: "<id>@<host>"
};

/// An RFC 5322 message: From, To, Subject (notification_title; RFC 2047
/// encoded when not ASCII), Date, Message-ID, MIME-Version, Content-Type
/// text/plain; charset=UTF-8, then a body listing each alert's labels and
/// annotations. CR/LF inside header values are replaced by spaces (no header
/// injection through label values). Lines end in CRLF.
std::string render_email(const notification& n, const payload_context& ctx, const email_headers& h);

} // namespace vigil::alert
