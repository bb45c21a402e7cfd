#include "query/ast.hpp"

#include "query/functions.hpp"

namespace vigil::query {

const char* to_string(value_type t) noexcept {
  switch (t) {
    case value_type::scalar: return "scalar";
    case value_type::string: return "string";
    case value_type::vector: return "vector";
    case value_type::matrix: return "matrix";
  }
  return "?";
}

const char* to_string(binary_op op) noexcept {
  switch (op) {
    case binary_op::add: return "+";
    case binary_op::sub: return "-";
    case binary_op::mul: return "*";
    case binary_op::div: return "/";
    case binary_op::mod: return "%";
    case binary_op::pow: return "^";
    case binary_op::atan2: return "atan2";
    case binary_op::eq: return "==";
    case binary_op::ne: return "!=";
    case binary_op::gt: return ">";
    case binary_op::lt: return "<";
    case binary_op::ge: return ">=";
    case binary_op::le: return "<=";
    case binary_op::land: return "and";
    case binary_op::lor: return "or";
    case binary_op::lunless: return "unless";
  }
  return "?";
}

const char* to_string(agg_op op) noexcept {
  switch (op) {
    case agg_op::sum: return "sum";
    case agg_op::avg: return "avg";
    case agg_op::count: return "count";
    case agg_op::min: return "min";
    case agg_op::max: return "max";
    case agg_op::group: return "group";
    case agg_op::stddev: return "stddev";
    case agg_op::stdvar: return "stdvar";
    case agg_op::topk: return "topk";
    case agg_op::bottomk: return "bottomk";
    case agg_op::count_values: return "count_values";
    case agg_op::quantile: return "quantile";
  }
  return "?";
}

bool is_comparison(binary_op op) noexcept {
  switch (op) {
    case binary_op::eq: case binary_op::ne: case binary_op::gt:
    case binary_op::lt: case binary_op::ge: case binary_op::le: return true;
    default: return false;
  }
}

bool is_set_operator(binary_op op) noexcept {
  return op == binary_op::land || op == binary_op::lor || op == binary_op::lunless;
}

bool has_param(agg_op op) noexcept {
  return op == agg_op::topk || op == agg_op::bottomk || op == agg_op::quantile || op == agg_op::count_values;
}

value_type type_of(const expr& e) {
  struct visitor {
    value_type operator()(const number_literal&) const { return value_type::scalar; }
    value_type operator()(const string_literal&) const { return value_type::string; }
    value_type operator()(const vector_selector&) const { return value_type::vector; }
    value_type operator()(const matrix_selector&) const { return value_type::matrix; }
    value_type operator()(const subquery_expr&) const { return value_type::matrix; }
    value_type operator()(const call_expr& c) const { return c.fn->return_type; }
    value_type operator()(const aggregate_expr&) const { return value_type::vector; }
    value_type operator()(const binary_expr& b) const {
      return type_of(*b.lhs) == value_type::scalar && type_of(*b.rhs) == value_type::scalar
                 ? value_type::scalar
                 : value_type::vector;
    }
    value_type operator()(const unary_expr& u) const { return type_of(*u.inner); }
    value_type operator()(const paren_expr& p) const { return type_of(*p.inner); }
  };
  return std::visit(visitor{}, e.node);
}

const expr& unwrap_parens(const expr& e) {
  const expr* cur = &e;
  while (const auto* p = cur->as<paren_expr>()) cur = p->inner.get();
  return *cur;
}

} // namespace vigil::query
