// Label manipulation: label_replace (Go regexp template expansion) and
// label_join.
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>

#include <re2/re2.h>

#include "query/functions.hpp"

namespace vigil::query::fn {
namespace {

bool valid_label_name(std::string_view s) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// Compiled, anchored regexes by pattern; bounded so it cannot grow forever.
std::shared_ptr<const RE2> compile(const std::string& pattern) {
  static std::mutex mu;
  static std::unordered_map<std::string, std::shared_ptr<const RE2>> cache;
  std::lock_guard lock(mu);
  if (auto it = cache.find(pattern); it != cache.end()) return it->second;
  RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_shared<const RE2>("^(?:" + pattern + ")$", opts);
  if (cache.size() > 256) cache.clear();
  cache.emplace(pattern, re);
  return re;
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// The submatch `name` refers to (a number or a named group), or "".
std::string_view group_value(const RE2& re, std::string_view name, const std::vector<re2::StringPiece>& groups) {
  bool numeric = !name.empty() && !(name[0] == '0' && name.size() > 1);
  int num = 0;
  for (char c : name) {
    if (c < '0' || c > '9' || num >= 100000000) {
      numeric = false;
      break;
    }
    num = num * 10 + (c - '0');
  }
  if (!numeric) {
    const auto& named = re.NamedCapturingGroups();
    auto it = named.find(std::string(name));
    if (it == named.end()) return {};
    num = it->second;
  }
  if (num < 0 || static_cast<std::size_t>(num) >= groups.size()) return {};
  const auto& g = groups[static_cast<std::size_t>(num)];
  return g.data() ? std::string_view(g.data(), g.size()) : std::string_view{};
}

// Go's Regexp.ExpandString: $1, ${1}, $name, ${name}, $$.
std::string expand(const RE2& re, std::string_view tmpl, const std::vector<re2::StringPiece>& groups) {
  std::string out;
  for (std::size_t i = 0; i < tmpl.size();) {
    if (tmpl[i] != '$') {
      out += tmpl[i++];
      continue;
    }
    ++i;
    if (i < tmpl.size() && tmpl[i] == '$') {
      out += '$';
      ++i;
      continue;
    }
    std::size_t start = i, end = i;
    bool brace = i < tmpl.size() && tmpl[i] == '{';
    if (brace) ++start, end = start;
    while (end < tmpl.size() && is_name_char(tmpl[end])) ++end;
    bool ok = end > start && (!brace || (end < tmpl.size() && tmpl[end] == '}'));
    if (!ok) {
      out += '$';
      continue;
    }
    out += group_value(re, tmpl.substr(start, end - start), groups);
    i = brace ? end + 1 : end;
  }
  return out;
}

} // namespace

vector_value label_replace(std::vector<vector_value>& args, const call_context& ctx) {
  const std::string& dst = ctx.strings[1];
  const std::string& repl = ctx.strings[2];
  const std::string& src = ctx.strings[3];
  const std::string& pattern = ctx.strings[4];
  auto re = compile(pattern);
  if (!re->ok()) fail("invalid regular expression in label_replace(): " + pattern);
  if (!valid_label_name(dst)) fail("invalid destination label name in label_replace(): " + dst);
  vector_value out = std::move(args[0]);
  std::vector<re2::StringPiece> groups(static_cast<std::size_t>(re->NumberOfCapturingGroups()) + 1);
  for (auto& s : out) {
    std::string_view v = s.lbls.get(src);
    re2::StringPiece input(v.data(), v.size());
    if (!re->Match(input, 0, input.size(), RE2::UNANCHORED, groups.data(), static_cast<int>(groups.size())))
      continue;
    s.lbls = s.lbls.with(dst, expand(*re, repl, groups));
  }
  return out;
}

vector_value label_join(std::vector<vector_value>& args, const call_context& ctx) {
  const std::string& dst = ctx.strings[1];
  const std::string& sep = ctx.strings[2];
  std::vector<std::string> srcs;
  for (std::size_t i = 3; i < ctx.strings.size(); ++i) {
    if (!valid_label_name(ctx.strings[i])) fail("invalid source label name in label_join(): " + ctx.strings[i]);
    srcs.push_back(ctx.strings[i]);
  }
  if (!valid_label_name(dst)) fail("invalid destination label name in label_join(): " + dst);
  vector_value out = std::move(args[0]);
  for (auto& s : out) {
    std::string joined;
    for (std::size_t i = 0; i < srcs.size(); ++i) {
      if (i) joined += sep;
      joined += s.lbls.get(srcs[i]);
    }
    s.lbls = s.lbls.with(dst, joined);
  }
  return out;
}

} // namespace vigil::query::fn
