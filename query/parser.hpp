// query/parser.hpp - PromQL text to AST, with Prometheus 2.42's grammar and
// type checks (function signatures, operand types, matcher rules).
//
// Pure functions; no global state besides the immutable function table.
#pragma once

#include <string_view>

#include "core/status.hpp"
#include "query/ast.hpp"

namespace vigil::query {

/// Parses and type-checks `query`. Errors are invalid_argument with a message
/// "line:col: parse error: <what>" naming the offending position.
result<expr_ptr> parse(std::string_view query);

/// Type-checks a tree built by the parser (called by parse()). Returns
/// invalid_argument with a positioned message for `query`.
status check(const expr& root, std::string_view query);

/// "scalar", "instant vector", "range vector", "string" (for messages).
const char* describe(value_type t) noexcept;

} // namespace vigil::query
