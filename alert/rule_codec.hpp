// alert/rule_codec.hpp - the bytes of alert/rule_store's values (see
// alert/FORMAT.md): a rule group with its YAML source, and one rule's alert
// state. Every value starts with a version byte; decoding any other version,
// or bytes that end early or run long, is errc::corruption naming the value.
//
// Pure; thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <compare>
#include <string>
#include <string_view>
#include <vector>

#include "alert/rule.hpp"
#include "alert/state_machine.hpp"
#include "core/status.hpp"

namespace vigil::alert {

/// The version byte every value of the current format starts with.
inline constexpr std::uint8_t rule_codec_version = 1;

/// A group as persisted: its definition and the YAML text it came from.
struct stored_group {
  rule_group group;
  std::string source; ///< YAML of this one group (`groups: [...]`)
  friend bool operator==(const stored_group&, const stored_group&) = default;
};

/// What is persisted of one rule between evaluations.
struct rule_state {
  std::vector<alert_instance> alerts; ///< pending, firing and retained resolved alerts
  timestamp_ms last_evaluation = 0;   ///< scheduled time of the last evaluation (0: never)
  friend bool operator==(const rule_state&, const rule_state&) = default;
};

/// Identifies one rule of a group in the states database.
struct rule_key {
  std::string rule;          ///< alert or record name
  std::uint32_t occurrence = 0; ///< among same-named rules of the group, in order
  friend auto operator<=>(const rule_key&, const rule_key&) = default;
};

/// The rule_key of every rule of `g`, in rule order.
std::vector<rule_key> rule_keys(const rule_group& g);

/// Appends the encoding of `g` to `out`.
void encode_group(const stored_group& g, std::vector<std::uint8_t>& out);
/// @param what names the value in corruption messages (e.g. the LMDB key)
result<stored_group> decode_group(std::string_view bytes, std::string_view what);

/// Appends the encoding of `s` to `out`.
void encode_rule_state(const rule_state& s, std::vector<std::uint8_t>& out);
result<rule_state> decode_rule_state(std::string_view bytes, std::string_view what);

} // namespace vigil::alert
