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
