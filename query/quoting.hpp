// query/quoting.hpp - Go-compatible string literal quoting, as PromQL uses
// (strconv.Quote / strconv.Unquote). Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "core/status.hpp"

namespace vigil::query {

/// Unquotes a string literal including its quotes ("...", '...' or `...`),
/// resolving Go escapes (\n, \x41, \u00e9, \101, ...). Returns
/// invalid_argument on malformed input.
result<std::string> unquote(std::string_view quoted);

/// Double-quotes `s`, escaping `"`, `\` and control characters so that
/// unquote(quote(s)) == s.
std::string quote(std::string_view s);

} // namespace vigil::query
