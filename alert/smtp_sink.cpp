// The SMTP sink over libcurl: smtp:// with optional or required STARTTLS, or
// smtps:// (TLS from the start); AUTH when a username is set.
#include <cstring>

#include <curl/curl.h>

#include "alert/payloads.hpp"
#include "alert/sinks.hpp"

namespace vigil::alert {

namespace {

struct upload {
  const std::string* data;
  std::size_t pos = 0;
};

std::size_t read_chunk(char* buf, std::size_t size, std::size_t n, void* userdata) {
  auto* u = static_cast<upload*>(userdata);
  std::size_t len = std::min(size * n, u->data->size() - u->pos);
  std::memcpy(buf, u->data->data() + u->pos, len);
  u->pos += len;
  return len;
}

/// SMTP replies in the 5xx range (CURLE_* codes for a refused sender,
/// recipient or login) are permanent; everything else may pass later.
delivery_outcome classify(CURLcode rc, long smtp_code) {
  if (smtp_code >= 500 && smtp_code < 600) return delivery_outcome::permanent;
  if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_LOGIN_DENIED)
    return delivery_outcome::permanent;
  return delivery_outcome::retryable;
}

class smtp_sink final : public sink {
public:
  smtp_sink(channel_config c, std::string external_url)
    : cfg_(std::move(c)), ctx_{cfg_.name, std::move(external_url)} {}

  delivery_result send(const notification& n, timestamp_ms now) override {
    const auto& s = cfg_.smtp;
    email_headers h{s.from, s.to, now, message_id(now)};
    std::string msg = render_email(n, ctx_, h);
    CURL* c = curl_easy_init();
    if (c == nullptr) return {delivery_outcome::retryable, "curl_easy_init failed"};
    curl_slist* rcpt = nullptr;
    for (const auto& r : s.to) rcpt = curl_slist_append(rcpt, ("<" + r + ">").c_str());
    upload up{&msg};
    configure(c, rcpt, up);
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(c);
    if (rc == CURLE_OK) return {};
    return {classify(rc, code), "SMTP " + s.url + ": " + curl_easy_strerror(rc) +
                                    (code > 0 ? " (reply " + std::to_string(code) + ")" : "")};
  }

private:
  void configure(CURL* c, curl_slist* rcpt, upload& up) const {
    const auto& s = cfg_.smtp;
    curl_easy_setopt(c, CURLOPT_URL, (s.url + "/" + s.hello).c_str());
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, ("<" + s.from + ">").c_str());
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_chunk);
    curl_easy_setopt(c, CURLOPT_READDATA, &up);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(s.timeout));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (s.url.starts_with("smtp://") && s.starttls != starttls_mode::off)
      curl_easy_setopt(c, CURLOPT_USE_SSL, s.starttls == starttls_mode::required ? CURLUSESSL_ALL : CURLUSESSL_TRY);
    if (!s.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, s.ca_file.c_str());
    if (!s.username.empty()) {
      curl_easy_setopt(c, CURLOPT_USERNAME, s.username.c_str());
      curl_easy_setopt(c, CURLOPT_PASSWORD, s.password.c_str());
    }
  }

  std::string message_id(timestamp_ms now) {
    return std::to_string(now) + "." + std::to_string(++seq_) + "." + fingerprint(labels{{"c", cfg_.name}}) +
           "@" + cfg_.smtp.hello;
  }

  channel_config cfg_;
  payload_context ctx_;
  std::uint64_t seq_ = 0;
};

} // namespace

std::unique_ptr<sink> make_smtp_sink(const channel_config& c, const std::string& external_url) {
  return std::make_unique<smtp_sink>(c, external_url);
}

} // namespace vigil::alert
