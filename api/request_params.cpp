#include "api/request_params.hpp"

namespace vigil::api {

std::pair<std::string_view, std::string_view> split_target(std::string_view target) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

request_params request_params::from(std::string_view query_string, std::string_view content_type,
                                    std::string_view body) {
  request_params p;
  p.pairs_ = parse_form(query_string);
  if (content_type.starts_with("application/x-www-form-urlencoded"))
    for (auto& kv : parse_form(body)) p.pairs_.push_back(std::move(kv));
  return p;
}

std::string_view request_params::get(std::string_view name) const {
  for (const auto& [k, v] : pairs_)
    if (k == name) return v;
  return {};
}

std::vector<std::string> request_params::get_all(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : pairs_)
    if (k == name) out.push_back(v);
  return out;
}

} // namespace vigil::api
