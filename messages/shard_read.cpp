#include "messages/shard_read.hpp"

#include "messages/series_codec.hpp"

namespace vigil::messages {

namespace {

read_part to_wire(const query::selection& sel) {
  read_part p;
  p.matchers.reserve(sel.ms.size());
  for (const auto& m : sel.ms) p.matchers.push_back({static_cast<std::uint8_t>(m.type()), m.name(), m.value()});
  p.min = sel.range.min;
  p.max = sel.range.max;
  p.thin_first = sel.thin_first;
  p.thin_step = sel.thin_step;
  p.promql = sel.partial;
  return p;
}

query::query_params params_of(const read_request& r) { return {r.start, r.end, r.step}; }

/// The plan step of one part; `partial` prepared with `params`/`opts`.
result<read_plan::step> make_step(query::selection sel, const query::query_params& params,
                                  const query::eval_options& opts) {
  read_plan::step st;
  if (!sel.partial.empty()) {
    auto q = query::prepare_partial(sel.partial, params, opts);
    if (!q) return std::move(q).error();
    st.partial = std::make_shared<const query::prepared_query>(std::move(*q));
  }
  st.sel = std::move(sel);
  return st;
}

} // namespace

query::eval_options options_of(const read_request& r) {
  query::eval_options o;
  o.lookback_delta = r.lookback_delta;
  if (r.default_subquery_step > 0) o.default_subquery_step = r.default_subquery_step;
  if (r.max_samples > 0) o.max_samples = r.max_samples;
  o.pushdown = false;
  return o;
}

result<read_request> make_read_request(const std::vector<query::selection>& selections,
                                       const query::query_params& params, const query::eval_options& options) {
  read_request r;
  r.start = params.start;
  r.end = params.end;
  r.step = params.step;
  r.lookback_delta = options.lookback_delta;
  r.default_subquery_step = options.default_subquery_step;
  r.max_samples = options.max_samples;
  r.parts.reserve(selections.size());
  auto plan = std::make_shared<read_plan>();
  plan->steps.reserve(selections.size());
  const auto opts = options_of(r);
  for (const auto& sel : selections) {
    r.parts.push_back(to_wire(sel));
    auto st = make_step(sel, params, opts);
    if (!st) return std::move(st).error();
    plan->steps.push_back(std::move(*st));
  }
  r.local = std::move(plan);
  return r;
}

result<read_plan> make_read_plan(const read_request& r) {
  read_plan plan;
  plan.steps.reserve(r.parts.size());
  const auto params = params_of(r);
  const auto opts = options_of(r);
  for (const auto& p : r.parts) {
    query::selection sel;
    if (p.promql.empty()) {
      auto ms = to_matchers(p.matchers);
      if (!ms) return std::move(ms).error();
      sel.ms = std::move(*ms);
    }
    sel.range = {p.min, p.max};
    sel.thin_first = p.thin_first;
    sel.thin_step = p.thin_step;
    sel.partial = p.promql;
    auto st = make_step(std::move(sel), params, opts);
    if (!st) return std::move(st).error();
    plan.steps.push_back(std::move(*st));
  }
  return plan;
}

std::vector<std::string> encode_parts(const read_answer& a) {
  std::vector<std::string> out;
  out.reserve(a.parts.size());
  for (const auto& p : a.parts) out.push_back(encode_series_set(p));
  return out;
}

void decode_parts(const std::vector<std::string>& wire, read_answer& out) {
  out.parts.clear();
  out.wire_error.reset();
  out.parts.reserve(wire.size());
  for (const auto& bytes : wire) {
    auto got = decode_series_set(bytes);
    if (!got) {
      out.parts.clear();
      out.wire_error = std::move(got).error();
      return;
    }
    out.parts.push_back(std::move(*got));
  }
}

} // namespace vigil::messages
