// Parsing of promqltest scripts: commands, series descriptions, values.
#include <cmath>
#include <map>
#include <regex>

#include "query/lexer.hpp"
#include "query/promqltest.hpp"

namespace vigil::query::promqltest {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_ws(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

status line_error(std::size_t line, const std::string& msg) {
  return invalid_argument("line " + std::to_string(line) + ": " + msg);
}

// Splits "name{...} rest" into the description and the rest.
std::pair<std::string_view, std::string_view> split_desc(std::string_view s) {
  std::size_t i = 0;
  char quote = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (quote) {
      if (c == '\\' && quote != '`') ++i;
      else if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'' || c == '`') {
      quote = c;
    } else if (c == '}') {
      ++i;
      break;
    } else if ((c == ' ' || c == '\t') && s.substr(0, i).find('{') == std::string_view::npos) {
      break;
    }
  }
  return {s.substr(0, i), trim(s.substr(i))};
}

bool parse_value(std::string_view s, double& v) {
  if (s == "stale") {
    v = stale_nan();
    return true;
  }
  return parse_number(s, v);
}

// "a", "axN", "a+bxN", "a-bxN", "_", "_xN", "stale".
status expand_item(std::string_view item, std::vector<std::optional<double>>& out) {
  auto bad = [&] { return invalid_argument("bad series value \"" + std::string(item) + "\""); };
  std::size_t x = item.rfind('x');
  // Hexadecimal is not allowed in series values: "0x10" is 0 repeated.
  if (x == std::string_view::npos) {
    if (item == "_") {
      out.emplace_back();
      return status::ok();
    }
    double v = 0;
    if (!parse_value(item, v)) return bad();
    out.emplace_back(v);
    return status::ok();
  }
  double times_d = 0;
  if (!parse_number(item.substr(x + 1), times_d) || times_d < 0) return bad();
  auto times = static_cast<std::size_t>(times_d);
  std::string_view head = item.substr(0, x);
  if (head == "_") {
    for (std::size_t i = 0; i < times; ++i) out.emplace_back();
    return status::ok();
  }
  // Find the operator between a and b (not a sign or an exponent sign).
  std::size_t op = std::string_view::npos;
  for (std::size_t i = 1; i < head.size(); ++i)
    if ((head[i] == '+' || head[i] == '-') && head[i - 1] != 'e' && head[i - 1] != 'E') op = i;
  double a = 0, b = 0;
  if (op == std::string_view::npos) {
    if (!parse_value(head, a)) return bad();
  } else {
    if (!parse_value(head.substr(0, op), a) || !parse_number(head.substr(op + 1), b)) return bad();
    if (head[op] == '-') b = -b;
  }
  for (std::size_t i = 0; i <= times; ++i) {
    out.emplace_back(a);
    a += b;
  }
  return status::ok();
}

result<timestamp_ms> parse_time(std::string_view s) { return parse_duration(trim(s)); }

result<load_cmd> parse_load(const std::vector<std::string_view>& lines, std::size_t& i, std::string_view interval) {
  load_cmd cmd;
  auto d = parse_duration(trim(interval));
  if (!d) return line_error(i + 1, "bad load interval");
  cmd.interval = *d;
  std::map<labels, std::size_t> index;
  for (++i; i < lines.size() && !trim(lines[i]).empty() && trim(lines[i])[0] != '#'; ++i) {
    auto [desc, rest] = split_desc(trim(lines[i]));
    auto lbls = parse_series_desc(desc);
    if (!lbls) return line_error(i + 1, lbls.error().message());
    auto vals = expand_values(rest);
    if (!vals) return line_error(i + 1, vals.error().message());
    series s{*lbls, {}};
    for (std::size_t k = 0; k < vals->size(); ++k)
      if ((*vals)[k]) s.samples.push_back({static_cast<timestamp_ms>(k) * cmd.interval, *(*vals)[k]});
    if (auto it = index.find(s.lbls); it != index.end()) cmd.defs[it->second] = std::move(s);
    else index.emplace(s.lbls, cmd.defs.size()), cmd.defs.push_back(std::move(s));
  }
  return cmd;
}

status parse_expected(std::string_view line, eval_cmd& cmd) {
  double v = 0;
  if (parse_number(line, v)) {
    cmd.scalar = v;
    return status::ok();
  }
  auto [desc, rest] = split_desc(line);
  auto lbls = parse_series_desc(desc);
  if (!lbls) return lbls.error();
  auto vals = expand_values(rest);
  if (!vals) return vals.error();
  if (vals->empty() || !(*vals)[0]) return invalid_argument("expected sample without a value");
  cmd.samples.push_back({*lbls, *(*vals)[0]});
  return status::ok();
}

result<eval_cmd> parse_eval(const std::vector<std::string_view>& lines, std::size_t& i) {
  static const std::regex pat(R"(^eval(?:_(fail|ordered))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$)");
  std::string head(trim(lines[i]));
  std::smatch m;
  if (!std::regex_match(head, m, pat)) return line_error(i + 1, "invalid eval command: " + head);
  eval_cmd cmd;
  cmd.line = i + 1;
  cmd.expect_fail = m[1] == "fail";
  cmd.ordered = m[1] == "ordered";
  auto at = parse_time(m[2].str());
  if (!at) return line_error(i + 1, "bad eval time \"" + m[2].str() + "\"");
  cmd.at = *at;
  cmd.expr = m[3].str();
  for (++i; i < lines.size() && !trim(lines[i]).empty() && trim(lines[i])[0] != '#'; ++i) {
    if (cmd.scalar) continue;
    if (auto st = parse_expected(trim(lines[i]), cmd); !st) return line_error(i + 1, st.message());
  }
  return cmd;
}

} // namespace

