#include "query/engine.hpp"

#include <algorithm>
#include <iterator>
#include <list>
#include <mutex>
#include <new>
#include <string>
#include <unordered_map>

#include "query/ast.hpp"
#include "query/evaluator.hpp"
#include "query/parser.hpp"
#include "query/plan.hpp"
#include "query/pushdown.hpp"

namespace vigil::query {
namespace {

status validate(const query_params& p) {
  if (p.step < 0) return invalid_argument("zero or negative query resolution step widths are not accepted");
  if (p.end < p.start) return invalid_argument("end timestamp must not be before start time");
  if (p.step == 0 && p.start != p.end) return invalid_argument("a range query needs a positive step");
  return status::ok();
}

query_result to_result(value v, const query_params& p, bool range) {
  query_result out;
  if (v.type == value_type::string) {
    out.type = value_type::string;
    out.str = std::move(v.str);
    out.scalar = sample{p.start, 0};
    return out;
  }
  if (!range && v.type == value_type::scalar) {
    out.type = value_type::scalar;
    out.scalar = v.mat.empty() || v.mat[0].points.empty() ? sample{p.start, 0} : sample{p.start, v.mat[0].points[0].v};
    return out;
  }
  out.type = range || v.type == value_type::matrix ? value_type::matrix : value_type::vector;
  out.items.reserve(v.mat.size());
  for (auto& s : v.mat) {
    if (out.type == value_type::vector) s.points.front().t = p.start;
    out.items.push_back(series{std::move(s.lbls), std::move(s.points)});
  }
  if (range) std::sort(out.items.begin(), out.items.end(), [](const series& a, const series& b) { return a.lbls < b.lbls; });
  return out;
}

/// Parsed (and pushdown-rewritten, then planned once) trees by query text:
/// dashboards, rules and Grafana's refreshes send the same texts again and
/// again, and parsing was ~4 % of a small instant query. A cached tree is
/// immutable and shared (planning it again only reads it, query/plan.hpp).
/// Least recently used entries go beyond `capacity`; texts longer than
/// `max_text` are not kept.
class parse_cache {
public:
  std::shared_ptr<const expr> get(const std::string& key) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->second;
  }
  void put(const std::string& key, std::shared_ptr<const expr> e) {
    if (key.size() > max_text) return;
    std::lock_guard<std::mutex> l(mu_);
    if (index_.count(key) != 0) return;
    lru_.emplace_front(key, std::move(e));
    index_.emplace(key, lru_.begin());
    if (lru_.size() > capacity) {
      index_.erase(lru_.back().first);
      lru_.pop_back();
    }
  }

private:
  static constexpr std::size_t capacity = 512;
  static constexpr std::size_t max_text = 4096;
  std::mutex mu_;
  std::list<std::pair<std::string, std::shared_ptr<const expr>>> lru_;
  std::unordered_map<std::string, decltype(lru_)::iterator> index_;
};

parse_cache& cache() {
  static parse_cache c;
  return c;
}

} // namespace

result<prepared_query> prepare(std::string_view promql, const query_params& params, const eval_options& options) {
  if (auto st = validate(params); !st) return st;
  if (options.default_subquery_step <= 0 || options.lookback_delta < 0)
    return invalid_argument("eval options: default_subquery_step must be > 0 and lookback_delta >= 0");
  prepared_query q;
  std::string key;
  key.reserve(promql.size() + 1);
  key += options.pushdown ? 'p' : '-';
  key += promql;
  if (auto cached = cache().get(key)) {
    q.selections_ = plan(const_cast<expr&>(*cached), params, options); // reads only (see parse_cache)
    q.root_ = std::move(cached);
  } else {
    auto root = parse(promql);
    if (!root) return std::move(root).error();
    if (options.pushdown) rewrite_for_pushdown(**root);
    q.selections_ = plan(**root, params, options);
    q.root_ = std::shared_ptr<const expr>(std::move(*root));
    cache().put(key, q.root_);
  }
  q.params_ = params;
  q.options_ = options;
  return q;
}

result<query_result> execute(const prepared_query& q, std::vector<std::vector<series>> fetched) {
  return execute(q, std::move(fetched), expired_fn{});
}

