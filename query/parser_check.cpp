// Type checks over a parsed tree, after Prometheus' parser.checkAST.
#include <algorithm>
#include <cstdint>

#include "query/functions.hpp"
#include "query/lexer.hpp"
#include "query/parser.hpp"

namespace vigil::query {
namespace {

struct check_failure {
  std::size_t pos;
  std::string msg;
};

[[noreturn]] void fail_at(const expr& e, std::string msg) { throw check_failure{e.pos, std::move(msg)}; }

void check_node(const expr& e);

void expect_type(const expr& e, value_type want, const std::string& context) {
  auto got = type_of(e);
  if (got != want)
    fail_at(e, std::string("expected type ") + describe(want) + " in " + context + ", got " + describe(got));
}

std::string arg_count_error(const char* bound, std::size_t want, const function_def& fn, std::size_t got) {
  std::string msg = "expected ";
  msg += bound;
  msg += std::to_string(want);
  msg += " argument(s) in call to \"";
  msg += fn.name;
  msg += "\", got ";
  msg += std::to_string(got);
  return msg;
}

void check_call(const expr& e, const call_expr& c) {
  const function_def& fn = *c.fn;
  std::size_t n = c.args.size(), want = fn.arg_types.size();
  std::size_t min_args = fn.variadic == 0 || want == 0 ? want : want - 1;
  std::size_t max_args = fn.variadic < 0 ? SIZE_MAX : min_args + static_cast<std::size_t>(fn.variadic);
  if (fn.variadic == 0) max_args = want;
  if (fn.variadic == 0 && n != want) fail_at(e, arg_count_error("", want, fn, n));
  if (n < min_args) fail_at(e, arg_count_error("at least ", min_args, fn, n));
  if (n > max_args) fail_at(e, arg_count_error("at most ", max_args, fn, n));
  std::string context = "call to function \"";
  context += fn.name;
  context += '"';
  for (std::size_t i = 0; i < n; ++i) {
    value_type t = i < want ? fn.arg_types[i] : fn.arg_types.back();
    expect_type(*c.args[i], t, context);
    check_node(*c.args[i]);
  }
}

void check_aggregate(const expr& e, const aggregate_expr& a) {
  (void)e;
  expect_type(*a.inner, value_type::vector, "aggregation expression");
  check_node(*a.inner);
  if (a.param) {
    value_type want = a.op == agg_op::count_values ? value_type::string : value_type::scalar;
    expect_type(*a.param, want, "aggregation parameter");
    check_node(*a.param);
  }
}

void check_binary(const expr& e, const binary_expr& b) {
  check_node(*b.lhs);
  check_node(*b.rhs);
  auto lt = type_of(*b.lhs), rt = type_of(*b.rhs);
  auto operand_ok = [](value_type t) { return t == value_type::scalar || t == value_type::vector; };
  if (!operand_ok(lt) || !operand_ok(rt))
    fail_at(e, "binary expression must contain only scalar and instant vector types");
  bool both_vectors = lt == value_type::vector && rt == value_type::vector;
  if (b.return_bool && !is_comparison(b.op))
    fail_at(e, "bool modifier can only be used on comparison operators");
  if (is_comparison(b.op) && !b.return_bool && lt == value_type::scalar && rt == value_type::scalar)
    fail_at(e, "comparisons between scalars must use BOOL modifier");
  if (is_set_operator(b.op) && !both_vectors) {
    if (lt == value_type::scalar) fail_at(*b.lhs, std::string("set operator \"") + to_string(b.op) + "\" not allowed in binary scalar expression");
    fail_at(*b.rhs, std::string("set operator \"") + to_string(b.op) + "\" not allowed in binary scalar expression");
  }
  const auto& m = b.matching;
  if (!both_vectors && (m.on || !m.labels.empty() || !m.include.empty() ||
                        m.card == cardinality::many_to_one || m.card == cardinality::one_to_many))
    fail_at(e, "vector matching only allowed between instant vectors");
  if (m.on)
    for (const auto& l : m.include)
      if (std::find(m.labels.begin(), m.labels.end(), l) != m.labels.end())
        fail_at(e, "label \"" + l + "\" must not occur in ON and GROUP clause at once");
}

void check_node(const expr& e) {
  if (const auto* c = e.as<call_expr>()) return check_call(e, *c);
  if (const auto* a = e.as<aggregate_expr>()) return check_aggregate(e, *a);
  if (const auto* b = e.as<binary_expr>()) return check_binary(e, *b);
  if (const auto* u = e.as<unary_expr>()) {
    auto t = type_of(*u->inner);
    if (t != value_type::scalar && t != value_type::vector)
      fail_at(e, "unary expression only allowed on expressions of type scalar or instant vector");
    return check_node(*u->inner);
  }
  if (const auto* p = e.as<paren_expr>()) return check_node(*p->inner);
  if (const auto* s = e.as<subquery_expr>()) {
    auto t = type_of(*s->inner);
    if (t != value_type::vector)
      fail_at(e, std::string("subquery is only allowed on instant vector, got ") + describe(t) + " instead");
    return check_node(*s->inner);
  }
}

} // namespace

const char* describe(value_type t) noexcept {
  switch (t) {
    case value_type::scalar: return "scalar";
    case value_type::string: return "string";
    case value_type::vector: return "instant vector";
    case value_type::matrix: return "range vector";
  }
  return "?";
}

status check(const expr& root, std::string_view query) {
  try {
    check_node(root);
  } catch (const check_failure& f) {
    return invalid_argument(parse_error_message(query, f.pos, f.msg));
  }
  return status::ok();
}

} // namespace vigil::query
