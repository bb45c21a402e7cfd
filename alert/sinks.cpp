#include "alert/sinks.hpp"

#include <mutex>

#include <curl/curl.h>

namespace vigil::alert {

delivery_outcome classify_http_status(long code) noexcept {
  if (code >= 200 && code < 300) return delivery_outcome::ok;
  if (code == 429 || code >= 500) return delivery_outcome::retryable;
  return delivery_outcome::permanent;
}

std::unique_ptr<sink> make_sink(const channel_config& c, const std::string& external_url) {
  // curl_global_init is not thread-safe on older libcurl: once per process.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (c.type == channel_type::email) return make_smtp_sink(c, external_url);
  return make_http_sink(c, external_url);
}

} // namespace vigil::alert
