#include "query/lexer.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace vigil::query {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

class lexer {
public:
  explicit lexer(std::string_view q) : q_(q) {}

  result<std::vector<token>> run() {
    std::vector<token> out;
    for (;;) {
      skip_space_and_comments();
      if (pos_ >= q_.size()) break;
      auto t = next_token();
      if (!t) return std::move(t).error();
      out.push_back(std::move(*t));
    }
    token eof;
    eof.kind = token_kind::eof;
    eof.pos = q_.size();
    out.push_back(std::move(eof));
    return out;
  }

private:
  char peek(std::size_t ahead = 0) const { return pos_ + ahead < q_.size() ? q_[pos_ + ahead] : '\0'; }

  void skip_space_and_comments() {
    while (pos_ < q_.size()) {
      if (is_space(q_[pos_])) {
        ++pos_;
      } else if (q_[pos_] == '#') {
        while (pos_ < q_.size() && q_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }

  status error(std::size_t at, std::string msg) const {
    return invalid_argument(parse_error_message(q_, at, msg));
  }

  token make(token_kind k, std::size_t start) const {
    token t;
    t.kind = k;
    t.pos = start;
    t.text = q_.substr(start, pos_ - start);
    return t;
  }

  result<token> next_token() {
    std::size_t start = pos_;
    char c = q_[pos_];
    if (c == ':' && bracket_depth_ > 0) {
      ++pos_;
      return make(token_kind::colon, start);
    }
    if (is_ident_start(c)) return identifier(start);
    if (is_digit(c) || (c == '.' && is_digit(peek(1)))) return number_or_duration(start);
    if (c == '"' || c == '\'' || c == '`') return string(start);
    return punctuation(start);
  }

  result<token> identifier(std::size_t start) {
    while (pos_ < q_.size() && is_ident_char(q_[pos_])) ++pos_;
    token t = make(token_kind::identifier, start);
    t.str = std::string(t.text);
    if (brace_depth_ == 0 && (iequals(t.text, "inf") || iequals(t.text, "nan"))) {
      t.kind = token_kind::number;
      t.num = iequals(t.text, "inf") ? std::numeric_limits<double>::infinity()
                                     : std::numeric_limits<double>::quiet_NaN();
    }
    return t;
  }

  // Scans a number as Prometheus' scanNumber does; returns whether the next
  // character ends it (is not alphanumeric).
  bool scan_number() {
    const char* digits = "0123456789";
    if (peek() == '0' && (peek(1) == 'x' || peek(1) == 'X')) {
      pos_ += 2;
      digits = "0123456789abcdefABCDEF";
    }
    auto run = [this](const char* set) {
      while (pos_ < q_.size() && std::string_view(set).find(q_[pos_]) != std::string_view::npos) ++pos_;
    };
    run(digits);
    if (peek() == '.') {
      ++pos_;
      run(digits);
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      run("0123456789");
    }
    return !is_alnum(peek());
  }

  result<token> number_or_duration(std::size_t start) {
    if (scan_number()) {
      token t = make(token_kind::number, start);
      if (!parse_number(t.text, t.num)) return error(start, "bad number syntax: \"" + std::string(t.text) + "\"");
      return t;
    }
    // A duration: digits followed by units, e.g. 1h30m, 10ms.
    pos_ = start;
    while (is_digit(peek()) || is_alnum(peek())) ++pos_;
    token t = make(token_kind::duration, start);
    auto d = parse_duration(t.text);
    if (!d) return error(start, "bad number or duration syntax: \"" + std::string(t.text) + "\"");
    t.dur = *d;
    return t;
  }

  result<token> string(std::size_t start) {
    char quote = q_[pos_++];
    while (pos_ < q_.size() && q_[pos_] != quote) {
      if (q_[pos_] == '\\' && quote != '`') ++pos_;
      else if (q_[pos_] == '\n' && quote != '`') return error(start, "unterminated quoted string");
      ++pos_;
    }
    if (pos_ >= q_.size()) return error(start, "unterminated quoted string");
    ++pos_;
    token t = make(token_kind::string, start);
    auto s = unquote(t.text);
    if (!s) return error(start, s.error().message());
    t.str = std::move(*s);
    return t;
  }

  result<token> punctuation(std::size_t start) {
    char c = q_[pos_++];
    char n = peek();
    auto two = [&](token_kind k) {
      ++pos_;
      return make(k, start);
    };
    switch (c) {
      case '(': return make(token_kind::lparen, start);
      case ')': return make(token_kind::rparen, start);
      case '{': ++brace_depth_; return make(token_kind::lbrace, start);
      case '}': if (brace_depth_ > 0) --brace_depth_; return make(token_kind::rbrace, start);
      case '[': ++bracket_depth_; return make(token_kind::lbracket, start);
      case ']': if (bracket_depth_ > 0) --bracket_depth_; return make(token_kind::rbracket, start);
      case ',': return make(token_kind::comma, start);
      case ':': return make(token_kind::colon, start);
      case '@': return make(token_kind::at, start);
      case '+': return make(token_kind::add, start);
      case '-': return make(token_kind::sub, start);
      case '*': return make(token_kind::mul, start);
      case '/': return make(token_kind::div, start);
      case '%': return make(token_kind::mod, start);
      case '^': return make(token_kind::pow, start);
      case '=':
        if (n == '=') return two(token_kind::eql);
        if (n == '~') return two(token_kind::eql_regex);
        return make(token_kind::assign, start);
      case '!':
        if (n == '=') return two(token_kind::neq);
        if (n == '~') return two(token_kind::neq_regex);
        return error(start, "unexpected character after '!': '" + std::string(1, n) + "'");
      case '<':
        if (n == '=') return two(token_kind::lte);
        return make(token_kind::lss, start);
      case '>':
        if (n == '=') return two(token_kind::gte);
        return make(token_kind::gtr, start);
      default: break;
    }
    return error(start, "unexpected character: '" + std::string(1, c) + "'");
  }

  std::string_view q_;
  std::size_t pos_ = 0;
  int brace_depth_ = 0;
  int bracket_depth_ = 0;
};

} // namespace

const char* describe(token_kind k) noexcept {
  switch (k) {
    case token_kind::eof: return "end of input";
    case token_kind::identifier: return "identifier";
    case token_kind::number: return "number";
    case token_kind::duration: return "duration";
    case token_kind::string: return "string";
    case token_kind::lparen: return "\"(\"";
    case token_kind::rparen: return "\")\"";
    case token_kind::lbrace: return "\"{\"";
    case token_kind::rbrace: return "\"}\"";
    case token_kind::lbracket: return "\"[\"";
    case token_kind::rbracket: return "\"]\"";
    case token_kind::comma: return "\",\"";
    case token_kind::colon: return "\":\"";
    case token_kind::at: return "\"@\"";
    case token_kind::assign: return "\"=\"";
    case token_kind::eql: return "\"==\"";
    case token_kind::neq: return "\"!=\"";
    case token_kind::eql_regex: return "\"=~\"";
    case token_kind::neq_regex: return "\"!~\"";
    case token_kind::lss: return "\"<\"";
    case token_kind::gtr: return "\">\"";
    case token_kind::lte: return "\"<=\"";
    case token_kind::gte: return "\">=\"";
    case token_kind::add: return "\"+\"";
    case token_kind::sub: return "\"-\"";
    case token_kind::mul: return "\"*\"";
    case token_kind::div: return "\"/\"";
    case token_kind::mod: return "\"%\"";
    case token_kind::pow: return "\"^\"";
  }
  return "token";
}

std::string parse_error_message(std::string_view query, std::size_t pos, std::string_view msg) {
  std::size_t line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < pos && i < query.size(); ++i) {
    if (query[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return std::to_string(line) + ":" + std::to_string(pos - line_start + 1) + ": parse error: " + std::string(msg);
}

result<std::vector<token>> lex(std::string_view query) { return lexer(query).run(); }

bool parse_number(std::string_view s, double& out) {
  if (s.empty()) return false;
  std::string_view body = s;
  bool neg = false;
  if (body[0] == '+' || body[0] == '-') {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (iequals(body, "inf") || iequals(body, "infinity")) {
    out = neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    return true;
  }
  if (iequals(body, "nan")) {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')) {
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(body.data() + 2, body.data() + body.size(), v, 16);
    if (ec != std::errc() || p != body.data() + body.size()) return false;
    out = neg ? -static_cast<double>(v) : static_cast<double>(v);
    return true;
  }
  // from_chars rejects a trailing '.' with no digits only in some versions; use strtod.
  std::string tmp(body);
  if (tmp.empty() || !(is_digit(tmp[0]) || tmp[0] == '.')) return false;
  char* end = nullptr;
  double v = std::strtod(tmp.c_str(), &end);
  if (end != tmp.c_str() + tmp.size()) return false;
  out = neg ? -v : v;
  return true;
}

result<std::int64_t> parse_duration(std::string_view s) {
  static constexpr struct {
    std::string_view unit;
    std::int64_t ms;
  } units[] = {{"y", 365LL * 24 * 3600 * 1000}, {"w", 7LL * 24 * 3600 * 1000}, {"d", 24LL * 3600 * 1000},
               {"h", 3600LL * 1000},            {"m", 60LL * 1000},           {"s", 1000},
               {"ms", 1}};
  if (s.empty()) return invalid_argument("empty duration string");
  if (s == "0") return std::int64_t{0};
  std::int64_t total = 0;
  std::size_t next_unit = 0, i = 0;
  while (i < s.size()) {
    std::size_t d = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    if (i == d) return invalid_argument("not a valid duration string: \"" + std::string(s) + "\"");
    std::int64_t n = 0;
    std::from_chars(s.data() + d, s.data() + i, n);
    std::size_t u = i;
    while (i < s.size() && !is_digit(s[i])) ++i;
    std::string_view unit = s.substr(u, i - u);
    bool found = false;
    for (std::size_t k = next_unit; k < std::size(units); ++k) {
      if (units[k].unit == unit) {
        total += n * units[k].ms;
        next_unit = k + 1;
        found = true;
        break;
      }
    }
    if (!found) return invalid_argument("not a valid duration string: \"" + std::string(s) + "\"");
  }
  return total;
}

std::string format_duration(std::int64_t ms) {
  if (ms == 0) return "0s";
  std::string r;
  if (ms < 0) {
    r = "-";
    ms = -ms;
  }
  auto f = [&](const char* unit, std::int64_t mult, bool exact) {
    if (exact && ms % mult != 0) return;
    if (std::int64_t v = ms / mult; v > 0) {
      r += std::to_string(v) + unit;
      ms -= v * mult;
    }
  };
  f("y", 365LL * 24 * 3600 * 1000, true);
  f("w", 7LL * 24 * 3600 * 1000, true);
  f("d", 24LL * 3600 * 1000, false);
  f("h", 3600LL * 1000, false);
  f("m", 60LL * 1000, false);
  f("s", 1000, false);
  f("ms", 1, false);
  return r;
}

} // namespace vigil::query
