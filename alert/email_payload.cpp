// The email rendering of alert/payloads.hpp (RFC 5322 + MIME text/plain).
#include <cstdio>

#include "alert/payloads.hpp"

namespace vigil::alert {

namespace {

/// A header value without CR/LF (no header injection through labels).
std::string header_safe(std::string_view v) {
  std::string out(v);
  for (auto& c : out)
    if (c == '\r' || c == '\n') c = ' ';
  return out;
}

std::string base64(std::string_view in) {
  static constexpr char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    for (int s = 18; s >= 0; s -= 6) out += tbl[(v >> s) & 63];
  }
  if (i < in.size()) {
    unsigned v = (unsigned char)in[i] << 16 | (i + 1 < in.size() ? (unsigned char)in[i + 1] << 8 : 0);
    out += tbl[(v >> 18) & 63];
    out += tbl[(v >> 12) & 63];
    out += i + 1 < in.size() ? tbl[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

/// RFC 2047 "encoded-word" when the text is not plain ASCII.
std::string encode_header(std::string_view v) {
  for (unsigned char c : v)
    if (c >= 0x80) return "=?UTF-8?B?" + base64(v) + "?=";
  return std::string(v);
}

/// RFC 5322 date: "Tue, 02 Jan 2024 03:04:05 +0000".
std::string rfc5322_date(timestamp_ms t) {
  static constexpr const char* days[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto iso = format_rfc3339(t - ((t % 1000) + 1000) % 1000); // "YYYY-MM-DDTHH:MM:SSZ"
  std::int64_t day = (t >= 0 ? t : t - 86'399'999) / 86'400'000;
  int month = std::stoi(iso.substr(5, 2));
  return std::string(days[((day % 7) + 7) % 7]) + ", " + iso.substr(8, 2) + " " + months[month - 1] + " " +
         iso.substr(0, 4) + " " + iso.substr(11, 8) + " +0000";
}

void append_alert(std::string& out, const notified_alert& a, const payload_context& ctx) {
  out += "Labels:\r\n";
  for (const auto& l : a.lbls) out += "  " + l.name + " = " + l.value + "\r\n";
  if (!a.annotations.empty()) out += "Annotations:\r\n";
  for (const auto& [k, v] : a.annotations) out += "  " + k + " = " + v + "\r\n";
  out += "Started: " + format_rfc3339(a.starts_at) + "\r\n";
  if (!a.firing) out += "Ended: " + format_rfc3339(a.ends_at) + "\r\n";
  if (!ctx.external_url.empty()) out += "Source: " + ctx.external_url + "\r\n";
  out += "\r\n";
}

/// Body lines never contain a bare CR or LF (each becomes CRLF).
std::string crlf(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    if (c == '\r' || c == '\n') out += "\r\n";
    else out += c;
  }
  return out;
}

} // namespace

std::string render_email(const notification& n, const payload_context& ctx, const email_headers& h) {
  std::string title = notification_title(n), to;
  for (const auto& r : h.to) to += (to.empty() ? "" : ", ") + header_safe(r);
  std::string out = "From: " + header_safe(h.from) + "\r\nTo: " + to + "\r\nSubject: " +
                    encode_header(header_safe(title)) + "\r\nDate: " + rfc5322_date(h.date) +
                    "\r\nMessage-ID: <" + header_safe(h.message_id) +
                    ">\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                    "Content-Transfer-Encoding: 8bit\r\n\r\n";
  std::string body = title + "\n\n";
  std::size_t firing = 0;
  for (const auto& a : n.alerts) firing += a.firing ? 1 : 0;
  std::string alerts_firing, alerts_resolved;
  for (const auto& a : n.alerts) append_alert(a.firing ? alerts_firing : alerts_resolved, a, ctx);
  out += crlf(body);
  if (firing > 0) out += "Firing alerts (" + std::to_string(firing) + "):\r\n\r\n" + crlf(alerts_firing);
  if (firing < n.alerts.size())
    out += "Resolved alerts (" + std::to_string(n.alerts.size() - firing) + "):\r\n\r\n" + crlf(alerts_resolved);
  return out;
}

} // namespace vigil::alert
