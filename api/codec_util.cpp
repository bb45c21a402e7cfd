#include "api/codec_util.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace vigil::api {

namespace {

constexpr bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool is_hex(char c) noexcept {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
constexpr char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != b[i]) return false;
  return true;
}

// Go's strconv.underscoreOK: '_' only between digits (or after a base prefix).
bool underscore_ok(std::string_view s) noexcept {
  char saw = '^';
  std::size_t i = 0;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0' && (lower(s[1]) == 'b' || lower(s[1]) == 'o' || lower(s[1]) == 'x')) {
    i = 2;
    saw = '0';
    hex = lower(s[1]) == 'x';
  }
  for (; i < s.size(); ++i) {
    if (is_digit(s[i]) || (hex && is_hex(s[i]))) {
      saw = '0';
      continue;
    }
    if (s[i] == '_') {
      if (saw != '0') return false;
      saw = '_';
      continue;
    }
    if (saw == '_') return false;
    saw = '!';
  }
  return saw != '_';
}

// Parses an unsigned mantissa/exponent body (no sign, no underscores).
std::optional<double> parse_unsigned_float(std::string_view s) noexcept {
  bool hex = s.size() >= 2 && s[0] == '0' && lower(s[1]) == 'x';
  if (hex) {
    s.remove_prefix(2);
    if (s.find_first_of("pP") == std::string_view::npos) return std::nullopt; // Go requires 'p'
  }
  // from_chars also takes "inf"/"nan"; Go's forms start with a digit or '.'.
  if (s.empty() || !((hex ? is_hex(s[0]) : is_digit(s[0])) || s[0] == '.')) return std::nullopt;
  double v = 0;
  auto fmt = hex ? std::chars_format::hex : std::chars_format::general;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, fmt);
  if (ptr != s.data() + s.size()) return std::nullopt;
  if (ec == std::errc::result_out_of_range) {
    // Over- or underflow: strtod tells which (rare path; "C" locale assumed).
    std::string tmp = hex ? "0x" + std::string(s) : std::string(s);
    v = std::strtod(tmp.c_str(), nullptr);
    if (std::isinf(v)) return std::nullopt; // Go: ErrRange
    return v;
  }
  if (ec != std::errc()) return std::nullopt;
  return v;
}

bool append_special(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    return false;
  }
  return true;
}

} // namespace

bool is_valid_metric_name(std::string_view name) noexcept {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = is_alpha(c) || c == '_' || c == ':' || c == '.' || (i > 0 && is_digit(c));
    if (!ok) return false;
  }
  return true;
}

bool is_valid_label_name(std::string_view name) noexcept {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (!(is_alpha(c) || c == '_' || (i > 0 && is_digit(c)))) return false;
  }
  return true;
}

