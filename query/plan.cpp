#include "query/plan.hpp"

#include <algorithm>

#include "query/evaluator.hpp"

namespace vigil::query {
namespace {

struct planner {
  const query_params& params;
  const eval_options& options;
  std::vector<selection> out;
  int subquery_depth = 0; ///< > 0: inside a subquery (other evaluation steps)

  timestamp_ms resolve(const at_modifier& at, timestamp_ms t) const {
    switch (at.k) {
      case at_modifier::kind::none: return t;
      case at_modifier::kind::timestamp: return at.ts;
      case at_modifier::kind::start: return params.start;
      case at_modifier::kind::end: return params.end;
    }
    return t;
  }

  void add(vector_selector& vs, timestamp_ms lo, timestamp_ms hi, timestamp_ms back) {
    timestamp_ms s = resolve(vs.at, lo) - vs.offset, e = resolve(vs.at, hi) - vs.offset;
    // The numbering depends only on the tree, so a tree planned once (and
    // shared by the parse cache, query/engine.cpp) is only read here.
    if (vs.selection != out.size()) vs.selection = out.size();
    if (!vs.partial.empty()) back = 0; // per-step values: no lookback
    out.push_back(selection{vs.ms, time_range{s - back, e}, vs.partial});
  }
  // An instant-vector selector evaluated at the query's own steps reads only
  // the newest sample at or before each step: let the source thin the rest.
  void add_instant(vector_selector& vs, timestamp_ms lo, timestamp_ms hi) {
    add(vs, lo, hi, options.lookback_delta);
    if (subquery_depth > 0 || vs.at.k != at_modifier::kind::none || !vs.partial.empty()) return;
    auto& sel = out.back();
    sel.thin_first = params.start - vs.offset;
    sel.thin_step = params.step > 0 ? params.step : 1;
  }

  // [lo, hi]: the evaluation times the node may be evaluated at.
  void walk(expr& e, timestamp_ms lo, timestamp_ms hi) {
    if (auto* vs = e.as<vector_selector>()) return add_instant(*vs, lo, hi);
    if (auto* ms = e.as<matrix_selector>()) return add(ms->sel, lo, hi, ms->range);
    if (auto* sq = e.as<subquery_expr>()) {
      timestamp_ms s = resolve(sq->at, lo) - sq->offset - sq->range, en = resolve(sq->at, hi) - sq->offset;
      ++subquery_depth;
      walk(*sq->inner, s, en);
      --subquery_depth;
      return;
    }
    if (auto* c = e.as<call_expr>()) {
      for (auto& a : c->args) walk(*a, lo, hi);
    } else if (auto* a = e.as<aggregate_expr>()) {
      walk(*a->inner, lo, hi);
      if (a->param) walk(*a->param, lo, hi);
    } else if (auto* b = e.as<binary_expr>()) {
      walk(*b->lhs, lo, hi);
      walk(*b->rhs, lo, hi);
    } else if (auto* u = e.as<unary_expr>()) {
      walk(*u->inner, lo, hi);
    } else if (auto* p = e.as<paren_expr>()) {
      walk(*p->inner, lo, hi);
    }
  }
};

} // namespace

std::vector<selection> plan(expr& root, const query_params& params, const eval_options& options) {
  planner p{params, options, {}};
  p.walk(root, params.start, params.end);
  return std::move(p.out);
}

} // namespace vigil::query
