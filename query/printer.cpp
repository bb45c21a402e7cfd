#include "query/printer.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "query/functions.hpp"
#include "query/lexer.hpp"
#include "query/quoting.hpp"

namespace vigil::query {
namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += ", ";
    out += v[i];
  }
  return out;
}

std::string print_modifiers(timestamp_ms offset, const at_modifier& at) {
  std::string out;
  switch (at.k) {
    case at_modifier::kind::none: break;
    case at_modifier::kind::start: out += " @ start()"; break;
    case at_modifier::kind::end: out += " @ end()"; break;
    case at_modifier::kind::timestamp: {
      char buf[64];
      auto ms = at.ts;
      const char* sign = ms < 0 ? "-" : "";
      std::uint64_t a = ms < 0 ? static_cast<std::uint64_t>(-(ms + 1)) + 1 : static_cast<std::uint64_t>(ms);
      std::snprintf(buf, sizeof buf, " @ %s%llu.%03llu", sign, static_cast<unsigned long long>(a / 1000),
                    static_cast<unsigned long long>(a % 1000));
      out += buf;
      break;
    }
  }
  if (offset > 0) out += " offset " + format_duration(offset);
  if (offset < 0) out += " offset -" + format_duration(-offset);
  return out;
}

std::string print_selector(const vector_selector& vs) {
  std::vector<std::string> parts;
  for (const auto& m : vs.ms) {
    if (m.name() == metric_name_label && m.type() == match_type::equal && m.value() == vs.name) continue;
    parts.push_back(m.name() + to_string(m.type()) + quote(m.value()));
  }
  std::sort(parts.begin(), parts.end());
  std::string out = vs.name;
  if (!parts.empty()) {
    out += '{';
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (i) out += ',';
      out += parts[i];
    }
    out += '}';
  }
  return out;
}

std::string print_matching(const binary_expr& b) {
  const auto& m = b.matching;
  bool grouped = m.card == cardinality::many_to_one || m.card == cardinality::one_to_many;
  if (!m.on && m.labels.empty() && !grouped) return {};
  std::string out = std::string(m.on ? " on" : " ignoring") + " (" + join(m.labels) + ")";
  if (grouped)
    out += std::string(m.card == cardinality::many_to_one ? " group_left" : " group_right") + " (" +
           join(m.include) + ")";
  return out;
}

struct printer {
  std::string operator()(const number_literal& n) const { return format_number(n.value); }
  std::string operator()(const string_literal& s) const { return quote(s.value); }
  std::string operator()(const vector_selector& vs) const { return print_selector(vs) + print_modifiers(vs.offset, vs.at); }
  std::string operator()(const matrix_selector& ms) const {
    return print_selector(ms.sel) + "[" + format_duration(ms.range) + "]" + print_modifiers(ms.sel.offset, ms.sel.at);
  }
  std::string operator()(const subquery_expr& sq) const {
    std::string step = sq.step ? format_duration(sq.step) : "";
    return print(*sq.inner) + "[" + format_duration(sq.range) + ":" + step + "]" + print_modifiers(sq.offset, sq.at);
  }
  std::string operator()(const call_expr& c) const {
    std::string out = std::string(c.fn->name) + "(";
    for (std::size_t i = 0; i < c.args.size(); ++i) {
      if (i) out += ", ";
      out += print(*c.args[i]);
    }
    return out + ")";
  }
  std::string operator()(const aggregate_expr& a) const {
    std::string out = to_string(a.op);
    if (a.without) out += " without (" + join(a.grouping) + ") ";
    else if (!a.grouping.empty()) out += " by (" + join(a.grouping) + ") ";
    out += "(";
    if (a.param) out += print(*a.param) + ", ";
    return out + print(*a.inner) + ")";
  }
  std::string operator()(const binary_expr& b) const {
    return print(*b.lhs) + " " + to_string(b.op) + (b.return_bool ? " bool" : "") + print_matching(b) + " " +
           print(*b.rhs);
  }
  // Built by appending: GCC 12 warns falsely (-Wrestrict) on "(" + std::string.
  std::string operator()(const unary_expr& u) const {
    std::string out(u.negate ? "-" : "+");
    out += print(*u.inner);
    return out;
  }
  std::string operator()(const paren_expr& p) const {
    std::string out("(");
    out += print(*p.inner);
    out += ')';
    return out;
  }
};

} // namespace

std::string format_number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  return std::string(buf, p);
}

std::string print(const expr& e) { return std::visit(printer{}, e.node); }

} // namespace vigil::query
