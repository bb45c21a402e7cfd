// api/request_params.hpp - the parameters of one API request: the query
// string plus, for form POSTs, the body (as Prometheus accepts both).
// Pure; a request_params is a plain value.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/query_params.hpp"

namespace vigil::api {

/// Splits "/path?query" into ("/path", "query").
std::pair<std::string_view, std::string_view> split_target(std::string_view target);

class request_params {
public:
  /// Parses the query string, and the body when `content_type` is
  /// application/x-www-form-urlencoded (any case, any parameters). As in Go's
  /// Request.FormValue, body values come before query-string values, so
  /// get() prefers the body.
  static request_params from(std::string_view query_string, std::string_view content_type,
                             std::string_view body);

  /// The first value of `name`, or "" when absent.
  std::string_view get(std::string_view name) const;
  /// Every value of `name` (e.g. match[]), in order.
  std::vector<std::string> get_all(std::string_view name) const;

private:
  std::vector<std::pair<std::string, std::string>> pairs_;
};

} // namespace vigil::api
