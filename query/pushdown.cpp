#include "query/pushdown.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include "query/functions.hpp"
#include "query/printer.hpp"

namespace vigil::query {
namespace {

bool is_literal(const expr& e) { return unwrap_parens(e).as<number_literal>() != nullptr; }

/// Instant functions that map each series' value on its own (and drop the name).
bool per_series_instant(std::string_view name) {
  static constexpr std::array<std::string_view, 14> ok = {
      "abs", "ceil", "floor", "exp", "ln", "log2", "log10", "sqrt", "sgn", "round",
      "clamp", "clamp_min", "clamp_max", "deg"};
  return std::find(ok.begin(), ok.end(), name) != ok.end();
}

bool has_name_equality(const vector_selector& vs) {
  return std::any_of(vs.ms.begin(), vs.ms.end(), [](const matcher& m) {
    return m.name() == metric_name_label && m.type() == match_type::equal;
  });
}

/// Walk result: pushable at all, whether the metric name is dropped on the
/// way, whether the selector fixes the name, and whether a range function
/// (the data reduction) is part of it.
struct shape {
  bool ok = false;
  bool drops_name = false;
  bool name_fixed = false;
  bool ranged = false;
};

shape analyze(const expr& e);

shape analyze_call(const call_expr& c) {
  if (c.fn->range) {
    if (c.fn->name == "absent_over_time") return {};
    shape out;
    for (const auto& a : c.args) {
      const expr& u = unwrap_parens(*a);
      if (const auto* ms = u.as<matrix_selector>()) {
        if (!ms->sel.partial.empty()) return {};
        out.name_fixed = has_name_equality(ms->sel);
      } else if (!is_literal(u)) {
        return {};
      }
    }
    out.ok = true;
    out.ranged = true;
    out.drops_name = c.fn->name != "last_over_time";
    return out;
  }
  if (!per_series_instant(c.fn->name) || c.args.empty()) return {};
  for (std::size_t i = 1; i < c.args.size(); ++i)
    if (!is_literal(*c.args[i])) return {};
  shape out = analyze(*c.args[0]);
  out.drops_name = true;
  return out;
}

shape analyze_binary(const binary_expr& b) {
  if (is_set_operator(b.op) || b.op == binary_op::atan2) return {};
  bool ll = is_literal(*b.lhs), rl = is_literal(*b.rhs);
  if (ll == rl) return {};
  shape out = analyze(ll ? *b.rhs : *b.lhs);
  if (!is_comparison(b.op) || b.return_bool) out.drops_name = true;
  return out;
}

shape analyze(const expr& e) {
  if (const auto* vs = e.as<vector_selector>())
    return vs->partial.empty() ? shape{true, false, has_name_equality(*vs), false} : shape{};
  if (const auto* p = e.as<paren_expr>()) return analyze(*p->inner);
  if (const auto* c = e.as<call_expr>()) return analyze_call(*c);
  if (const auto* b = e.as<binary_expr>()) return analyze_binary(*b);
  if (const auto* u = e.as<unary_expr>()) {
    shape out = analyze(*u->inner);
    out.drops_name = out.drops_name || u->negate;
    return out;
  }
  return {};
}

bool safe(const shape& s) { return s.ok && (!s.drops_name || s.name_fixed); }

bool mergeable(agg_op op) {
  return op == agg_op::sum || op == agg_op::count || op == agg_op::min || op == agg_op::max ||
         op == agg_op::group;
}

/// Functions whose evaluation looks at the shape of their argument
/// (absent's labels, timestamp's raw samples): their arguments stay as written.
bool shape_sensitive(const call_expr& c) {
  return c.fn->name == "absent" || c.fn->name == "timestamp" || c.fn->name == "absent_over_time";
}

struct rewriter {
  std::vector<std::string> parts;

  expr_ptr placeholder(const expr& original) {
    vector_selector vs;
    vs.partial = print(original);
    parts.push_back(vs.partial);
    return make_expr(std::move(vs), original.pos);
  }

  void walk(expr_ptr& e) {
    if (auto* a = e->as<aggregate_expr>(); a && mergeable(a->op) && safe(analyze(*a->inner))) {
      aggregate_expr merge;
      merge.op = a->op == agg_op::count ? agg_op::sum : a->op;
      merge.grouping = a->grouping;
      merge.without = a->without;
      merge.inner = placeholder(*e);
      e = make_expr(std::move(merge), e->pos);
      return;
    }
    if (auto s = analyze(*e); safe(s) && s.ranged) {
      e = placeholder(*e);
      return;
    }
    children(*e);
  }

  void children(expr& e) {
    if (auto* c = e.as<call_expr>()) {
      if (shape_sensitive(*c)) return;
      for (auto& a : c->args) walk(a);
    } else if (auto* a = e.as<aggregate_expr>()) {
      walk(a->inner);
      if (a->param) walk(a->param);
    } else if (auto* b = e.as<binary_expr>()) {
      walk(b->lhs);
      walk(b->rhs);
    } else if (auto* u = e.as<unary_expr>()) {
      walk(u->inner);
    } else if (auto* p = e.as<paren_expr>()) {
      walk(p->inner);
    }
    // Subqueries evaluate their inner expression at their own steps: not pushed.
  }
};

} // namespace

bool is_per_series(const expr& e) { return safe(analyze(e)); }

std::vector<std::string> rewrite_for_pushdown(expr& root) {
  rewriter r;
  // walk() may replace the node itself: work on an owning pointer, then move back.
  auto holder = std::make_unique<expr>(std::move(root));
  r.walk(holder);
  root = std::move(*holder);
  return std::move(r.parts);
}

} // namespace vigil::query
