#include "core/labels.hpp"

#include <algorithm>
#include <cassert>

#include <re2/re2.h>

#include "core/hash.hpp"

namespace vigil {

namespace {

[[maybe_unused]] bool sorted_unique(const std::vector<label>& p) {
  for (std::size_t i = 1; i < p.size(); ++i)
    if (!(p[i - 1].name < p[i].name)) return false;
  return true;
}

} // namespace

labels::labels(std::vector<label> pairs) {
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const label& a, const label& b) { return a.name < b.name; });
  // Keep the last of equal names.
  std::vector<label> out;
  out.reserve(pairs.size());
  for (auto& p : pairs) {
    if (!out.empty() && out.back().name == p.name)
      out.back() = std::move(p);
    else
      out.push_back(std::move(p));
  }
  std::erase_if(out, [](const label& l) { return l.value.empty(); });
  *this = of(std::move(out));
}

labels labels::of(std::vector<label> pairs) {
  labels l;
  if (!pairs.empty()) {
    auto r = std::make_shared<rep>();
    r->pairs = std::move(pairs);
    l.rep_ = std::move(r);
  }
  return l;
}

const std::vector<label>& labels::empty_pairs() noexcept {
  static const std::vector<label> none;
  return none;
}

labels labels::from_sorted(std::vector<label> pairs) {
  assert(sorted_unique(pairs));
  return of(std::move(pairs));
}

std::string_view labels::get(std::string_view name) const noexcept {
  const auto& ps = pairs();
  auto it = std::lower_bound(ps.begin(), ps.end(), name,
                             [](const label& l, std::string_view n) { return l.name < n; });
  if (it != ps.end() && it->name == name) return it->value;
  return {};
}

bool labels::has(std::string_view name) const noexcept { return !get(name).empty(); }

std::uint64_t labels::compute_hash() const noexcept {
  static constexpr std::string_view sep{"\xff", 1};
  std::uint64_t h = fnv1a_offset;
  for (const auto& l : pairs()) {
    h = fnv1a_update(fnv1a_update(h, l.name), sep);
    h = fnv1a_update(fnv1a_update(h, l.value), sep);
  }
  h = mix64(h);
  if (rep_) rep_->hash.store(h, std::memory_order_relaxed);
  return h;
}

labels labels::with(std::string_view name, std::string_view value) const {
  std::vector<label> out;
  out.reserve(pairs().size() + 1);
  bool done = false;
  for (const auto& l : pairs()) {
    if (!done && l.name >= name) {
      if (!value.empty()) out.push_back({std::string(name), std::string(value)});
      done = true;
      if (l.name == name) continue;
    }
    out.push_back(l);
  }
  if (!done && !value.empty()) out.push_back({std::string(name), std::string(value)});
  return from_sorted(std::move(out));
}

labels labels::without(const std::vector<std::string>& names) const {
  std::vector<label> out;
  out.reserve(pairs().size());
  for (const auto& l : pairs())
    if (std::find(names.begin(), names.end(), l.name) == names.end()) out.push_back(l);
  return from_sorted(std::move(out));
}

labels labels::keep_only(const std::vector<std::string>& names) const {
  std::vector<label> out;
  for (const auto& l : pairs())
    if (std::find(names.begin(), names.end(), l.name) != names.end()) out.push_back(l);
  return from_sorted(std::move(out));
}

labels labels::without_metric_name() const {
  return without({std::string(metric_name_label)});
}

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

std::string labels::to_string() const {
  std::string out(metric_name());
  out += '{';
  bool first = true;
  for (const auto& l : pairs()) {
    if (l.name == metric_name_label) continue;
    if (!first) out += ", ";
    first = false;
    out += l.name;
    out += "=\"";
    out += escape_label_value(l.value);
    out += '"';
  }
  out += '}';
  return out;
}

const char* to_string(match_type t) noexcept {
  switch (t) {
    case match_type::equal: return "=";
    case match_type::not_equal: return "!=";
    case match_type::regex: return "=~";
    case match_type::not_regex: return "!~";
  }
  return "?";
}

result<matcher> matcher::make(match_type type, std::string name, std::string value) {
  matcher m;
  m.type_ = type;
  m.name_ = std::move(name);
  m.value_ = std::move(value);
  if (type == match_type::regex || type == match_type::not_regex) {
    RE2::Options opts;
    opts.set_log_errors(false);
    opts.set_dot_nl(true); // Prometheus compiles with (?s)
    auto re = std::make_shared<RE2>("^(?:" + m.value_ + ")$", opts);
    if (!re->ok())
      return invalid_argument("invalid regular expression \"" + m.value_ + "\": " + re->error());
    m.re_ = std::move(re);
  }
  return m;
}

bool matcher::matches(std::string_view v) const {
  switch (type_) {
    case match_type::equal: return v == value_;
    case match_type::not_equal: return v != value_;
    case match_type::regex: return RE2::FullMatch(re2::StringPiece(v.data(), v.size()), *re_);
    case match_type::not_regex: return !RE2::FullMatch(re2::StringPiece(v.data(), v.size()), *re_);
  }
  return false;
}

std::string matcher::to_string() const {
  return name_ + vigil::to_string(type_) + "\"" + escape_label_value(value_) + "\"";
}

bool matches_all(const matchers& ms, const labels& ls) {
  for (const auto& m : ms)
    if (!m.matches(ls.get(m.name()))) return false;
  return true;
}

} // namespace vigil
