// messages/alert.hpp - what rule actors tell the notifier: after every
// evaluation, the rule's current alerts (firing ones and recently resolved
// ones), with expanded annotations. CAF 0.17 inspect() beside each struct.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <caf/meta/type_name.hpp>

namespace vigil::messages {

/// One alert as it travels (labels and annotations as ordered pairs).
struct wire_alert {
  std::vector<std::pair<std::string, std::string>> labels;      ///< sorted by name
  std::vector<std::pair<std::string, std::string>> annotations; ///< as in the rule
  bool firing = true;          ///< false: resolved
  std::int64_t starts_at = 0;  ///< ms: became firing
  std::int64_t ends_at = 0;    ///< ms: resolved (0 while firing)
  double value = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, wire_alert& x) {
  return f(caf::meta::type_name("vigil.wire_alert"), x.labels, x.annotations, x.firing, x.starts_at,
           x.ends_at, x.value);
}

/// The complete alert set of one rule after one evaluation; it replaces
/// what the notifier knew about that rule (an empty list clears it).
struct alert_snapshot {
  std::string group;   ///< rule group name
  std::string rule;    ///< alert name
  std::int64_t at = 0; ///< evaluation time, ms
  std::vector<wire_alert> alerts;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, alert_snapshot& x) {
  return f(caf::meta::type_name("vigil.alert_snapshot"), x.group, x.rule, x.at, x.alerts);
}

} // namespace vigil::messages
