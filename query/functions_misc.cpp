// Type conversions, ordering and presence: time, timestamp, vector, scalar,
// sort, sort_desc, absent.
#include <algorithm>
#include <cmath>

#include "query/functions.hpp"

namespace vigil::query::fn {

vector_value time(std::vector<vector_value>&, const call_context& ctx) {
  return {vsample{{}, static_cast<double>(ctx.ts) / 1000.0, ctx.ts}};
}

vector_value timestamp(std::vector<vector_value>& args, const call_context&) {
  vector_value out = std::move(args[0]);
  for (auto& s : out) {
    s.v = static_cast<double>(s.t) / 1000.0;
    s.lbls = s.lbls.without_metric_name();
  }
  return out;
}

vector_value vector(std::vector<vector_value>& args, const call_context& ctx) {
  return {vsample{{}, args[0].empty() ? NAN : args[0][0].v, ctx.ts}};
}

vector_value scalar(std::vector<vector_value>& args, const call_context& ctx) {
  return {vsample{{}, args[0].size() == 1 ? args[0][0].v : NAN, ctx.ts}};
}

vector_value sort(std::vector<vector_value>& args, const call_context&) {
  vector_value out = std::move(args[0]);
  std::stable_sort(out.begin(), out.end(), [](const vsample& a, const vsample& b) {
    return !std::isnan(a.v) && (std::isnan(b.v) || a.v < b.v); // NaN last
  });
  return out;
}

vector_value sort_desc(std::vector<vector_value>& args, const call_context&) {
  vector_value out = std::move(args[0]);
  std::stable_sort(out.begin(), out.end(), [](const vsample& a, const vsample& b) {
    return !std::isnan(a.v) && (std::isnan(b.v) || b.v < a.v); // NaN last
  });
  return out;
}

labels absent_labels(const expr& arg) {
  const matchers* ms = nullptr;
  if (const auto* vs = arg.as<vector_selector>()) ms = &vs->ms;
  else if (const auto* m = arg.as<matrix_selector>()) ms = &m->sel.ms;
  if (ms == nullptr) return {};
  labels out;
  std::vector<std::string> drop;
  for (const auto& m : *ms) {
    if (m.name() == metric_name_label) continue;
    if (m.type() == match_type::equal && !out.has(m.name())) out = out.with(m.name(), m.value());
    else drop.push_back(m.name());
  }
  return out.without(drop);
}

vector_value absent(std::vector<vector_value>& args, const call_context& ctx) {
  if (!args[0].empty()) return {};
  return {vsample{absent_labels(unwrap_parens(*ctx.call.args[0])), 1.0, ctx.ts}};
}

} // namespace vigil::query::fn
