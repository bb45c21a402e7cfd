#include "api/query_params.hpp"

#include <algorithm>
#include <cmath>

#include "api/codec_util.hpp"
#include "query/ast.hpp"
#include "query/parser.hpp"

namespace vigil::api {

namespace {

constexpr std::string_view min_time_string = "-292273086-05-16T16:47:06Z";
constexpr std::string_view max_time_string = "292277025-08-18T07:12:54.999999999Z";

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

int hex_value(char c) noexcept {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Prometheus' model.ParseDuration: [0-9]+ followed by y w d h m s ms, units
/// in that order, each at most once.
std::optional<timestamp_ms> parse_prom_duration(std::string_view s) {
  struct unit {
    std::string_view name;
    std::int64_t ms;
  };
  static constexpr unit units[] = {{"y", 365LL * 86400000}, {"w", 7LL * 86400000}, {"d", 86400000},
                                   {"h", 3600000},          {"m", 60000},          {"s", 1000},
                                   {"ms", 1}};
  if (s.empty()) return std::nullopt;
  std::int64_t total = 0;
  std::size_t next_unit = 0, i = 0;
  while (i < s.size()) {
    std::int64_t n = 0;
    std::size_t start = i;
    for (; i < s.size() && is_digit(s[i]); ++i)
      if (__builtin_mul_overflow(n, 10, &n) || __builtin_add_overflow(n, s[i] - '0', &n)) return std::nullopt;
    if (i == start) return std::nullopt;
    std::size_t u = next_unit;
    // "ms" must win over "m".
    auto matches = [&](const unit& x) { return s.substr(i, x.name.size()) == x.name &&
                                               !(x.name == "m" && s.substr(i, 2) == "ms"); };
    while (u < std::size(units) && !matches(units[u])) ++u;
    if (u == std::size(units)) return std::nullopt;
    std::int64_t part = 0;
    if (__builtin_mul_overflow(n, units[u].ms, &part) || __builtin_add_overflow(total, part, &total))
      return std::nullopt;
    i += units[u].name.size();
    next_unit = u + 1;
  }
  return total;
}

std::string form_decode_impl(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

} // namespace

result<timestamp_ms> parse_time_param(std::string_view s) {
  if (auto f = parse_go_float(s); f && std::isfinite(*f)) {
    double secs = std::trunc(*f);
    // |secs| < 2^63 / 1000 keeps secs * 1000 + 999 inside int64.
    if (std::fabs(secs) < 9223372036854775.0)
      return static_cast<timestamp_ms>(secs) * 1000 + std::llround((*f - secs) * 1000);
  }
  if (s == min_time_string) return prometheus_min_time_ms;
  if (s == max_time_string) return prometheus_max_time_ms;
  if (auto t = parse_rfc3339_ms(s)) return *t;
  return invalid_argument("cannot parse " + quoted(s) + " to a valid timestamp");
}

result<timestamp_ms> parse_duration_param(std::string_view s) {
  if (auto f = parse_go_float(s)) {
    double ms = *f * 1000;
    if (std::isnan(ms) || ms >= 9223372036854775807.0 || ms <= -9223372036854775808.0)
      return invalid_argument("cannot parse " + quoted(s) + " to a valid duration. It overflows int64");
    return static_cast<timestamp_ms>(std::llround(ms));
  }
  if (auto d = parse_prom_duration(s)) return *d;
  return invalid_argument("cannot parse " + quoted(s) + " to a valid duration");
}

result<matchers> parse_series_selector(std::string_view s) {
  // match[] is PromQL selector syntax: parse it with the PromQL parser.
  auto e = query::parse(s);
  if (!e) return invalid_argument("invalid selector " + quoted(s) + ": " + e.error().message());
  const auto* sel = std::get_if<query::vector_selector>(&(*e)->node);
  if (sel == nullptr || sel->offset != 0 || sel->at.is_set())
    return invalid_argument("invalid selector " + quoted(s) + ": expected a plain vector selector");
  return sel->ms;
}

result<std::int64_t> parse_go_int(std::string_view s) {
  auto fail = [s](const char* why) {
    return invalid_argument("strconv.Atoi: parsing " + quoted(s) + ": " + why);
  };
  std::string_view digits = s;
  bool neg = false;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
    neg = digits[0] == '-';
    digits.remove_prefix(1);
  }
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), is_digit)) return fail("invalid syntax");
  std::int64_t v = 0;
  for (char c : digits) {
    int d = c - '0';
    if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, neg ? -d : d, &v))
      return fail("value out of range");
  }
  return v;
}

result<bool> parse_go_bool(std::string_view s) {
  for (std::string_view t : {"1", "t", "T", "TRUE", "true", "True"})
    if (s == t) return true;
  for (std::string_view f : {"0", "f", "F", "FALSE", "false", "False"})
    if (s == f) return false;
  return invalid_argument("strconv.ParseBool: parsing " + quoted(s) + ": invalid syntax");
}

std::vector<std::pair<std::string, std::string>> parse_form(std::string_view s) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!s.empty()) {
    auto amp = s.find('&');
    std::string_view piece = s.substr(0, amp);
    s = amp == std::string_view::npos ? std::string_view{} : s.substr(amp + 1);
    if (piece.empty()) continue;
    auto eq = piece.find('=');
    std::string_view name = piece.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1);
    out.emplace_back(form_decode_impl(name), form_decode_impl(value));
  }
  return out;
}

std::string url_decode(std::string_view s) { return form_decode_impl(s); }

} // namespace vigil::api
