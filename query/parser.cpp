#include "query/parser.hpp"

#include <cmath>
#include <optional>

#include "query/functions.hpp"
#include "query/lexer.hpp"

namespace vigil::query {
namespace {

struct parse_failure {
  std::size_t pos;
  std::string msg;
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::optional<agg_op> aggregator(std::string_view word) {
  static constexpr struct {
    std::string_view name;
    agg_op op;
  } ops[] = {{"sum", agg_op::sum},       {"avg", agg_op::avg},         {"count", agg_op::count},
             {"min", agg_op::min},       {"max", agg_op::max},         {"group", agg_op::group},
             {"stddev", agg_op::stddev}, {"stdvar", agg_op::stdvar},   {"topk", agg_op::topk},
             {"bottomk", agg_op::bottomk}, {"count_values", agg_op::count_values},
             {"quantile", agg_op::quantile}};
  auto w = lower(word);
  for (const auto& o : ops)
    if (o.name == w) return o.op;
  return std::nullopt;
}

constexpr int pow_precedence = 6;

struct op_info {
  binary_op op;
  int prec;
};

class parser {
public:
  parser(std::string_view q, std::vector<token> toks) : q_(q), toks_(std::move(toks)) {}

  expr_ptr run() {
    if (peek().kind == token_kind::eof) throw parse_failure{0, "no expression found in input"};
    auto e = parse_binary(0);
    if (peek().kind != token_kind::eof) unexpected(peek());
    return e;
  }

private:
  const token& peek(std::size_t ahead = 0) const {
    return toks_[std::min(i_ + ahead, toks_.size() - 1)];
  }
  const token& next() { return toks_[std::min(i_++, toks_.size() - 1)]; }
  bool is_keyword(const token& t, std::string_view kw) const {
    return t.kind == token_kind::identifier && lower(t.str) == kw;
  }

  [[noreturn]] void unexpected(const token& t, std::string_view context = {}) const {
    std::string what = "unexpected ";
    if (t.kind == token_kind::identifier) what += "identifier \"" + t.str + "\"";
    else if (t.kind == token_kind::number || t.kind == token_kind::duration || t.kind == token_kind::string)
      what += std::string(describe(t.kind)) + " \"" + std::string(t.text) + "\"";
    else what += describe(t.kind);
    if (!context.empty()) what += " " + std::string(context);
    throw parse_failure{t.pos, what};
  }

  const token& expect(token_kind k, std::string_view context) {
    if (peek().kind != k) unexpected(peek(), context);
    return next();
  }

  std::optional<op_info> binary_operator(const token& t) const {
    switch (t.kind) {
      case token_kind::add: return op_info{binary_op::add, 4};
      case token_kind::sub: return op_info{binary_op::sub, 4};
      case token_kind::mul: return op_info{binary_op::mul, 5};
      case token_kind::div: return op_info{binary_op::div, 5};
      case token_kind::mod: return op_info{binary_op::mod, 5};
      case token_kind::pow: return op_info{binary_op::pow, pow_precedence};
      case token_kind::eql: return op_info{binary_op::eq, 3};
      case token_kind::neq: return op_info{binary_op::ne, 3};
      case token_kind::gtr: return op_info{binary_op::gt, 3};
      case token_kind::lss: return op_info{binary_op::lt, 3};
      case token_kind::gte: return op_info{binary_op::ge, 3};
      case token_kind::lte: return op_info{binary_op::le, 3};
      case token_kind::identifier: {
        auto w = lower(t.str);
        if (w == "and") return op_info{binary_op::land, 2};
        if (w == "unless") return op_info{binary_op::lunless, 2};
        if (w == "or") return op_info{binary_op::lor, 1};
        if (w == "atan2") return op_info{binary_op::atan2, 5};
        return std::nullopt;
      }
      default: return std::nullopt;
    }
  }

