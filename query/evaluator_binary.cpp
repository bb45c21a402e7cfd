// query/evaluator_binary.cpp - vector op vector over a range of steps,
// series by series.
//
// Evaluating step by step (range_eval + vector_binop) copies every sample's
// labels at every step and computes each sample's match signature and
// result labels again per step. Here signatures, result label sets and
// output series are computed once per series (or per matched pair) and
// interned as small integers; each step then only compares integers. The
// results and the errors, including which error wins when a step has
// several, are exactly those of vector_binop applied step by step followed
// by range_eval's assembly (the conformance scripts run both forms).
#include <cstdint>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include "query/binary_ops.hpp"
#include "query/evaluator.hpp"

namespace vigil::query {
namespace {

struct labels_hash {
  std::size_t operator()(const labels& l) const noexcept { return l.hash(); }
};

/// Label sets -> dense ids, in first-seen order.
class interner {
public:
  std::uint32_t id(labels l) {
    auto [it, fresh] = ids_.try_emplace(std::move(l), static_cast<std::uint32_t>(ids_.size()));
    return it->second;
  }
  std::size_t size() const noexcept { return ids_.size(); }

private:
  std::unordered_map<labels, std::uint32_t, labels_hash> ids_;
};

constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();

/// One side of the operation: which series have a point at the current step.
struct side {
  const step_matrix& mat;
  std::vector<std::uint32_t> sig; ///< per series: signature id
  std::vector<std::size_t> cursor;
  std::vector<std::uint32_t> here; ///< series with a point at the step
  std::vector<double> vals;        ///< their values

  side(const step_matrix& m, const vector_matching& vm, interner& sigs)
      : mat(m), sig(m.size()), cursor(m.size(), 0) {
    for (std::size_t i = 0; i < m.size(); ++i) sig[i] = sigs.id(match_signature(m[i].lbls, vm));
  }

  void advance(timestamp_ms ts) {
    here.clear();
    vals.clear();
    for (std::size_t k = 0; k < mat.size(); ++k) {
      auto& c = cursor[k];
      const auto& pts = mat[k].points;
      while (c < pts.size() && pts[c].t < ts) ++c;
      if (c < pts.size() && pts[c].t == ts) {
        here.push_back(static_cast<std::uint32_t>(k));
        vals.push_back(pts[c].v);
      }
    }
  }
};

/// Per-step marks over signature ids (a generation counter instead of clearing).
class marks {
public:
  explicit marks(std::size_t n) : gen_(n, 0), val_(n, none) {}
  void next_step() { ++now_; }
  bool has(std::uint32_t k) const { return gen_[k] == now_; }
  std::uint32_t get(std::uint32_t k) const { return val_[k]; }
  void set(std::uint32_t k, std::uint32_t v) {
    gen_[k] = now_;
    val_[k] = v;
  }

private:
  std::vector<std::uint64_t> gen_;
  std::vector<std::uint32_t> val_;
  std::uint64_t now_ = 1;
};

/// Output series by label set, created in first-seen order.
class output {
public:
  explicit output(step_matrix& mat) : mat_(mat) {}
  std::uint32_t id(const labels& l) {
    auto [it, fresh] = ids_.try_emplace(l, static_cast<std::uint32_t>(mat_.size()));
    if (fresh) mat_.push_back(step_series{l, {}});
    return it->second;
  }
  /// Appends (ts, v) to series `k`; a second point at one step is range_eval's
  /// duplicate-labelset error.
  void add(std::uint32_t k, timestamp_ms ts, double v) {
    auto& pts = mat_[k].points;
    if (!pts.empty() && pts.back().t == ts) fail("vector cannot contain metrics with the same labelset");
    pts.push_back({ts, v});
  }

private:
  step_matrix& mat_;
  std::unordered_map<labels, std::uint32_t, labels_hash> ids_;
};

struct result_point {
  std::uint32_t series;
  double v;
};

/// and / or / unless at one step (set_and, set_or, set_unless). Results
/// keep their series' own labels; `lout`/`rout` cache each input series'
/// output series (none until its first point).
struct set_step {
  binary_op op;
  output& out;
  marks seen;
  std::vector<std::uint32_t> lout, rout;

  set_step(binary_op o, output& os, std::size_t sigs, std::size_t nl, std::size_t nr)
      : op(o), out(os), seen(sigs), lout(nl, none), rout(nr, none) {}

  void emit(const side& s, std::vector<std::uint32_t>& ids, std::size_t i, std::vector<result_point>& res) {
    auto k = s.here[i];
    if (ids[k] == none) ids[k] = out.id(s.mat[k].lbls);
    res.push_back({ids[k], s.vals[i]});
  }

