// Running promqltest commands against a memory_source.
#include <cmath>

#include "query/functions.hpp"
#include "query/parser.hpp"
#include "query/printer.hpp"
#include "query/promqltest.hpp"

namespace vigil::query::promqltest {
namespace {

std::string describe_vector(const std::vector<series>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size() && i < 20; ++i) {
    if (i) out += ", ";
    out += items[i].lbls.to_string() + " ";
    out += items[i].samples.empty() ? "?" : format_number(items[i].samples.back().v);
  }
  return out + (items.size() > 20 ? ", ...]" : "]");
}

// Compares a vector result (one sample per item) with the expectation.
std::string compare_vector(const eval_cmd& cmd, const std::vector<series>& got) {
  if (got.size() != cmd.samples.size())
    return "expected " + std::to_string(cmd.samples.size()) + " samples, got " + std::to_string(got.size()) + ": " +
           describe_vector(got);
  for (std::size_t i = 0; i < cmd.samples.size(); ++i) {
    const auto& want = cmd.samples[i];
    const series* match = nullptr;
    if (cmd.ordered) {
      if (got[i].lbls == want.lbls) match = &got[i];
      else return "expected " + want.lbls.to_string() + " at position " + std::to_string(i) + ", got " +
                  describe_vector(got);
    } else {
      for (const auto& g : got)
        if (g.lbls == want.lbls) match = &g;
    }
    if (match == nullptr) return "missing " + want.lbls.to_string() + " in " + describe_vector(got);
    double v = match->samples.empty() ? NAN : match->samples.back().v;
    if (!almost_equal(v, want.v))
      return "value of " + want.lbls.to_string() + ": expected " + format_number(want.v) + ", got " + format_number(v);
  }
  return {};
}

std::string compare(const eval_cmd& cmd, const query_result& res) {
  if (cmd.scalar) {
    if (res.type != value_type::scalar) return std::string("expected a scalar, got a ") + to_string(res.type);
    if (!almost_equal(res.scalar.v, *cmd.scalar))
      return "expected scalar " + format_number(*cmd.scalar) + ", got " + format_number(res.scalar.v);
    return {};
  }
  if (res.type != value_type::vector) return std::string("expected a vector, got a ") + to_string(res.type);
  return compare_vector(cmd, res.items);
}

// The range query t-1m..t+1m must agree at its middle step.
std::string check_range(const eval_cmd& cmd, const memory_source& db, const run_options& opts, bool scalar_result) {
  constexpr timestamp_ms minute = 60 * 1000;
  auto res = db.query(cmd.expr, query_params{cmd.at - minute, cmd.at + minute, minute}, opts.engine);
  if (!res) return "range query failed: " + res.error().message();
  if (cmd.ordered) return {};
  std::vector<series> at_t;
  for (const auto& s : res->items)
    for (const auto& p : s.samples)
      if (p.t == cmd.at) at_t.push_back(series{s.lbls, {p}});
  if (scalar_result) {
    if (at_t.empty()) return "range query: no scalar value at the middle step";
    return almost_equal(at_t[0].samples[0].v, *cmd.scalar) ? std::string() : "range query: scalar mismatch";
  }
  auto msg = compare_vector(cmd, at_t);
  return msg.empty() ? msg : "range query: " + msg;
}

// Sets `@ ts` on every selector and subquery that has none (not inside
// subqueries); returns false when a time-dependent function makes this unsound.
bool pin_to(expr& e, timestamp_ms ts) {
  at_modifier at{at_modifier::kind::timestamp, ts};
  if (auto* vs = e.as<vector_selector>()) {
    if (!vs->at.is_set()) vs->at = at;
  } else if (auto* ms = e.as<matrix_selector>()) {
    if (!ms->sel.at.is_set()) ms->sel.at = at;
  } else if (auto* sq = e.as<subquery_expr>()) {
    // As Prometheus: nothing inside a subquery is changed or inspected.
    if (!sq->at.is_set()) sq->at = at;
  } else if (auto* c = e.as<call_expr>()) {
    bool ok = !is_time_dependent(c->fn->name);
    for (auto& a : c->args) ok &= pin_to(*a, ts);
    return ok;
  } else if (auto* a = e.as<aggregate_expr>()) {
    return pin_to(*a->inner, ts) & (!a->param || pin_to(*a->param, ts));
  } else if (auto* b = e.as<binary_expr>()) {
    return pin_to(*b->lhs, ts) & pin_to(*b->rhs, ts);
  } else if (auto* u = e.as<unary_expr>()) {
    return pin_to(*u->inner, ts);
  } else if (auto* p = e.as<paren_expr>()) {
    return pin_to(*p->inner, ts);
  }
  return true;
}

} // namespace

