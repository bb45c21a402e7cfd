#include <boost/test/unit_test.hpp>

#include "query/functions.hpp"
#include "query/parser.hpp"
#include "query/printer.hpp"

using namespace vigil;
using namespace vigil::query;

namespace {

expr_ptr parse_ok(std::string_view q) {
  auto r = parse(q);
  BOOST_TEST_REQUIRE(r.has_value(), q << ": " << (r ? "" : r.error().message()));
  return std::move(*r);
}

std::string parse_err(std::string_view q) {
  auto r = parse(q);
  BOOST_TEST_REQUIRE(!r.has_value(), q << " should fail");
  BOOST_TEST((r.error().code() == errc::invalid_argument));
  return r.error().message();
}

} // namespace

BOOST_AUTO_TEST_SUITE(parser)

BOOST_AUTO_TEST_CASE(parses_every_node_type) {
  BOOST_TEST(parse_ok("1.5")->as<number_literal>()->value == 1.5);
  BOOST_TEST(parse_ok("\"s\"")->as<string_literal>()->value == "s");
  auto vs = parse_ok("foo{a=\"b\", c!=\"d\", e=~\"f.*\", g!~\"h\"}");
  const auto* sel = vs->as<vector_selector>();
  BOOST_TEST_REQUIRE(sel != nullptr);
  BOOST_TEST(sel->name == "foo");
  BOOST_TEST(sel->ms.size() == 5u); // four matchers + __name__
  BOOST_TEST((sel->ms[2].type() == match_type::regex));
  BOOST_TEST((sel->ms[3].type() == match_type::not_regex));
  auto ms = parse_ok("foo[5m] offset 1m");
  BOOST_TEST(ms->as<matrix_selector>()->range == 300000);
  BOOST_TEST(ms->as<matrix_selector>()->sel.offset == 60000);
  auto sq = parse_ok("rate(foo[5m])[1h:1m]");
  BOOST_TEST(sq->as<subquery_expr>()->step == 60000);
  BOOST_TEST(parse_ok("rate(foo[5m])")->as<call_expr>()->fn == find_function("rate"));
  auto agg = parse_ok("topk by (a) (3, foo)");
  BOOST_TEST((agg->as<aggregate_expr>()->op == agg_op::topk));
  BOOST_TEST(agg->as<aggregate_expr>()->param != nullptr);
  BOOST_TEST(parse_ok("-foo")->as<unary_expr>()->negate);
  BOOST_TEST(parse_ok("(foo)")->as<paren_expr>() != nullptr);
  auto bin = parse_ok("a / on(x) group_left(y) b");
  const auto* b = bin->as<binary_expr>();
  BOOST_TEST((b->matching.card == cardinality::many_to_one));
  BOOST_TEST(b->matching.on);
  BOOST_TEST(b->matching.include == std::vector<std::string>{"y"});
}

BOOST_AUTO_TEST_CASE(dotted_metric_names) {
  auto e = parse_ok("avg(api.latency) > 400");
  const auto* b = e->as<binary_expr>();
  BOOST_TEST_REQUIRE(b != nullptr);
  BOOST_TEST((b->op == binary_op::gt));
  const auto* inner = b->lhs->as<aggregate_expr>()->inner->as<vector_selector>();
  BOOST_TEST(inner->name == "api.latency");
  auto e2 = parse_ok("api.latency{endpoint=\"/users\"}");
  BOOST_TEST(e2->as<vector_selector>()->name == "api.latency");
}

BOOST_AUTO_TEST_CASE(precedence_and_associativity) {
  auto e = parse_ok("1 + 2 * 3 ^ 2 ^ 2");
  const auto* add = e->as<binary_expr>();
  BOOST_TEST((add->op == binary_op::add));
  const auto* mul = add->rhs->as<binary_expr>();
  BOOST_TEST((mul->op == binary_op::mul));
  const auto* pow = mul->rhs->as<binary_expr>();
  BOOST_TEST((pow->op == binary_op::pow));
  BOOST_TEST((pow->rhs->as<binary_expr>()->op == binary_op::pow)); // right-assoc
  auto sets = parse_ok("a or b and c unless d");
  BOOST_TEST((sets->as<binary_expr>()->op == binary_op::lor));
  BOOST_TEST((sets->as<binary_expr>()->rhs->as<binary_expr>()->op == binary_op::lunless));
  auto cmp = parse_ok("a > b + 1");
  BOOST_TEST((cmp->as<binary_expr>()->op == binary_op::gt));
  // Unary minus binds weaker than ^ : -2 ^ 2 == -(2 ^ 2).
  BOOST_TEST(parse_ok("-2 ^ 2")->as<unary_expr>() != nullptr);
  // ...but negative literals fold.
  BOOST_TEST(parse_ok("- - 1")->as<number_literal>()->value == 1.0);
  BOOST_TEST((parse_ok("a - b - c")->as<binary_expr>()->lhs->as<binary_expr>() != nullptr));
}

