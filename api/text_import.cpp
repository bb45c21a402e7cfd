#include "api/text_import.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>

#include "api/codec_util.hpp"

namespace vigil::api {

namespace {

constexpr bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }
constexpr bool is_name_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == ':' || c == '.';
}

/// Parses one line at a time; `pos_` indexes into `line_`.
class line_parser {
public:
  line_parser(std::string_view line, std::size_t number) : line_(line), number_(number) {}

  status parse_sample(timestamp_ms now, batch_builder& out);
  status parse_comment(std::vector<metric_metadata>* metadata);

private:
  status fail(const std::string& what) const {
    return invalid_argument("line " + std::to_string(number_) + ", column " + std::to_string(pos_ + 1) +
                            ": " + what);
  }
  void skip_blanks() {
    while (pos_ < line_.size() && is_blank(line_[pos_])) ++pos_;
  }
  bool at_end() const { return pos_ >= line_.size(); }
  char peek() const { return at_end() ? '\0' : line_[pos_]; }
  std::string_view token() { // up to the next blank
    auto start = pos_;
    while (pos_ < line_.size() && !is_blank(line_[pos_])) ++pos_;
    return line_.substr(start, pos_ - start);
  }
  std::string_view name_token() {
    auto start = pos_;
    while (pos_ < line_.size() && is_name_char(line_[pos_])) ++pos_;
    return line_.substr(start, pos_ - start);
  }
  status parse_labels(std::vector<label>& out);
  result<std::string> parse_label_value(std::string_view name);

  std::string_view line_;
  std::size_t number_;
  std::size_t pos_ = 0;
};

status line_parser::parse_sample(timestamp_ms now, batch_builder& out) {
  skip_blanks();
  std::string_view name = name_token();
  if (name.empty()) return fail("expected a metric name, got " + quoted(line_.substr(pos_, 20)));
  if (!is_valid_metric_name(name)) {
    pos_ -= name.size();
    return fail("invalid metric name " + quoted(name));
  }
  std::vector<label> pairs;
  pairs.reserve(8);
  pairs.push_back({std::string(metric_name_label), std::string(name)});
  skip_blanks();
  if (peek() == '{') {
    ++pos_;
    VIGIL_TRY(parse_labels(pairs));
    skip_blanks();
  }
  if (at_end()) return fail("expected a value after " + quoted(name));
  std::string_view value_text = token();
  auto value = parse_go_float(value_text);
  if (!value) {
    pos_ -= value_text.size();
    return fail("invalid value " + quoted(value_text));
  }
  skip_blanks();
  timestamp_ms t = now;
  if (!at_end()) {
    std::string_view ts_text = token();
    std::string_view digits = ts_text.starts_with('+') ? ts_text.substr(1) : ts_text;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), t);
    if (ec != std::errc() || ptr != digits.data() + digits.size() || digits.empty()) {
      pos_ -= ts_text.size();
      return fail("invalid timestamp " + quoted(ts_text) + " (want integer milliseconds)");
    }
    skip_blanks();
    if (!at_end()) return fail("unexpected text after the timestamp");
  }
  out.add(labels(std::move(pairs)), sample{t, *value});
  return status::ok();
}

status line_parser::parse_labels(std::vector<label>& out) {
  for (;;) {
    skip_blanks();
    if (peek() == '}') {
      ++pos_;
      return status::ok();
    }
    if (at_end()) return fail("expected a label name or '}'");
    std::string_view name = name_token();
    if (name.empty()) return fail("expected a label name or '}', got " + quoted(line_.substr(pos_, 1)));
    if (!is_valid_label_name(name)) {
      pos_ -= name.size();
      return fail("invalid label name " + quoted(name));
    }
    if (name == metric_name_label) {
      pos_ -= name.size();
      return fail("label \"__name__\" is not allowed in braces");
    }
    for (const auto& l : out)
      if (l.name == name) {
        pos_ -= name.size();
        return fail("duplicate label name " + quoted(name));
      }
    skip_blanks();
    if (peek() != '=') return fail("expected '=' after label name " + quoted(name));
    ++pos_;
    skip_blanks();
    auto value = parse_label_value(name);
    if (!value) return std::move(value).error();
    out.push_back({std::string(name), std::move(*value)});
    skip_blanks();
    if (peek() == ',') {
      ++pos_;
    } else if (peek() != '}') {
      return fail("expected ',' or '}' after the value of label " + quoted(name));
    }
  }
}

result<std::string> line_parser::parse_label_value(std::string_view name) {
  if (peek() != '"') return fail("expected '\"' to open the value of label " + quoted(name));
  auto open = pos_++;
  std::string value;
  while (!at_end() && line_[pos_] != '"') {
    auto stop = std::min(line_.find_first_of("\"\\", pos_), line_.size());
    value.append(line_, pos_, stop - pos_); // the run up to a quote or backslash
    pos_ = stop;
    if (at_end() || line_[pos_] == '"') break;
    if (++pos_ == line_.size()) break; // backslash at the end of the line
    char e = line_[pos_++];
    if (e == 'n') value += '\n';
    else if (e == '\\' || e == '"') value += e;
    else (value += '\\') += e; // Prometheus keeps unknown escapes verbatim
  }
  if (at_end()) {
    pos_ = open;
    return fail("unterminated value of label " + quoted(name));
  }
  ++pos_; // closing quote
  if (!is_valid_utf8(value)) {
    pos_ = open;
    return fail("value of label " + quoted(name) + " is not valid UTF-8");
  }
  return value;
}

