#include "messages/query.hpp"

namespace vigil::messages {

select_request make_select(const matchers& ms, time_range r) {
  select_request out;
  out.min = r.min;
  out.max = r.max;
  out.matchers.reserve(ms.size());
  for (const auto& m : ms)
    out.matchers.push_back({static_cast<std::uint8_t>(m.type()), m.name(), m.value()});
  return out;
}

query::eval_options options_of(const partial_request& r) {
  query::eval_options o;
  o.lookback_delta = r.lookback_delta;
  o.default_subquery_step = r.default_subquery_step > 0 ? r.default_subquery_step : o.default_subquery_step;
  if (r.max_samples > 0) o.max_samples = r.max_samples;
  o.pushdown = false;
  return o;
}

result<matchers> to_matchers(const std::vector<wire_matcher>& ms) {
  matchers out;
  out.reserve(ms.size());
  for (const auto& w : ms) {
    if (w.type > static_cast<std::uint8_t>(match_type::not_regex))
      return invalid_argument("unknown matcher type " + std::to_string(w.type));
    auto m = matcher::make(static_cast<match_type>(w.type), w.name, w.value);
    if (!m) return std::move(m).error();
    out.push_back(std::move(*m));
  }
  return out;
}

} // namespace vigil::messages