BOOST_AUTO_TEST_CASE(modifiers_in_either_order) {
  auto a = parse_ok("foo @ 100 offset 5m");
  auto b = parse_ok("foo offset 5m @ 100");
  BOOST_TEST(print(*a) == print(*b));
  BOOST_TEST(a->as<vector_selector>()->at.ts == 100000);
  auto c = parse_ok("foo offset -5m @ end()");
  BOOST_TEST(c->as<vector_selector>()->offset == -300000);
  BOOST_TEST((c->as<vector_selector>()->at.k == at_modifier::kind::end));
  BOOST_TEST(parse_ok("foo @ 1.234")->as<vector_selector>()->at.ts == 1234);
}

BOOST_AUTO_TEST_CASE(aggregation_grouping_before_or_after) {
  auto a = parse_ok("sum by (job) (x)");
  auto b = parse_ok("SUM(x) BY (job)");
  BOOST_TEST(print(*a) == print(*b));
  BOOST_TEST(parse_ok("count_values without (a) (\"v\", x)")->as<aggregate_expr>()->without);
}

BOOST_AUTO_TEST_CASE(keywords_are_valid_metric_and_label_names) {
  BOOST_TEST(parse_ok("sum{by=\"x\"}")->as<vector_selector>()->name == "sum");
  BOOST_TEST(parse_ok("sum + on(x) offset")->as<binary_expr>() != nullptr);
}

BOOST_AUTO_TEST_CASE(errors_name_the_position) {
  BOOST_TEST(parse_err("foo bar") == "1:5: parse error: unexpected identifier \"bar\"");
  BOOST_TEST(parse_err("rate(foo)") ==
             "1:6: parse error: expected type range vector in call to function \"rate\", got instant vector");
  BOOST_TEST(parse_err("sum(foo").starts_with("1:8: parse error: unexpected end of input"));
  BOOST_TEST(parse_err("1 > 2") == "1:1: parse error: comparisons between scalars must use BOOL modifier");
  BOOST_TEST(parse_err("{}") == "1:1: parse error: vector selector must contain at least one non-empty matcher");
  BOOST_TEST(parse_err("foo{a=~\"(\"}").starts_with("1:8: parse error: invalid regular expression"));
  BOOST_TEST(parse_err("x +\n  unknown_fn(y)") == "2:3: parse error: unknown function with name \"unknown_fn\"");
  BOOST_TEST(parse_err("") == "1:1: parse error: no expression found in input");
}

BOOST_AUTO_TEST_CASE(type_errors) {
  parse_err("foo[5m] + 1");
  parse_err("x and 1");
  parse_err("x + bool y");
  parse_err("1 + on(a) 2");
  parse_err("sum(x, y)");
  parse_err("topk(x)");
  parse_err("count_values(1, x)");
  parse_err("label_replace(x, \"a\", \"b\", \"c\")");
  parse_err("round(x, 1, 2)");
  parse_err("-\"s\"");
  parse_err("foo[5m][10m:]");
  parse_err("(foo)[5m]");
  parse_err("foo offset 5m offset 3m");
  parse_err("foo @ 1 @ 2");
  parse_err("1 offset 5m");
  parse_err("foo{__name__=\"bar\"}");
  parse_err("a and group_left b");
  parse_err("a and on(x) group_left b");
  parse_err("sum(x) by (a) by (b)");
}

BOOST_AUTO_TEST_CASE(variadic_functions) {
  parse_ok("round(x)");
  parse_ok("round(x, 5)");
  parse_ok("label_join(x, \"d\", \",\")");
  parse_ok("label_join(x, \"d\", \",\", \"a\", \"b\", \"c\")");
  parse_ok("year()");
  parse_ok("year(x)");
  parse_err("year(x, x)");
}

BOOST_AUTO_TEST_SUITE_END()
