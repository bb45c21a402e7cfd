#include "query/rollup_plan.hpp"

#include <algorithm>
#include <array>

#include "query/ast.hpp"
#include "query/functions.hpp"
#include "query/printer.hpp"
#include "query/pushdown.hpp"

namespace vigil::query {
namespace {

struct rewriter {
  const query_params& p;
  std::span<const timestamp_ms> resolutions;
  std::vector<rollup_call> calls;

  timestamp_ms pick(timestamp_ms range) const {
    for (timestamp_ms r : resolutions) {
      if (r <= 0 || range % r != 0 || p.start % r != 0) continue;
      if (p.step > 0 && p.step % r != 0) continue;
      return r;
    }
    return 0;
  }

  /// Replaces `e` by a placeholder when it is a qualifying call.
  bool try_call(expr_ptr& e) {
    const auto* c = e->as<call_expr>();
    if (!c || !c->fn->range || !rollup_function(c->fn->name) || c->args.size() != 1) return false;
    const auto* ms = unwrap_parens(*c->args[0]).as<matrix_selector>();
    if (!ms || !ms->sel.partial.empty() || ms->sel.offset != 0 || ms->sel.at.is_set() || ms->range <= 0) return false;
    if (!is_per_series(*e)) return false;
    const timestamp_ms res = pick(ms->range);
    if (res == 0) return false;
    rollup_call rc;
    rc.promql = print(*e);
    rc.placeholder = "rollup " + std::to_string(res) + " " + rc.promql;
    rc.fn = c->fn->name;
    rc.ms = ms->sel.ms;
    rc.range = ms->range;
    rc.resolution = res;
    vector_selector vs;
    vs.partial = rc.placeholder;
    e = make_expr(std::move(vs), e->pos);
    calls.push_back(std::move(rc));
    return true;
  }

  void walk(expr_ptr& e) {
    if (try_call(e)) return;
    if (auto* c = e->as<call_expr>()) {
      if (c->fn->name == "absent" || c->fn->name == "timestamp" || c->fn->name == "absent_over_time") return;
      for (auto& a : c->args) walk(a);
    } else if (auto* a = e->as<aggregate_expr>()) {
      walk(a->inner);
      if (a->param) walk(a->param);
    } else if (auto* b = e->as<binary_expr>()) {
      walk(b->lhs);
      walk(b->rhs);
    } else if (auto* u = e->as<unary_expr>()) {
      walk(u->inner);
    } else if (auto* pe = e->as<paren_expr>()) {
      walk(pe->inner);
    }
    // Subqueries evaluate at their own steps; selectors stay raw.
  }
};

} // namespace

bool rollup_function(std::string_view name) noexcept {
  static constexpr std::array<std::string_view, 8> ok = {"sum_over_time", "count_over_time", "min_over_time",
                                                         "max_over_time", "avg_over_time",   "last_over_time",
                                                         "rate",          "increase"};
  return std::find(ok.begin(), ok.end(), name) != ok.end();
}

std::vector<rollup_call> rewrite_for_rollups(expr& root, const query_params& p,
                                             std::span<const timestamp_ms> resolutions) {
  rewriter r{p, resolutions, {}};
  if (resolutions.empty()) return {};
  auto holder = std::make_unique<expr>(std::move(root));
  r.walk(holder);
  root = std::move(*holder);
  return std::move(r.calls);
}

result<rollup_prepared> prepare_with_rollups(const prepared_query& part, std::span<const timestamp_ms> resolutions) {
  rollup_prepared out;
  if (resolutions.empty()) return out;
  auto q = prepare_partial(print(part.root()), part.params(), part.options(), [&](expr& root) {
    out.calls = rewrite_for_rollups(root, part.params(), resolutions);
  });
  if (!q) return std::move(q).error();
  out.query = std::move(*q);
  return out;
}

const rollup_call* find_rollup_call(const rollup_prepared& p, const selection& sel) {
  if (sel.partial.empty()) return nullptr;
  for (const auto& c : p.calls)
    if (c.placeholder == sel.partial) return &c;
  return nullptr;
}

result<query_result> evaluate_with_rollups(const prepared_query& part, std::span<const timestamp_ms> resolutions,
                                           const fetch_fn& raw, const rollup_fetch_fn& rollups,
                                           const expired_fn& expired, const batch_fetch_fn& batched) {
  auto plain = [&]() -> result<query_result> {
    if (batched)
      if (auto b = evaluate_partial_batched(part, batched, expired)) return std::move(*b);
    return evaluate_partial(part, raw, expired);
  };
  // Only when some resolution fits the query's start and step could a call
  // qualify (rewriter::pick); otherwise skip re-preparing the part (a parse
  // per shard and read: ~15 % of a small instant query).
  const auto& p = part.params();
  const bool aligned = std::any_of(resolutions.begin(), resolutions.end(), [&](timestamp_ms r) {
    return r > 0 && p.start % r == 0 && (p.step <= 0 || p.step % r == 0);
  });
  if (!aligned) return plain();
  auto rp = prepare_with_rollups(part, resolutions);
  if (!rp || rp->calls.empty()) return plain();
  auto fetch = [&](const selection& sel) -> result<std::vector<series>> {
    const rollup_call* call = find_rollup_call(*rp, sel);
    if (!call) return raw(sel);
    auto got = rollups(*call);
    if (!got) return std::move(got).error();
    if (*got) return std::move(**got);
    auto v = evaluate_partial(call->promql, part.params(), part.options(), raw, expired);
    if (!v) return std::move(v).error();
    return std::move(v->items);
  };
  return evaluate_partial(rp->query, fetch, expired);
}

} // namespace vigil::query