  // Precedence climbing; '^' is right-associative.
  expr_ptr parse_binary(int min_prec) {
    auto lhs = parse_unary();
    for (;;) {
      auto op = binary_operator(peek());
      if (!op || op->prec < min_prec) return lhs;
      std::size_t pos = lhs->pos;
      next();
      binary_expr b;
      b.op = op->op;
      parse_modifiers(b);
      b.lhs = std::move(lhs);
      b.rhs = parse_binary(op->prec == pow_precedence ? op->prec : op->prec + 1);
      if (is_set_operator(b.op) && b.matching.card == cardinality::one_to_one)
        b.matching.card = cardinality::many_to_many;
      lhs = make_expr(std::move(b), pos);
    }
  }

  void parse_modifiers(binary_expr& b) {
    if (is_keyword(peek(), "bool")) {
      next();
      b.return_bool = true;
    }
    if (is_keyword(peek(), "on") || is_keyword(peek(), "ignoring")) {
      b.matching.on = is_keyword(next(), "on");
      b.matching.labels = parse_label_list();
      if (is_keyword(peek(), "group_left") || is_keyword(peek(), "group_right")) {
        const token& g = next();
        if (is_set_operator(b.op))
          throw parse_failure{g.pos, "no grouping allowed for \"" + std::string(to_string(b.op)) + "\" operation"};
        b.matching.card = is_keyword(g, "group_left") ? cardinality::many_to_one : cardinality::one_to_many;
        if (peek().kind == token_kind::lparen) b.matching.include = parse_label_list();
      }
    }
  }

  std::vector<std::string> parse_label_list() {
    expect(token_kind::lparen, "in grouping opts, expected \"(\"");
    std::vector<std::string> out;
    while (peek().kind != token_kind::rparen) {
      const token& t = next();
      if (t.kind != token_kind::identifier) unexpected(t, "in grouping opts, expected label");
      out.push_back(t.str);
      if (peek().kind == token_kind::comma) next();
      else if (peek().kind != token_kind::rparen) unexpected(peek(), "in grouping opts, expected \")\" or \",\"");
    }
    next();
    return out;
  }

  expr_ptr parse_unary() {
    const token& t = peek();
    if (t.kind != token_kind::add && t.kind != token_kind::sub) return parse_postfix(parse_primary());
    next();
    auto inner = parse_binary(pow_precedence);
    if (auto* n = inner->as<number_literal>()) {
      if (t.kind == token_kind::sub) n->value = -n->value;
      inner->pos = t.pos;
      return inner;
    }
    return make_expr(unary_expr{t.kind == token_kind::sub, std::move(inner)}, t.pos);
  }

  expr_ptr parse_primary() {
    const token& t = peek();
    switch (t.kind) {
      case token_kind::number: next(); return make_expr(number_literal{t.num}, t.pos);
      case token_kind::string: next(); return make_expr(string_literal{t.str}, t.pos);
      case token_kind::lparen: {
        next();
        auto inner = parse_binary(0);
        expect(token_kind::rparen, "in paren expression");
        return make_expr(paren_expr{std::move(inner)}, t.pos);
      }
      case token_kind::lbrace: return parse_selector("", t.pos);
      case token_kind::identifier: return parse_identifier();
      default: unexpected(t);
    }
  }

  expr_ptr parse_identifier() {
    const token& t = next();
    const token& n = peek();
    bool grouping_next = is_keyword(n, "by") || is_keyword(n, "without");
    if (auto op = aggregator(t.str); op && (n.kind == token_kind::lparen || grouping_next))
      return parse_aggregate(*op, t.pos);
    if (n.kind == token_kind::lparen) return parse_call(t);
    return parse_selector(t.str, t.pos);
  }

  expr_ptr parse_call(const token& name) {
    const function_def* fn = find_function(name.str);
    if (fn == nullptr) throw parse_failure{name.pos, "unknown function with name \"" + name.str + "\""};
    call_expr c;
    c.fn = fn;
    c.args = parse_args();
    return make_expr(std::move(c), name.pos);
  }

