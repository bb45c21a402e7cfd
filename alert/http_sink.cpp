// HTTP POST sinks (slack, pagerduty, webhook, alertmanager) over libcurl.
#include <algorithm>

#include <curl/curl.h>

#include "alert/payloads.hpp"
#include "alert/sinks.hpp"

namespace vigil::alert {

namespace {

/// Keeps the first 256 bytes of the reply (for the error message).
std::size_t keep_head(char* data, std::size_t size, std::size_t n, void* userdata) {
  auto* body = static_cast<std::string*>(userdata);
  if (body->size() < 256) body->append(data, std::min(size * n, 256 - body->size()));
  return size * n;
}

class http_sink final : public sink {
public:
  http_sink(channel_config c, std::string external_url)
    : cfg_(std::move(c)), ctx_{cfg_.name, std::move(external_url)} {}

  delivery_result send(const notification& n, timestamp_ms) override {
    std::string body = render(n);
    CURL* h = curl_easy_init();
    if (h == nullptr) return {delivery_outcome::retryable, "curl_easy_init failed"};
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Expect:"); // no 100-continue round trip
    for (const auto& [k, v] : cfg_.http.headers) headers = curl_slist_append(headers, (k + ": " + v).c_str());
    std::string reply;
    curl_easy_setopt(h, CURLOPT_URL, cfg_.http.url.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(cfg_.http.timeout));
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "vigil-notifier");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep_head);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply);
    CURLcode rc = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
    if (rc != CURLE_OK)
      return {rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL ? delivery_outcome::permanent
                                                                             : delivery_outcome::retryable,
              std::string("POST ") + cfg_.http.url + ": " + curl_easy_strerror(rc)};
    auto outcome = classify_http_status(code);
    if (outcome == delivery_outcome::ok) return {};
    return {outcome, "POST " + cfg_.http.url + ": HTTP " + std::to_string(code) + (reply.empty() ? "" : ": " + reply)};
  }

private:
  std::string render(const notification& n) const {
    switch (cfg_.type) {
      case channel_type::slack: return render_slack(n, ctx_);
      case channel_type::pagerduty: return render_pagerduty(n, ctx_, cfg_.pagerduty);
      case channel_type::alertmanager: return render_alertmanager(n, ctx_);
      case channel_type::webhook:
      case channel_type::email: break;
    }
    return render_webhook(n, ctx_);
  }

  channel_config cfg_;
  payload_context ctx_;
};

} // namespace

std::unique_ptr<sink> make_http_sink(const channel_config& c, const std::string& external_url) {
  return std::make_unique<http_sink>(c, external_url);
}

} // namespace vigil::alert