std::string unescape_help(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == '\\' || s[i + 1] == 'n')) {
      out += s[i + 1] == 'n' ? '\n' : '\\';
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::optional<metric_type> parse_type(std::string_view s) {
  for (auto t : {metric_type::untyped, metric_type::counter, metric_type::gauge, metric_type::histogram,
                 metric_type::summary})
    if (s == to_string(t)) return t;
  return std::nullopt;
}

metric_metadata& entry(std::vector<metric_metadata>& md, std::string_view name) {
  for (auto& m : md)
    if (m.name == name) return m;
  return md.emplace_back(metric_metadata{std::string(name), metric_type::untyped, {}, {}});
}

status line_parser::parse_comment(std::vector<metric_metadata>* metadata) {
  skip_blanks();
  ++pos_; // past '#'
  skip_blanks();
  std::string_view keyword = token();
  if (keyword != "HELP" && keyword != "TYPE") return status::ok(); // plain comment
  skip_blanks();
  std::string_view name = name_token();
  if (name.empty() || !is_valid_metric_name(name) || !(at_end() || is_blank(peek()))) {
    pos_ -= name.size();
    return fail("invalid metric name in # " + std::string(keyword) + " line");
  }
  skip_blanks();
  if (keyword == "HELP") {
    std::string help = unescape_help(line_.substr(pos_));
    if (metadata) entry(*metadata, name).help = std::move(help);
    return status::ok();
  }
  std::string_view type_text = token();
  auto type = parse_type(type_text);
  if (!type) {
    pos_ -= type_text.size();
    return fail("invalid metric type " + quoted(type_text));
  }
  skip_blanks();
  if (!at_end()) return fail("unexpected text after the metric type");
  if (metadata) entry(*metadata, name).type = *type;
  return status::ok();
}

} // namespace

result<write_batch> decode_prometheus_text(std::string_view body, timestamp_ms now,
                                           std::vector<metric_metadata>* metadata) {
  batch_builder out;
  std::size_t number = 0;
  while (!body.empty()) {
    auto nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);
    ++number;
    if (line.ends_with('\r')) line.remove_suffix(1);
    std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos) continue;
    line_parser p(line, number);
    if (line[first] == '#') {
      VIGIL_TRY(p.parse_comment(metadata));
    } else {
      VIGIL_TRY(p.parse_sample(now, out));
    }
  }
  return std::move(out).finish();
}

} // namespace vigil::api

// ---- writer ----------------------------------------------------------------

namespace vigil::api {

namespace {

void append_escaped_help(std::string& out, std::string_view s) {
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
}

} // namespace

text_writer& text_writer::family(std::string_view name, metric_type type, std::string_view help) {
  if (!help.empty()) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    append_escaped_help(out_, help);
    out_ += '\n';
  }
  out_ += "# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += to_string(type);
  out_ += '\n';
  return *this;
}

void text_writer::head(std::string_view name) { out_ += name; }

void text_writer::pair(std::string_view name, std::string_view value, bool& first) {
  out_ += first ? '{' : ',';
  first = false;
  out_ += name;
  out_ += "=\"";
  out_ += escape_label_value(value);
  out_ += '"';
}

void text_writer::tail(bool any_label, double v, std::optional<timestamp_ms> t) {
  if (any_label) out_ += '}';
  out_ += ' ';
  append_go_float_g(out_, v);
  if (t) {
    out_ += ' ';
    out_ += std::to_string(*t);
  }
  out_ += '\n';
}

text_writer& text_writer::sample(std::string_view name, const labels& ls, double v,
                                 std::optional<timestamp_ms> t) {
  head(name);
  bool first = true;
  for (const auto& l : ls)
    if (l.name != metric_name_label) pair(l.name, l.value, first);
  tail(!first, v, t);
  return *this;
}

text_writer& text_writer::sample(std::string_view name,
                                 std::initializer_list<std::pair<std::string_view, std::string_view>> ls,
                                 double v) {
  head(name);
  bool first = true;
  for (const auto& [n, value] : ls)
    if (!value.empty()) pair(n, value, first);
  tail(!first, v, std::nullopt);
  return *this;
}

text_writer& text_writer::histogram(std::string_view name, const labels& ls,
                                    std::span<const double> upper_bounds,
                                    std::span<const std::uint64_t> cumulative, double sum) {
  assert(cumulative.size() == upper_bounds.size() + 1);
  const std::string bucket = std::string(name) + "_bucket";
  std::string le;
  for (std::size_t i = 0; i < cumulative.size(); ++i) {
    le.clear();
    if (i < upper_bounds.size()) append_go_float_g(le, upper_bounds[i]);
    else le = "+Inf";
    head(bucket);
    bool first = true;
    for (const auto& l : ls)
      if (l.name != metric_name_label && l.name != "le") pair(l.name, l.value, first);
    pair("le", le, first);
    tail(true, static_cast<double>(cumulative[i]), std::nullopt);
  }
  sample(std::string(name) + "_sum", ls, sum);
  sample(std::string(name) + "_count", ls, static_cast<double>(cumulative.back()));
  return *this;
}

std::string encode_prometheus_text(const write_batch& batch, bool with_timestamps) {
  text_writer w;
  for (const auto& s : batch.items)
    for (const auto& smp : s.samples)
      w.sample(s.lbls.metric_name(), s.lbls, smp.v,
               with_timestamps ? std::optional<timestamp_ms>(smp.t) : std::nullopt);
  return w.take();
}

} // namespace vigil::api