  std::vector<expr_ptr> parse_args() {
    expect(token_kind::lparen, "");
    std::vector<expr_ptr> args;
    if (peek().kind == token_kind::rparen) {
      next();
      return args;
    }
    for (;;) {
      args.push_back(parse_binary(0));
      if (peek().kind == token_kind::rparen) break;
      expect(token_kind::comma, "in function call args, expected \",\" or \")\"");
      if (peek().kind == token_kind::rparen)
        throw parse_failure{peek().pos, "trailing commas not allowed in function call args"};
    }
    next();
    return args;
  }

  expr_ptr parse_aggregate(agg_op op, std::size_t pos) {
    aggregate_expr a;
    a.op = op;
    bool grouped = false;
    auto grouping = [&] {
      a.without = is_keyword(next(), "without");
      a.grouping = parse_label_list();
      grouped = true;
    };
    if (is_keyword(peek(), "by") || is_keyword(peek(), "without")) grouping();
    std::size_t args_pos = peek().pos;
    auto args = parse_args();
    if (!grouped && (is_keyword(peek(), "by") || is_keyword(peek(), "without"))) grouping();
    std::size_t want = has_param(op) ? 2 : 1;
    if (args.empty()) throw parse_failure{args_pos, "no arguments for aggregate expression provided"};
    if (args.size() != want)
      throw parse_failure{args_pos, "wrong number of arguments for aggregate expression provided, expected " +
                                        std::to_string(want) + ", got " + std::to_string(args.size())};
    if (want == 2) a.param = std::move(args[0]);
    a.inner = std::move(args.back());
    return make_expr(std::move(a), pos);
  }

  expr_ptr parse_selector(std::string name, std::size_t pos) {
    vector_selector vs;
    vs.name = name;
    if (peek().kind == token_kind::lbrace) {
      next();
      parse_matchers(vs.ms);
    }
    if (!name.empty()) {
      for (const auto& m : vs.ms)
        if (m.name() == metric_name_label)
          throw parse_failure{pos, "metric name must not be set twice: \"" + name + "\" or \"" + m.value() + "\""};
      vs.ms.push_back(*matcher::make(match_type::equal, std::string(metric_name_label), name));
    }
    bool any_non_empty = false;
    for (const auto& m : vs.ms) any_non_empty |= !m.matches_empty();
    if (!any_non_empty) throw parse_failure{pos, "vector selector must contain at least one non-empty matcher"};
    return make_expr(std::move(vs), pos);
  }

  void parse_matchers(matchers& out) {
    while (peek().kind != token_kind::rbrace) {
      const token& name = next();
      if (name.kind != token_kind::identifier) unexpected(name, "in label matching, expected label");
      const token& op = next();
      match_type type;
      switch (op.kind) {
        case token_kind::assign: type = match_type::equal; break;
        case token_kind::neq: type = match_type::not_equal; break;
        case token_kind::eql_regex: type = match_type::regex; break;
        case token_kind::neq_regex: type = match_type::not_regex; break;
        default: unexpected(op, "in label matching, expected label matching operator");
      }
      const token& val = next();
      if (val.kind != token_kind::string) unexpected(val, "in label matching, expected string");
      auto m = matcher::make(type, name.str, val.str);
      if (!m) throw parse_failure{val.pos, m.error().message()};
      out.push_back(std::move(*m));
      if (peek().kind == token_kind::comma) next();
      else if (peek().kind != token_kind::rbrace) unexpected(peek(), "in label matching, expected \",\" or \"}\"");
    }
    next();
  }

  // Range selectors, subqueries, offset and @, in any order after a primary.
  expr_ptr parse_postfix(expr_ptr e) {
    for (;;) {
      const token& t = peek();
      if (t.kind == token_kind::lbracket) e = parse_range(std::move(e));
      else if (is_keyword(t, "offset")) parse_offset(*e);
      else if (t.kind == token_kind::at) parse_at(*e);
      else return e;
    }
  }

