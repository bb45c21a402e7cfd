// alert/rules_parser.hpp - Prometheus rule files (YAML) -> rule groups, with
// the validation `promtool check rules` does. Errors name the line:
// "line 7: group \"api\", rule 2 (HighLatency): expr: 1:5: parse error: ...".
//
// Pure; thread-safe (no shared state).
#pragma once

#include <string_view>

#include "alert/rule.hpp"
#include "core/status.hpp"

namespace vigil::alert {

/// Parses and validates a rule file. Returns invalid_argument naming the
/// first problem and its line.
result<rule_file> parse_rule_file(std::string_view yaml);

/// Validates one group as parse_rule_file does (for groups built by REST).
status validate_group(const rule_group& g);

} // namespace vigil::alert
