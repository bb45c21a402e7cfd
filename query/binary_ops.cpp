#include "query/binary_ops.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

namespace vigil::query {

std::pair<double, bool> elem_binop(binary_op op, double l, double r) {
  switch (op) {
    case binary_op::add: return {l + r, true};
    case binary_op::sub: return {l - r, true};
    case binary_op::mul: return {l * r, true};
    case binary_op::div: return {l / r, true};
    case binary_op::pow: return {std::pow(l, r), true};
    case binary_op::mod: return {std::fmod(l, r), true};
    case binary_op::atan2: return {std::atan2(l, r), true};
    case binary_op::eq: return {l, l == r};
    case binary_op::ne: return {l, l != r};
    case binary_op::gt: return {l, l > r};
    case binary_op::lt: return {l, l < r};
    case binary_op::ge: return {l, l >= r};
    case binary_op::le: return {l, l <= r};
    default: break;
  }
  fail(std::string("operator \"") + to_string(op) + "\" not allowed for scalar operations");
}

labels match_signature(const labels& l, const vector_matching& m) {
  if (m.on) return l.keep_only(m.labels);
  auto names = m.labels;
  names.emplace_back(metric_name_label);
  return l.without(names);
}

labels match_result_labels(const labels& many, const labels& one, const binary_expr& b) {
  const auto& m = b.matching;
  labels out = drops_metric_name(b.op) ? many.without_metric_name() : many;
  if (m.card == cardinality::one_to_one) out = m.on ? out.keep_only(m.labels) : out.without(m.labels);
  for (const auto& name : m.include) out = out.with(name, one.get(name));
  return out;
}

void duplicate_match(const labels& sig, bool left, const labels& a, const labels& b) {
  fail("found duplicate series for the match group " + sig.to_string() + " on the " +
       (left ? "left" : "right") + " hand-side of the operation: [" + a.to_string() + ", " + b.to_string() +
       "];many-to-many matching not allowed: matching labels must be unique on one side");
}

void many_to_one_not_explicit() {
  fail("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
}

void grouping_not_unique() { fail("multiple matches for labels: grouping labels must ensure unique results"); }

namespace {

labels signature(const labels& l, const vector_matching& m) { return match_signature(l, m); }

struct sig_hash {
  std::size_t operator()(const labels& l) const noexcept { return l.hash(); }
};
using sig_set = std::unordered_set<labels, sig_hash>;

vector_value set_and(vector_value lhs, const vector_value& rhs, const vector_matching& m) {
  if (lhs.empty() || rhs.empty()) return {};
  sig_set right;
  for (const auto& s : rhs) right.insert(signature(s.lbls, m));
  std::erase_if(lhs, [&](const vsample& s) { return !right.contains(signature(s.lbls, m)); });
  return lhs;
}

vector_value set_or(vector_value lhs, vector_value rhs, const vector_matching& m) {
  if (lhs.empty()) return rhs;
  if (rhs.empty()) return lhs;
  sig_set left;
  for (const auto& s : lhs) left.insert(signature(s.lbls, m));
  for (auto& s : rhs)
    if (!left.contains(signature(s.lbls, m))) lhs.push_back(std::move(s));
  return lhs;
}

vector_value set_unless(vector_value lhs, const vector_value& rhs, const vector_matching& m) {
  if (lhs.empty() || rhs.empty()) return lhs;
  sig_set right;
  for (const auto& s : rhs) right.insert(signature(s.lbls, m));
  std::erase_if(lhs, [&](const vsample& s) { return right.contains(signature(s.lbls, m)); });
  return lhs;
}

} // namespace

bool drops_metric_name(binary_op op) noexcept {
  switch (op) {
    case binary_op::add: case binary_op::sub: case binary_op::mul:
    case binary_op::div: case binary_op::pow: case binary_op::mod: return true;
    default: return false;
  }
}

double scalar_binop(binary_op op, double lhs, double rhs) {
  auto [v, keep] = elem_binop(op, lhs, rhs);
  if (is_comparison(op)) return keep ? 1.0 : 0.0;
  return v;
}

std::optional<double> vector_scalar_elem(binary_op op, double v, double scalar, bool swap, bool return_bool) {
  double l = v, r = scalar;
  if (swap) std::swap(l, r);
  auto [out, keep] = elem_binop(op, l, r);
  if (is_comparison(op) && swap) out = r;
  if (return_bool) return keep ? 1.0 : 0.0;
  if (!keep) return std::nullopt;
  return out;
}

vector_value vector_scalar_binop(binary_op op, vector_value vec, double scalar, bool swap, bool return_bool) {
  vector_value out;
  out.reserve(vec.size());
  for (auto& s : vec) {
    auto v = vector_scalar_elem(op, s.v, scalar, swap, return_bool);
    if (!v) continue;
    s.v = *v;
    if (drops_metric_name(op) || return_bool) s.lbls = s.lbls.without_metric_name();
    out.push_back(std::move(s));
  }
  return out;
}

vector_value vector_binop(const binary_expr& b, vector_value lhs, vector_value rhs) {
  const auto& m = b.matching;
  switch (b.op) {
    case binary_op::land: return set_and(std::move(lhs), rhs, m);
    case binary_op::lor: return set_or(std::move(lhs), std::move(rhs), m);
    case binary_op::lunless: return set_unless(std::move(lhs), rhs, m);
    default: break;
  }
  if (lhs.empty() || rhs.empty()) return {};
  bool swapped = m.card == cardinality::one_to_many;
  if (swapped) std::swap(lhs, rhs);
  // The "one" side, by signature.
  std::unordered_map<labels, std::size_t, sig_hash> one;
  for (std::size_t i = 0; i < rhs.size(); ++i) {
    auto [it, fresh] = one.emplace(signature(rhs[i].lbls, m), i);
    if (!fresh) duplicate_match(it->first, swapped, rhs[i].lbls, rhs[it->second].lbls);
  }
  std::unordered_map<labels, sig_set, sig_hash> matched; // signature -> result labels emitted
  vector_value out;
  for (auto& ls : lhs) {
    labels sig = signature(ls.lbls, m);
    auto it = one.find(sig);
    if (it == one.end()) continue;
    const vsample& rs = rhs[it->second];
    double vl = ls.v, vr = rs.v;
    if (swapped) std::swap(vl, vr);
    auto [v, keep] = elem_binop(b.op, vl, vr);
    if (b.return_bool) v = keep ? 1.0 : 0.0;
    else if (!keep) continue;
    labels res = match_result_labels(ls.lbls, rs.lbls, b);
    if (b.return_bool) res = res.without_metric_name();
    auto [mit, first] = matched.try_emplace(std::move(sig));
    if (m.card == cardinality::one_to_one) {
      if (!first) many_to_one_not_explicit();
    } else if (!mit->second.insert(res).second) {
      grouping_not_unique();
    }
    out.push_back(vsample{std::move(res), v, 0});
  }
  return out;
}

} // namespace vigil::query