  void run(const side& l, const side& r, std::vector<result_point>& res) {
    seen.next_step();
    auto all = [&](const side& s, std::vector<std::uint32_t>& ids) {
      for (std::size_t i = 0; i < s.here.size(); ++i) emit(s, ids, i, res);
    };
    const bool le = l.here.empty(), re = r.here.empty();
    if (op == binary_op::lor) {
      if (le || re) return le ? all(r, rout) : all(l, lout);
      for (auto k : l.here) seen.set(l.sig[k], 1);
      all(l, lout);
      for (std::size_t i = 0; i < r.here.size(); ++i)
        if (!seen.has(r.sig[r.here[i]])) emit(r, rout, i, res);
      return;
    }
    if (le) return;
    if (re) return op == binary_op::lunless ? all(l, lout) : void();
    for (auto k : r.here) seen.set(r.sig[k], 1);
    const bool keep_matched = op == binary_op::land;
    for (std::size_t i = 0; i < l.here.size(); ++i)
      if (seen.has(l.sig[l.here[i]]) == keep_matched) emit(l, lout, i, res);
  }
};

/// Arithmetic and comparison at one step (vector_binop's matching part).
/// `many`/`one` are lhs/rhs, swapped for group_right.
struct matcher_step {
  const binary_expr& b;
  bool swapped;
  interner& sigs;
  output& out;
  marks one_at;  ///< signature -> index into one.here
  marks matched; ///< one_to_one: signature matched at this step
  std::unordered_set<std::uint64_t> grouped; ///< group modes: (signature, output) at this step
  std::vector<std::uint32_t> last_one; ///< per many-series: one-series of its cached output
  std::vector<std::uint32_t> last_out; ///< per many-series: cached output series

  matcher_step(const binary_expr& be, bool sw, interner& s, output& o, std::size_t many_series)
      : b(be), swapped(sw), sigs(s), out(o), one_at(s.size()), matched(s.size()),
        last_one(many_series, none), last_out(many_series, none) {}

  std::uint32_t output_of(const side& many, std::uint32_t mi, const side& one, std::uint32_t oi) {
    if (last_out[mi] != none && (b.matching.include.empty() || last_one[mi] == oi)) return last_out[mi];
    labels res = match_result_labels(many.mat[mi].lbls, one.mat[oi].lbls, b);
    if (b.return_bool) res = res.without_metric_name();
    last_one[mi] = oi;
    return last_out[mi] = out.id(res);
  }

  void run(side& many, side& one, std::vector<result_point>& res) {
    if (many.here.empty() || one.here.empty()) return;
    one_at.next_step();
    for (std::uint32_t i = 0; i < one.here.size(); ++i) {
      auto k = one.here[i];
      auto sg = one.sig[k];
      if (one_at.has(sg)) {
        auto first = one.here[one_at.get(sg)];
        duplicate_match(match_signature(one.mat[k].lbls, b.matching), swapped, one.mat[k].lbls, one.mat[first].lbls);
      }
      one_at.set(sg, i);
    }
    matched.next_step();
    grouped.clear();
    const bool one_to_one = b.matching.card == cardinality::one_to_one;
    for (std::size_t i = 0; i < many.here.size(); ++i) {
      auto mk = many.here[i];
      auto sg = many.sig[mk];
      if (!one_at.has(sg)) continue;
      auto oi = one_at.get(sg);
      double vl = many.vals[i], vr = one.vals[oi];
      if (swapped) std::swap(vl, vr);
      auto [v, keep] = elem_binop(b.op, vl, vr);
      if (b.return_bool) v = keep ? 1.0 : 0.0;
      else if (!keep) continue;
      auto series = output_of(many, mk, one, one.here[oi]);
      if (one_to_one) {
        if (matched.has(sg)) many_to_one_not_explicit();
        matched.set(sg, 1);
      } else if (!grouped.insert((std::uint64_t{sg} << 32) | series).second) {
        grouping_not_unique();
      }
      res.push_back({series, v});
    }
  }
};

} // namespace

value evaluator::eval_vector_vector(const binary_expr& b, const value& lhs, const value& rhs, const eval_range& r) {
  const auto& m = b.matching;
  value out;
  out.type = value_type::vector;
  output outs(out.mat);
  interner sigs;
  side l(lhs.mat, m, sigs), rs(rhs.mat, m, sigs);
  const bool set_op = is_set_operator(b.op);
  const bool swapped = !set_op && m.card == cardinality::one_to_many;
  set_step sets(b.op, outs, sigs.size(), lhs.mat.size(), rhs.mat.size());
  matcher_step match(b, swapped, sigs, outs, swapped ? rhs.mat.size() : lhs.mat.size());
  std::vector<result_point> res;
  for (timestamp_ms ts = r.start; ts <= r.end; ts += r.interval) {
    poll();
    l.advance(ts);
    rs.advance(ts);
    res.clear();
    if (set_op) sets.run(l, rs, res);
    else if (swapped) match.run(rs, l, res);
    else match.run(l, rs, res);
    charge(res.size());
    for (const auto& p : res) outs.add(p.series, ts, p.v);
  }
  return out;
}

} // namespace vigil::query