  expr_ptr parse_range(expr_ptr e) {
    const token& open = next();
    const token& d = expect(token_kind::duration, "in subquery or range selector, expected duration");
    if (peek().kind == token_kind::rbracket) {
      next();
      auto* vs = e->as<vector_selector>();
      if (vs == nullptr) throw parse_failure{e->pos, "ranges only allowed for vector selectors"};
      if (vs->offset != 0 || vs->at.is_set())
        throw parse_failure{open.pos, "no offset or @ modifiers allowed before range"};
      std::size_t pos = e->pos;
      return make_expr(matrix_selector{std::move(*vs), d.dur}, pos);
    }
    expect(token_kind::colon, "in subquery or range selector, expected \":\" or \"]\"");
    subquery_expr sq;
    sq.range = d.dur;
    if (peek().kind == token_kind::duration) sq.step = next().dur;
    expect(token_kind::rbracket, "in subquery, expected \"]\"");
    std::size_t pos = e->pos;
    sq.inner = std::move(e);
    return make_expr(std::move(sq), pos);
  }

  // Returns the (offset, at) slots of a selector or subquery, or throws.
  std::pair<timestamp_ms*, at_modifier*> modifier_slots(expr& e, const token& t, const char* what) {
    if (auto* vs = e.as<vector_selector>()) return {&vs->offset, &vs->at};
    if (auto* ms = e.as<matrix_selector>()) return {&ms->sel.offset, &ms->sel.at};
    if (auto* sq = e.as<subquery_expr>()) return {&sq->offset, &sq->at};
    throw parse_failure{t.pos, std::string(what) +
                                   " modifier must be preceded by an instant vector selector or range vector "
                                   "selector or a subquery"};
  }

  void parse_offset(expr& e) {
    const token& kw = next();
    auto [offset, at] = modifier_slots(e, kw, "offset");
    (void)at;
    bool neg = false;
    if (peek().kind == token_kind::sub || peek().kind == token_kind::add) neg = next().kind == token_kind::sub;
    const token& d = expect(token_kind::duration, "in offset, expected duration");
    if (*offset != 0) throw parse_failure{kw.pos, "offset may not be set multiple times"};
    *offset = neg ? -d.dur : d.dur;
  }

  void parse_at(expr& e) {
    const token& kw = next();
    auto [offset, at] = modifier_slots(e, kw, "@");
    (void)offset;
    if (at->is_set()) throw parse_failure{kw.pos, "@ <timestamp> may not be set multiple times"};
    if (is_keyword(peek(), "start") || is_keyword(peek(), "end")) {
      at->k = is_keyword(next(), "start") ? at_modifier::kind::start : at_modifier::kind::end;
      expect(token_kind::lparen, "in @ modifier, expected \"(\"");
      expect(token_kind::rparen, "in @ modifier, expected \")\"");
      return;
    }
    bool neg = false;
    if (peek().kind == token_kind::sub || peek().kind == token_kind::add) neg = next().kind == token_kind::sub;
    const token& n = expect(token_kind::number, "in @ modifier, expected timestamp");
    double v = neg ? -n.num : n.num;
    double ms = std::round(v * 1000.0);
    if (!std::isfinite(v) || ms > 9.2e18 || ms < -9.2e18)
      throw parse_failure{n.pos, "timestamp out of bounds for @ modifier: " + std::string(n.text)};
    at->k = at_modifier::kind::timestamp;
    at->ts = static_cast<timestamp_ms>(ms);
  }

  std::string_view q_;
  std::vector<token> toks_;
  std::size_t i_ = 0;
};

} // namespace

result<expr_ptr> parse(std::string_view query) {
  auto toks = lex(query);
  if (!toks) return std::move(toks).error();
  expr_ptr root;
  try {
    root = parser(query, std::move(*toks)).run();
  } catch (const parse_failure& f) {
    return invalid_argument(parse_error_message(query, f.pos, f.msg));
  }
  if (auto st = check(*root, query); !st) return st;
  return root;
}

} // namespace vigil::query
