#include "api/request_params.hpp"

#include <cctype>

namespace vigil::api {

std::pair<std::string_view, std::string_view> split_target(std::string_view target) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

namespace {

/// Whether the media type (before any ';' parameters) is a URL-encoded form;
/// media types are case-insensitive.
bool is_form(std::string_view content_type) {
  constexpr std::string_view form = "application/x-www-form-urlencoded";
  auto media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  if (media.size() != form.size()) return false;
  for (std::size_t i = 0; i < form.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(media[i])) != form[i]) return false;
  return true;
}

} // namespace

request_params request_params::from(std::string_view query_string, std::string_view content_type,
                                    std::string_view body) {
  request_params p;
  if (is_form(content_type)) p.pairs_ = parse_form(body);
  for (auto& kv : parse_form(query_string)) p.pairs_.push_back(std::move(kv));
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
