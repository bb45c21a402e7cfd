#include "cli/http_client.hpp"

#include <memory>

#include <curl/curl.h>

namespace vigil::cli {

namespace {

std::size_t on_data(char* p, std::size_t size, std::size_t n, void* user) {
  static_cast<std::string*>(user)->append(p, size * n);
  return size * n;
}

result<http_reply> perform(CURL* h, const std::string& url, long timeout_ms) {
  http_reply r;
  char err[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  if (auto rc = curl_easy_perform(h); rc != CURLE_OK)
    return io_error("cannot reach " + url + ": " + (err[0] ? err : curl_easy_strerror(rc)));
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
  return r;
}

using curl_ptr = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;

} // namespace

result<http_reply> http_get(const std::string& url, long timeout_ms) {
  curl_ptr h{curl_easy_init(), curl_easy_cleanup};
  return perform(h.get(), url, timeout_ms);
}

result<http_reply> http_post(const std::string& url, const std::string& content_type,
                             const std::string& body, long timeout_ms) {
  curl_ptr h{curl_easy_init(), curl_easy_cleanup};
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, ("Content-Type: " + content_type).c_str());
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(h.get(), CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h.get(), CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(h.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  auto r = perform(h.get(), url, timeout_ms);
  curl_slist_free_all(headers);
  return r;
}

result<http_reply> http_delete(const std::string& url, long timeout_ms) {
  curl_ptr h{curl_easy_init(), curl_easy_cleanup};
  curl_easy_setopt(h.get(), CURLOPT_CUSTOMREQUEST, "DELETE");
  return perform(h.get(), url, timeout_ms);
}

std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

} // namespace vigil::cli
