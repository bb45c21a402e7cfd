#include "api/query_params.hpp"

#include <algorithm>
#include <cmath>

#include "api/codec_util.hpp"

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

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

/// A minimal PromQL vector-selector parser (no offsets, no ranges).
class selector_parser {
public:
  explicit selector_parser(std::string_view s) : s_(s) {}
  result<matchers> parse();

private:
  status fail(const std::string& what) const {
    return invalid_argument("parse error at char " + std::to_string(pos_ + 1) + ": " + what);
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skip_blanks() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  std::string_view ident(bool dots) {
    auto start = pos_;
    auto ok = [&](char c, bool first) {
      return is_alpha(c) || c == '_' || (dots && (c == ':' || c == '.')) || (!first && is_digit(c));
    };
    while (pos_ < s_.size() && ok(s_[pos_], pos_ == start)) ++pos_;
    return s_.substr(start, pos_ - start);
  }
  result<std::string> string_literal();
  status escape(char quote, std::string& out);
  status parse_matcher(matchers& out, bool named);

  std::string_view s_;
  std::size_t pos_ = 0;
};

status selector_parser::escape(char quote, std::string& out) {
  char c = peek();
  ++pos_;
  switch (c) {
    case 'a': out += '\a'; return status::ok();
    case 'b': out += '\b'; return status::ok();
    case 'f': out += '\f'; return status::ok();
    case 'n': out += '\n'; return status::ok();
    case 'r': out += '\r'; return status::ok();
    case 't': out += '\t'; return status::ok();
    case 'v': out += '\v'; return status::ok();
    case '\\': out += '\\'; return status::ok();
    default: break;
  }
  if (c == quote) {
    out += c;
    return status::ok();
  }
  std::size_t digits = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : (c >= '0' && c <= '7') ? 3 : 0;
  if (digits == 0) {
    --pos_;
    return fail("unknown escape sequence '\\" + std::string(1, c) + "'");
  }
  int base = (c >= '0' && c <= '7') ? 8 : 16;
  if (base == 8) --pos_; // the first octal digit is part of the number
  std::uint32_t v = 0;
  for (std::size_t k = 0; k < digits; ++k, ++pos_) {
    int d = hex_value(peek());
    if (d < 0 || d >= base) return fail("invalid escape sequence: expected " + std::to_string(digits) + " digits");
    v = v * static_cast<std::uint32_t>(base) + static_cast<std::uint32_t>(d);
  }
  if (c == 'x' || base == 8) {
    if (v > 255) return fail("octal escape value > 255");
    out += static_cast<char>(v);
  } else {
    if (v > 0x10FFFF || (v >= 0xD800 && v < 0xE000)) return fail("escape is an invalid Unicode code point");
    append_utf8(out, v);
  }
  return status::ok();
}

result<std::string> selector_parser::string_literal() {
  char quote = peek();
  if (quote != '"' && quote != '\'' && quote != '`') return fail("expected a quoted string");
  auto open = pos_++;
  std::string out;
  for (;;) {
    if (pos_ >= s_.size() || (quote != '`' && s_[pos_] == '\n')) {
      pos_ = open;
      return fail("unterminated quoted string");
    }
    char c = s_[pos_++];
    if (c == quote) break;
    if (c == '\\' && quote != '`') {
      VIGIL_TRY(escape(quote, out));
    } else {
      out += c;
    }
  }
  return out;
}

status selector_parser::parse_matcher(matchers& out, bool named) {
  std::string_view label = ident(false);
  if (label.empty()) return fail("unexpected " + quoted(s_.substr(pos_, 1)) + ", expected a label name or '}'");
  if (named && label == metric_name_label) {
    pos_ -= label.size();
    return fail("metric name must not be set twice");
  }
  skip_blanks();
  match_type type;
  if (s_.substr(pos_, 2) == "=~") type = match_type::regex;
  else if (s_.substr(pos_, 2) == "!~") type = match_type::not_regex;
  else if (s_.substr(pos_, 2) == "!=") type = match_type::not_equal;
  else if (peek() == '=') type = match_type::equal;
  else return fail("expected a label matching operator (=, !=, =~, !~) after label name " + quoted(label));
  pos_ += type == match_type::equal ? 1 : 2;
  skip_blanks();
  auto value_pos = pos_;
  auto value = string_literal();
  if (!value) return std::move(value).error();
  auto m = matcher::make(type, std::string(label), std::move(*value));
  if (!m) {
    pos_ = value_pos;
    return fail(m.error().message());
  }
  out.push_back(std::move(*m));
  return status::ok();
}

result<matchers> selector_parser::parse() {
  matchers out;
  skip_blanks();
  std::string_view name = ident(true);
  if (!name.empty()) {
    auto m = matcher::make(match_type::equal, std::string(metric_name_label), std::string(name));
    out.push_back(std::move(*m)); // equality matchers cannot fail
    skip_blanks();
  }
  if (peek() == '{') {
    ++pos_;
    for (;;) {
      skip_blanks();
      if (peek() == '}') {
        ++pos_;
        break;
      }
      VIGIL_TRY(parse_matcher(out, !name.empty()));
      skip_blanks();
      if (peek() == ',') ++pos_;
      else if (peek() != '}') return fail("expected ',' or '}' after a label matcher");
    }
    skip_blanks();
  }
  if (pos_ != s_.size()) return fail("unexpected " + quoted(s_.substr(pos_, 10)) + " after the selector");
  if (std::all_of(out.begin(), out.end(), [](const matcher& m) { return m.matches_empty(); }))
    return invalid_argument("vector selector must contain at least one non-empty matcher");
  return out;
}

std::string form_decode(std::string_view s) {
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
  auto r = selector_parser(s).parse();
  if (!r) return invalid_argument("invalid selector " + quoted(s) + ": " + r.error().message());
  return r;
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
    out.emplace_back(form_decode(name), form_decode(value));
  }
  return out;
}

} // namespace vigil::api