result<query_result> execute(const prepared_query& q, std::vector<std::vector<series>> fetched,
                             const expired_fn& expired) {
  const auto& p = q.params();
  bool range = p.step > 0;
  value_type t = type_of(q.root());
  if (range && t != value_type::scalar && t != value_type::vector)
    return invalid_argument(std::string("invalid expression type \"") + describe(t) +
                            "\" for range query, must be Scalar or instant Vector");
  std::vector<bool> as_is(q.selections().size());
  for (std::size_t i = 0; i < as_is.size(); ++i) as_is[i] = !q.selections()[i].partial.empty();
  try {
    series_set data(std::move(fetched), as_is);
    evaluator ev(data, p.start, p.end, q.options(), expired);
    eval_range r{p.start, p.end, range ? p.step : 1};
    return to_result(ev.eval(q.root(), r), p, range);
  } catch (const eval_error& e) {
    return e.st;
  } catch (const std::bad_alloc&) {
    return resource_exhausted("query processing ran out of memory");
  } catch (const std::exception& e) {
    return invalid_argument(std::string("query evaluation failed: ") + e.what());
  }
}

result<prepared_query> prepare_partial(std::string_view promql, const query_params& params,
                                       const eval_options& options) {
  eval_options local = options;
  local.pushdown = false;
  return prepare(promql, params, local);
}

result<prepared_query> prepare_partial(std::string_view promql, const query_params& params,
                                       const eval_options& options, const std::function<void(expr&)>& rewrite) {
  if (auto st = validate(params); !st) return st;
  auto root = parse(promql);
  if (!root) return std::move(root).error();
  if (rewrite) rewrite(**root);
  prepared_query q;
  q.options_ = options;
  q.options_.pushdown = false;
  q.selections_ = plan(**root, params, q.options_);
  q.root_ = std::shared_ptr<const expr>(std::move(*root));
  q.params_ = params;
  return q;
}

result<query_result> evaluate_partial(const prepared_query& q, const fetch_fn& fetch, const expired_fn& expired) {
  std::vector<std::vector<series>> fetched;
  fetched.reserve(q.selections().size());
  for (const auto& sel : q.selections()) {
    auto got = fetch(sel);
    if (!got) return std::move(got).error();
    fetched.push_back(std::move(*got));
  }
  return execute(q, std::move(fetched), expired);
}

std::optional<result<query_result>> evaluate_partial_batched(const prepared_query& q, const batch_fetch_fn& fetch,
                                                             const expired_fn& expired) {
  if (q.selections().size() != 1 || !q.selections()[0].partial.empty()) return std::nullopt;
  const expr& root = unwrap_parens(q.root());
  const auto* agg = root.as<aggregate_expr>();
  if (agg && (agg->param || !(agg->op == agg_op::sum || agg->op == agg_op::count || agg->op == agg_op::min ||
                              agg->op == agg_op::max || agg->op == agg_op::group)))
    return std::nullopt;
  const expr& inner = agg ? *agg->inner : root;
  if (!is_per_series(inner) || type_of(inner) != value_type::vector) return std::nullopt;
  const auto& p = q.params();
  const bool range = p.step > 0;
  const eval_range r{p.start, p.end, range ? p.step : 1};
  try {
    step_matrix acc;
    status failed = status::ok();
    auto st = fetch(q.selections()[0], [&](std::vector<series>& batch) -> status {
      try {
        std::vector<std::vector<series>> one;
        one.push_back(std::move(batch));
        series_set data(std::move(one), {true}); // in order already (batch_fetch_fn)
        evaluator ev(data, p.start, p.end, q.options(), expired);
        value v = ev.eval(inner, r);
        std::move(v.mat.begin(), v.mat.end(), std::back_inserter(acc));
        return status::ok();
      } catch (const eval_error& e) {
        failed = e.st;
        return e.st;
      }
    });
    if (!failed) return result<query_result>(failed);
    if (!st) return result<query_result>(st);
    value v{value_type::vector, std::move(acc), {}};
    if (agg) {
      series_set none;
      evaluator ev(none, p.start, p.end, q.options(), expired);
      v = ev.aggregate_evaluated(*agg, std::move(v), r);
    }
    return result<query_result>(to_result(std::move(v), p, range));
  } catch (const eval_error& e) {
    return result<query_result>(e.st);
  } catch (const std::bad_alloc&) {
    return result<query_result>(resource_exhausted("query processing ran out of memory"));
  }
}

result<query_result> evaluate_partial(std::string_view promql, const query_params& params,
                                      const eval_options& options, const fetch_fn& fetch,
                                      const expired_fn& expired) {
  auto q = prepare_partial(promql, params, options);
  if (!q) return std::move(q).error();
  return evaluate_partial(*q, fetch, expired);
}

} // namespace vigil::query
