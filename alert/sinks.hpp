// alert/sinks.hpp - notification sinks: the only code that talks to the
// outside world on the alerting path. One sink per channel renders a
// notification (alert/payloads.hpp) and delivers it with libcurl:
//   email                            SMTP (smtp:// or smtps://, STARTTLS, AUTH)
//   slack, pagerduty, webhook,
//   alertmanager                     HTTP POST application/json
//
// Sinks BLOCK for up to their configured timeout: call them only from a
// detached channel actor (STYLE §2.11), never from a scheduled one.
// Thread-safety: one sink per thread; make_sink may be called from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "alert/dispatcher.hpp"
#include "alert/notify_config.hpp"

namespace vigil::alert {

enum class delivery_outcome : std::uint8_t {
  ok = 0,
  retryable = 1, ///< network error, timeout, HTTP 5xx or 429, SMTP 4xx: try again later
  permanent = 2, ///< HTTP 4xx, SMTP 5xx, bad URL: retrying cannot help
};

struct delivery_result {
  delivery_outcome outcome = delivery_outcome::ok;
  std::string message; ///< what went wrong ("" when ok)
};

/// Delivers notifications to one channel.
class sink {
public:
  virtual ~sink() = default;
  /// Renders and sends `n`; blocks up to the channel's timeout.
  /// @param now the Date of an email, Unix ms
  virtual delivery_result send(const notification& n, timestamp_ms now) = 0;
};

/// The outcome of an HTTP status: 2xx ok; 429 and 5xx retryable; other 4xx
/// (and 1xx/3xx, which a webhook should not answer) permanent.
delivery_outcome classify_http_status(long code) noexcept;

/// The sink for a channel. `external_url` appears in payloads.
std::unique_ptr<sink> make_sink(const channel_config& c, const std::string& external_url);

/// The individual sinks (make_sink picks one by type).
std::unique_ptr<sink> make_http_sink(const channel_config& c, const std::string& external_url);
std::unique_ptr<sink> make_smtp_sink(const channel_config& c, const std::string& external_url);

} // namespace vigil::alert
