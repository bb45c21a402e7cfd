// alert/rule_source.hpp - a rule file split into its groups, each with the
// YAML text of that group alone (what the rule store keeps beside the
// parsed definition, and what `vigil rules get` prints).
//
// Pure; thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "alert/rule_codec.hpp"
#include "core/status.hpp"

namespace vigil::alert {

/// Parses and validates `text` (YAML or JSON of the same shape) as
/// parse_rule_file does; each group comes with `groups: [<that group>]` as
/// YAML. Errors: as parse_rule_file (invalid_argument naming the line).
result<std::vector<stored_group>> split_rule_file(std::string_view text);

} // namespace vigil::alert
