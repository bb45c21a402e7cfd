#include "query/evaluator.hpp"

#include <algorithm>
#include <unordered_map>

#include "query/aggregate.hpp"
#include "query/binary_ops.hpp"
#include "query/functions.hpp"

namespace vigil::query {
namespace {

// Index of output series by label set, for assembling per-step results.
// Results usually come in the same order at every step, so the series the
// previous step's j-th result went to is tried first.
class series_index {
public:
  explicit series_index(step_matrix& out) : out_(out) {}
  step_series& get(std::size_t j, labels&& l) {
    if (j < prev_.size() && out_[prev_[j]].lbls == l) return out_[prev_[j]];
    if (j >= prev_.size()) prev_.resize(j + 1);
    auto& bucket = map_[l.hash()];
    for (auto i : bucket)
      if (out_[i].lbls == l) return out_[prev_[j] = i];
    bucket.push_back(prev_[j] = out_.size());
    out_.push_back(step_series{std::move(l), {}});
    return out_.back();
  }

private:
  step_matrix& out_;
  std::unordered_map<std::uint64_t, std::vector<std::size_t>> map_;
  std::vector<std::size_t> prev_;
};

bool has_duplicates(const vector_value& v) {
  if (v.size() < 2) return false;
  std::unordered_map<std::uint64_t, std::vector<const labels*>> seen;
  for (const auto& s : v) {
    auto& bucket = seen[s.lbls.hash()];
    for (const auto* l : bucket)
      if (*l == s.lbls) return true;
    bucket.push_back(&s.lbls);
  }
  return false;
}

constexpr const char* duplicate_labelset = "vector cannot contain metrics with the same labelset";

} // namespace

void check_unique_labels(const step_matrix& m) {
  std::unordered_map<std::uint64_t, std::vector<const labels*>> seen;
  for (const auto& s : m) {
    auto& bucket = seen[s.lbls.hash()];
    for (const auto* l : bucket)
      if (*l == s.lbls) fail(duplicate_labelset);
    bucket.push_back(&s.lbls);
  }
}

void merge_equal_series(step_matrix& m) {
  std::unordered_map<std::uint64_t, std::vector<std::size_t>> seen;
  bool merged = false;
  for (std::size_t i = 0; i < m.size(); ++i) {
    auto& bucket = seen[m[i].lbls.hash()];
    auto it = std::find_if(bucket.begin(), bucket.end(), [&](std::size_t k) { return m[k].lbls == m[i].lbls; });
    if (it == bucket.end()) {
      bucket.push_back(i);
      continue;
    }
    auto& dst = m[*it].points;
    std::vector<sample> both;
    both.reserve(dst.size() + m[i].points.size());
    std::merge(dst.begin(), dst.end(), m[i].points.begin(), m[i].points.end(), std::back_inserter(both),
               [](const sample& a, const sample& b) { return a.t < b.t; });
    for (std::size_t k = 1; k < both.size(); ++k)
      if (both[k].t == both[k - 1].t) fail(duplicate_labelset);
    dst = std::move(both);
    m[i].points.clear();
    merged = true;
  }
  if (merged) std::erase_if(m, [](const step_series& s) { return s.points.empty(); });
}

timestamp_ms evaluator::ref_time(const at_modifier& at, timestamp_ms ts) const noexcept {
  switch (at.k) {
    case at_modifier::kind::none: return ts;
    case at_modifier::kind::timestamp: return at.ts;
    case at_modifier::kind::start: return query_start_;
    case at_modifier::kind::end: return query_end_;
  }
  return ts;
}

void evaluator::charge(std::size_t n) {
  current_ += n;
  if (current_ > opts_.max_samples)
    throw eval_error{resource_exhausted("query processing would load too many samples into memory in query "
                                        "execution")};
}

void evaluator::poll() {
  constexpr std::size_t poll_interval = 256;
  if (!expired_ || ++polls_ % poll_interval != 0) return;
  if (expired_()) throw eval_error{status{errc::timeout, "query timed out in expression evaluation"}};
}

std::size_t evaluator::points(const value& v) noexcept {
  std::size_t n = 0;
  for (const auto& s : v.mat) n += s.points.size();
  return n;
}

value evaluator::eval(const expr& e, const eval_range& r) {
  if (const auto* n = e.as<number_literal>()) return number(n->value, r);
  if (const auto* s = e.as<string_literal>()) return value{value_type::string, {}, s->value};
  if (const auto* vs = e.as<vector_selector>()) return eval_vector_selector(*vs, r, false);
  if (e.as<matrix_selector>() || e.as<subquery_expr>()) return eval_matrix_top(e, r);
  if (const auto* c = e.as<call_expr>()) return eval_call(*c, r);
  if (const auto* a = e.as<aggregate_expr>()) return eval_aggregate(*a, r);
  if (const auto* b = e.as<binary_expr>()) return eval_binary(*b, r);
  if (const auto* u = e.as<unary_expr>()) return eval_unary(*u, r);
  return eval(*e.as<paren_expr>()->inner, r);
}

value evaluator::number(double v, const eval_range& r) {
  value out;
  out.type = value_type::scalar;
  step_series s;
  s.points.reserve(r.steps());
  for (timestamp_ms ts = r.start; ts <= r.end; ts += r.interval) s.points.push_back({ts, v});
  charge(s.points.size());
  out.mat.push_back(std::move(s));
  return out;
}

value evaluator::range_eval(const eval_range& r, std::span<const value* const> args, const step_fn& fn,
                            value_type out_type) {
  std::vector<std::vector<std::size_t>> cursors(args.size());
  for (std::size_t i = 0; i < args.size(); ++i)
    if (args[i]) cursors[i].assign(args[i]->mat.size(), 0);
  std::vector<vector_value> vecs(args.size());
  value out;
  out.type = out_type;
  series_index index(out.mat);
  for (timestamp_ms ts = r.start; ts <= r.end; ts += r.interval) {
    poll();
    for (std::size_t i = 0; i < args.size(); ++i) {
      vecs[i].clear();
      if (!args[i]) continue;
      const auto& mat = args[i]->mat;
      for (std::size_t k = 0; k < mat.size(); ++k) {
        auto& c = cursors[i][k];
        const auto& pts = mat[k].points;
        while (c < pts.size() && pts[c].t < ts) ++c;
        if (c < pts.size() && pts[c].t == ts) vecs[i].push_back(vsample{mat[k].lbls, pts[c].v, ts});
      }
    }
    vector_value res = fn(vecs, ts);
    charge(res.size());
    if (r.single()) {
      if (has_duplicates(res)) fail(duplicate_labelset);
      for (auto& s : res) out.mat.push_back(step_series{std::move(s.lbls), {{ts, s.v}}});
      continue;
    }
    for (std::size_t j = 0; j < res.size(); ++j) {
      auto& s = res[j];
      auto& dst = index.get(j, std::move(s.lbls));
      if (!dst.points.empty() && dst.points.back().t == ts) fail(duplicate_labelset);
      dst.points.push_back({ts, s.v});
    }
  }
  return out;
}

value evaluator::eval_call(const call_expr& c, const eval_range& r) {
  if (c.fn->range) return eval_range_call(c, r);
  if (c.fn->name == "timestamp") {
    if (const auto* vs = unwrap_parens(*c.args[0]).as<vector_selector>()) return eval_vector_selector(*vs, r, true);
  }
  std::vector<value> vals(c.args.size());
  std::vector<const value*> ptrs(c.args.size(), nullptr);
  std::vector<std::string> strings(c.args.size());
  for (std::size_t i = 0; i < c.args.size(); ++i) {
    vals[i] = eval(*c.args[i], r);
    if (vals[i].type == value_type::string) strings[i] = vals[i].str;
    else ptrs[i] = &vals[i];
  }
  if (c.fn->instant == fn::histogram_quantile && vals.size() == 2 && vals[1].type == value_type::vector) {
    const step_series* q = vals[0].mat.empty() ? nullptr : &vals[0].mat[0];
    if (auto m = fn::histogram_quantile_range(q, vals[1].mat, r.start, r.end, r.interval)) {
      value out;
      out.type = value_type::vector;
      out.mat = std::move(*m);
      charge(points(out));
      for (const auto& v : vals) release(points(v));
      return out;
    }
  }
  auto fn = [&c, &strings](std::vector<vector_value>& in, timestamp_ms ts) {
    call_context ctx{c, ts, strings};
    return c.fn->instant(in, ctx);
  };
  value out = range_eval(r, ptrs, fn, c.fn->return_type);
  for (const auto& v : vals) release(points(v));
  return out;
}

value evaluator::eval_aggregate(const aggregate_expr& a, const eval_range& r) {
  value inner = eval(*a.inner, r);
  value param;
  if (a.param) param = eval(*a.param, r);
  return aggregate_values(a, std::move(inner), a.param ? &param : nullptr, r);
}

value evaluator::aggregate_evaluated(const aggregate_expr& a, value inner, const eval_range& r) {
  charge(points(inner)); // evaluated elsewhere: held from now on
  return aggregate_values(a, std::move(inner), nullptr, r);
}

value evaluator::aggregate_values(const aggregate_expr& a, value inner, const value* param, const eval_range& r) {
  std::string label;
  bool has_scalar_param = false;
  if (param) {
    if (param->type == value_type::string) label = param->str;
    else has_scalar_param = true;
  }
  if (!param && inner.type == value_type::vector) {
    if (auto m = aggregate_series(a, inner.mat, r)) {
      value out;
      out.type = value_type::vector;
      out.mat = std::move(*m);
      charge(points(out));
      release(points(inner));
      return out;
    }
  }
  const value* args[] = {&inner, has_scalar_param ? param : nullptr};
  auto fn = [&a, &label, has_scalar_param](std::vector<vector_value>& in, timestamp_ms) {
    double p = has_scalar_param && !in[1].empty() ? in[1][0].v : 0;
    return aggregate(a, std::move(in[0]), p, label);
  };
  value out = range_eval(r, args, fn, value_type::vector);
  release(points(inner) + (param ? points(*param) : 0));
  return out;
}

value evaluator::eval_binary(const binary_expr& b, const eval_range& r) {
  value lhs = eval(*b.lhs, r);
  value rhs = eval(*b.rhs, r);
  bool ls = lhs.type == value_type::scalar, rs = rhs.type == value_type::scalar;
  if (ls != rs) return eval_vector_scalar(b, ls ? std::move(rhs) : std::move(lhs), ls ? lhs : rhs, ls, r);
  if (!ls && !rs && !r.single()) {
    value out = eval_vector_vector(b, lhs, rhs, r);
    release(points(lhs) + points(rhs));
    return out;
  }
  const value* args[] = {&lhs, &rhs};
  step_fn fn;
  if (ls && rs) {
    fn = [&b](std::vector<vector_value>& in, timestamp_ms) {
      return vector_value{vsample{{}, scalar_binop(b.op, in[0][0].v, in[1][0].v), 0}};
    };
  } else {
    fn = [&b](std::vector<vector_value>& in, timestamp_ms) {
      return vector_binop(b, std::move(in[0]), std::move(in[1]));
    };
  }
  value out = range_eval(r, args, fn, ls && rs ? value_type::scalar : value_type::vector);
  release(points(lhs) + points(rhs));
  return out;
}

// Vector-scalar operations act on each series independently, so they run
// series by series instead of step by step (no per-step label copies).
value evaluator::eval_vector_scalar(const binary_expr& b, value vec, const value& sc, bool scalar_left,
                                    const eval_range& r) {
  const auto& spts = sc.mat.at(0).points;
  bool drop = drops_metric_name(b.op) || b.return_bool;
  for (auto& s : vec.mat) {
    std::size_t kept = 0;
    for (auto& p : s.points) {
      auto step = static_cast<std::size_t>((p.t - r.start) / r.interval);
      if (auto v = vector_scalar_elem(b.op, p.v, spts[step].v, scalar_left, b.return_bool))
        s.points[kept++] = {p.t, *v};
    }
    s.points.resize(kept);
    if (drop) s.lbls = s.lbls.without_metric_name();
  }
  std::erase_if(vec.mat, [](const step_series& s) { return s.points.empty(); });
  if (drop) merge_equal_series(vec.mat);
  return vec;
}

value evaluator::eval_unary(const unary_expr& u, const eval_range& r) {
  value v = eval(*u.inner, r);
  if (!u.negate) return v;
  for (auto& s : v.mat) {
    if (v.type == value_type::vector) s.lbls = s.lbls.without_metric_name();
    for (auto& p : s.points) p.v = -p.v;
  }
  if (v.type == value_type::vector) check_unique_labels(v.mat);
  return v;
}

} // namespace vigil::query
