// query/ast.hpp - the PromQL abstract syntax tree.
//
// An `expr` owns its children (unique_ptr); a parsed tree is immutable after
// prepare() except for the selection indexes the planner assigns. Positions are
// byte offsets into the query text, used for error messages. Plain values;
// a tree may be read from many threads once built.
#pragma once

#include <cstddef>
#include <limits>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "core/labels.hpp"
#include "core/sample.hpp"
#include "query/value.hpp"

namespace vigil::query {

struct expr;
using expr_ptr = std::unique_ptr<expr>;
struct function_def; // query/functions.hpp

enum class binary_op : unsigned char {
  add, sub, mul, div, mod, pow, atan2,           // arithmetic
  eq, ne, gt, lt, ge, le,                        // comparison
  land, lor, lunless,                            // set operators
};

enum class agg_op : unsigned char {
  sum, avg, count, min, max, group, stddev, stdvar, topk, bottomk, count_values, quantile,
};

/// "+", "==", "and", ... (the operator's PromQL spelling)
const char* to_string(binary_op op) noexcept;
/// "sum", "count_values", ...
const char* to_string(agg_op op) noexcept;

bool is_comparison(binary_op op) noexcept;
bool is_set_operator(binary_op op) noexcept;
/// Whether the aggregation takes a parameter (topk, bottomk, quantile, count_values).
bool has_param(agg_op op) noexcept;

/// The `@` modifier: none, a fixed time, or the query's start()/end().
struct at_modifier {
  enum class kind : unsigned char { none, timestamp, start, end };
  kind k = kind::none;
  timestamp_ms ts = 0; ///< only for kind::timestamp
  bool is_set() const noexcept { return k != kind::none; }
};

inline constexpr std::size_t no_selection = std::numeric_limits<std::size_t>::max();

struct number_literal {
  double value = 0;
};

struct string_literal {
  std::string value;
};

struct vector_selector {
  std::string name;   ///< metric name as written ("" for `{...}` only)
  matchers ms;        ///< includes __name__="name" when a name was written
  timestamp_ms offset = 0;
  at_modifier at;
  std::size_t selection = no_selection; ///< index into prepared_query::selections()
  /// Non-empty only for selectors the pushdown rewrite made
  /// (query/pushdown.hpp): the PromQL each shard evaluates; the selection
  /// then holds per-step values at exactly the step times (no lookback).
  std::string partial;
};

struct matrix_selector {
  vector_selector sel;
  timestamp_ms range = 0;
};

struct subquery_expr {
  expr_ptr inner;
  timestamp_ms range = 0;
  timestamp_ms step = 0; ///< 0: the default evaluation interval (1m)
  timestamp_ms offset = 0;
  at_modifier at;
};

struct call_expr {
  const function_def* fn = nullptr;
  std::vector<expr_ptr> args;
};

struct aggregate_expr {
  agg_op op = agg_op::sum;
  expr_ptr inner;
  expr_ptr param; ///< null unless has_param(op)
  std::vector<std::string> grouping;
  bool without = false;
};

enum class cardinality : unsigned char { one_to_one, many_to_one, one_to_many, many_to_many };

struct vector_matching {
  cardinality card = cardinality::one_to_one;
  std::vector<std::string> labels; ///< the on()/ignoring() list
  bool on = false;
  std::vector<std::string> include; ///< group_left/group_right labels
};

struct binary_expr {
  binary_op op = binary_op::add;
  expr_ptr lhs;
  expr_ptr rhs;
  bool return_bool = false;
  vector_matching matching; ///< meaningful only when both sides are vectors
};

struct unary_expr {
  bool negate = true; ///< false for unary '+'
  expr_ptr inner;
};

struct paren_expr {
  expr_ptr inner;
};

struct expr {
  using node_type = std::variant<number_literal, string_literal, vector_selector, matrix_selector,
                                 subquery_expr, call_expr, aggregate_expr, binary_expr, unary_expr,
                                 paren_expr>;
  node_type node;
  std::size_t pos = 0; ///< byte offset of the expression's first token

  template <class T>
  const T* as() const noexcept { return std::get_if<T>(&node); }
  template <class T>
  T* as() noexcept { return std::get_if<T>(&node); }
};

template <class T>
expr_ptr make_expr(T node, std::size_t pos) {
  auto e = std::make_unique<expr>();
  e->node = std::move(node);
  e->pos = pos;
  return e;
}

/// The static type of an expression (matrix for range selectors/subqueries).
value_type type_of(const expr& e);

/// Strips any number of enclosing parentheses.
const expr& unwrap_parens(const expr& e);

} // namespace vigil::query