bool is_valid_utf8(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t n = s.size(), i = 0;
  while (i < n) {
    // ASCII fast path, 8 bytes at a time.
    if (i + 8 <= n) {
      std::uint64_t w;
      std::memcpy(&w, p + i, 8);
      if ((w & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;      // overlong
      else if (c == 0xED) hi = 0x9F; // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;      // overlong
      else if (c == 0xF4) hi = 0x8F; // > U+10FFFF
    } else {
      return false;
    }
    if (i + len > n) return false;
    if (p[i + 1] < lo || p[i + 1] > hi) return false;
    for (std::size_t k = 2; k < len; ++k)
      if (p[i + k] < 0x80 || p[i + k] > 0xBF) return false;
    i += len;
  }
  return true;
}

std::optional<double> parse_go_float(std::string_view s) noexcept {
  if (s.empty()) return std::nullopt;
  bool neg = s[0] == '-';
  bool has_sign = neg || s[0] == '+';
  std::string_view body = has_sign ? s.substr(1) : s;
  if (iequals(body, "inf") || iequals(body, "infinity"))
    return neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  if (iequals(body, "nan")) {
    if (has_sign) return std::nullopt; // Go accepts no sign on NaN
    return std::numeric_limits<double>::quiet_NaN();
  }
  std::optional<double> v;
  if (body.find('_') != std::string_view::npos) {
    if (!underscore_ok(s)) return std::nullopt;
    std::string stripped;
    stripped.reserve(body.size());
    for (char c : body)
      if (c != '_') stripped += c;
    v = parse_unsigned_float(stripped);
  } else {
    v = parse_unsigned_float(body);
  }
  if (v && neg) *v = -*v;
  return v;
}

std::optional<timestamp_ms> parse_rfc3339_ms(std::string_view s) noexcept {
  // YYYY-MM-DDTHH:MM:SS
  if (s.size() < 20) return std::nullopt;
  auto num = [&s](std::size_t pos, std::size_t len) -> int {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (!is_digit(s[i])) return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
    return std::nullopt;
  int year = num(0, 4), month = num(5, 2), day = num(8, 2);
  int hour = num(11, 2), minute = num(14, 2), second = num(17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return std::nullopt;
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  using namespace std::chrono;
  year_month_day ymd{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                     std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;
  std::size_t i = 19;
  std::int64_t frac_ms = 0;
  if (i < s.size() && s[i] == '.') {
    std::size_t start = ++i;
    while (i < s.size() && is_digit(s[i])) {
      if (i - start < 3) frac_ms = frac_ms * 10 + (s[i] - '0');
      ++i;
    }
    if (i == start) return std::nullopt;
    for (std::size_t k = i - start; k < 3; ++k) frac_ms *= 10;
  }
  if (i >= s.size()) return std::nullopt;
  std::int64_t offset_s = 0;
  if (s[i] == 'Z' || s[i] == 'z') {
    ++i;
  } else if (s[i] == '+' || s[i] == '-') {
    if (s.size() - i != 6 || s[i + 3] != ':') return std::nullopt;
    int oh = num(i + 1, 2), om = num(i + 4, 2);
    if (oh < 0 || om < 0 || oh > 23 || om > 59) return std::nullopt;
    offset_s = (s[i] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  std::int64_t days = sys_days{ymd}.time_since_epoch().count();
  std::int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_s;
  return secs * 1000 + frac_ms;
}

void append_go_float_f(std::string& out, double v) {
  if (append_special(out, v)) return;
  // Go pads the shortest round-trip digits with zeros (2^60 ->
  // "1152921504606847000"); to_chars(fixed) would print the exact binary
  // value ("1152921504606846976"). So take the digits from the scientific form.
  char buf[64];
  auto end = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific).ptr;
  const char* p = buf;
  // Written into `text` and appended once: at most a sign, 309 integer
  // digits (1e308), or "0." + 323 zeros + 17 digits (the smallest subnormal).
  char text[400];
  char* w = text;
  if (*p == '-') *w++ = *p++;
  char digits[32];
  int n = 0;
  for (; *p != 'e'; ++p)
    if (*p != '.') digits[n++] = *p;
  int exp = 0;
  std::from_chars(p + 1 + (p[1] == '+'), end, exp);
  int dp = exp + 1; // digits before the decimal point
  if (dp <= 0) *w++ = '0';
  for (int i = 0; i < dp; ++i) *w++ = i < n ? digits[i] : '0';
  if (n > dp) {
    *w++ = '.';
    for (int i = dp; i < n; ++i) *w++ = i < 0 ? '0' : digits[i];
  }
  out.append(text, w);
}

void append_go_float_e(std::string& out, double v) {
  if (append_special(out, v)) return;
  char buf[64]; // "-1.7976931348623157e+308" is the longest
  out.append(buf, std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific).ptr);
}

void append_go_float_g(std::string& out, double v) {
  if (append_special(out, v)) return;
  char buf[64];
  auto end = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific).ptr;
  const char* e = std::find(buf, end, 'e');
  int exp = 0;
  std::from_chars(e + 1 + (e[1] == '+'), end, exp);
  if (exp < -4 || exp >= 6)
    out.append(buf, end);
  else
    append_go_float_f(out, v);
}

std::string quoted(std::string_view s) {
  constexpr std::size_t max_len = 100;
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size() && i < max_len; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          static constexpr char hex[] = "0123456789abcdef";
          out += "\\x";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  if (s.size() > max_len) out += "...";
  return out;
}

void batch_builder::add(labels ls, sample s) {
  auto h = ls.hash();
  auto [it, end] = index_.equal_range(h);
  for (; it != end; ++it) {
    auto& item = batch_.items[it->second];
    if (item.lbls == ls) {
      item.samples.push_back(s);
      return;
    }
  }
  index_.emplace(h, batch_.items.size());
  batch_.items.push_back(series{std::move(ls), {s}});
}

write_batch batch_builder::finish() && {
  auto by_time = [](const sample& a, const sample& b) { return a.t < b.t; };
  for (auto& item : batch_.items)
    if (!std::is_sorted(item.samples.begin(), item.samples.end(), by_time))
      std::stable_sort(item.samples.begin(), item.samples.end(), by_time);
  index_.clear();
  return std::move(batch_);
}

} // namespace vigil::api