result<labels> parse_series_desc(std::string_view text) {
  auto toks = lex(text);
  if (!toks) return std::move(toks).error();
  std::vector<label> pairs;
  std::size_t i = 0;
  const auto& t = *toks;
  if (t[i].kind == token_kind::identifier || t[i].kind == token_kind::number) {
    pairs.push_back({std::string(metric_name_label), std::string(t[i].text)});
    ++i;
  }
  if (t[i].kind == token_kind::lbrace) {
    for (++i; t[i].kind != token_kind::rbrace; ++i) {
      if (t[i].kind != token_kind::identifier || t[i + 1].kind != token_kind::assign ||
          t[i + 2].kind != token_kind::string)
        return invalid_argument("bad series description \"" + std::string(text) + "\"");
      pairs.push_back({t[i].str, t[i + 2].str});
      i += 2;
      if (t[i + 1].kind == token_kind::comma) ++i;
    }
    ++i;
  }
  if (t[i].kind != token_kind::eof) return invalid_argument("bad series description \"" + std::string(text) + "\"");
  return labels(std::move(pairs));
}

result<std::vector<std::optional<double>>> expand_values(std::string_view text) {
  std::vector<std::optional<double>> out;
  for (auto item : split_ws(text))
    if (auto st = expand_item(item, out); !st) return st;
  return out;
}

result<std::vector<command>> parse_script(std::string_view text) {
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start <= text.size();) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  std::vector<command> cmds;
  for (std::size_t i = 0; i < lines.size();) {
    std::string_view l = trim(lines[i]);
    if (l.empty() || l[0] == '#') {
      ++i;
    } else if (l == "clear") {
      cmds.emplace_back(clear_cmd{});
      ++i;
    } else if (l.starts_with("load ")) {
      auto c = parse_load(lines, i, l.substr(5));
      if (!c) return std::move(c).error();
      cmds.emplace_back(std::move(*c));
    } else if (l.starts_with("eval")) {
      auto c = parse_eval(lines, i);
      if (!c) return std::move(c).error();
      cmds.emplace_back(std::move(*c));
    } else {
      return line_error(i + 1, "unknown command \"" + std::string(l) + "\"");
    }
  }
  return cmds;
}

bool almost_equal(double a, double b) {
  constexpr double epsilon = 0.000001, min_normal = 2.2250738585072014e-308;
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  double diff = std::abs(a - b);
  if (a == 0 || b == 0 || diff < min_normal) return diff < epsilon * min_normal;
  return diff / (std::abs(a) + std::abs(b)) < epsilon;
}

} // namespace vigil::query::promqltest