bool contains_time_dependent(const expr& e) {
  if (const auto* c = e.as<call_expr>()) {
    if (is_time_dependent(c->fn->name)) return true;
    for (const auto& a : c->args)
      if (contains_time_dependent(*a)) return true;
  } else if (const auto* sq = e.as<subquery_expr>()) {
    return contains_time_dependent(*sq->inner);
  } else if (const auto* a = e.as<aggregate_expr>()) {
    return contains_time_dependent(*a->inner) || (a->param && contains_time_dependent(*a->param));
  } else if (const auto* b = e.as<binary_expr>()) {
    return contains_time_dependent(*b->lhs) || contains_time_dependent(*b->rhs);
  } else if (const auto* u = e.as<unary_expr>()) {
    return contains_time_dependent(*u->inner);
  } else if (const auto* p = e.as<paren_expr>()) {
    return contains_time_dependent(*p->inner);
  }
  return false;
}

std::vector<eval_cmd> at_modifier_variants(const eval_cmd& cmd) {
  auto root = parse(cmd.expr);
  if (!root || !pin_to(**root, cmd.at)) return {};
  std::vector<timestamp_ms> times = {-10 * cmd.at, 0, cmd.at / 5, cmd.at, 10 * cmd.at};
  if (cmd.at == 0) times = {0, 10, 1000};
  std::vector<eval_cmd> out;
  for (auto t : times) {
    eval_cmd v = cmd;
    v.expr = print(**root);
    v.at = t;
    out.push_back(std::move(v));
  }
  return out;
}

eval_outcome run_eval(const eval_cmd& cmd, const memory_source& db, const run_options& opts) {
  auto out = run_one(cmd, db, opts);
  if (!out.passed || !opts.check_at_modifier) return out;
  for (const auto& v : at_modifier_variants(cmd)) {
    auto o = run_one(v, db, opts);
    if (!o.passed) {
      out.passed = false;
      out.message = "with @ at " + std::to_string(v.at) + "ms (" + v.expr + "): " + o.message;
      return out;
    }
  }
  return out;
}

eval_outcome run_one(const eval_cmd& cmd, const memory_source& db, const run_options& opts) {
  eval_outcome out{cmd.line, cmd.expr, false, {}};
  auto res = db.query(cmd.expr, query_params{cmd.at, cmd.at, 0}, opts.engine);
  if (cmd.expect_fail) {
    out.passed = !res;
    if (res) out.message = "expected an error, got success";
    return out;
  }
  if (!res) {
    out.message = "error: " + res.error().message();
    return out;
  }
  out.message = compare(cmd, *res);
  if (out.message.empty() && opts.check_range)
    out.message = check_range(cmd, db, opts, res->type == value_type::scalar);
  out.passed = out.message.empty();
  return out;
}

std::vector<eval_outcome> run(const std::vector<command>& cmds, const run_options& opts) {
  memory_source db;
  std::vector<eval_outcome> out;
  for (const auto& c : cmds) {
    if (const auto* load = std::get_if<load_cmd>(&c)) {
      for (const auto& s : load->defs) db.add(s);
    } else if (std::holds_alternative<clear_cmd>(c)) {
      db.clear();
    } else {
      out.push_back(run_eval(std::get<eval_cmd>(c), db, opts));
    }
  }
  return out;
}

} // namespace vigil::query::promqltest
