// messages/rules.hpp - what the rules supervisor, the rule group actors and
// the HTTP frontend exchange. Local only (never cross a process): registered
// as unsafe message types, with no inspect().
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <caf/actor_addr.hpp>
#include <caf/allowed_unsafe_message_type.hpp>

#include "alert/group_state.hpp"
#include "alert/rule_codec.hpp"
#include "messages/alert.hpp"

namespace vigil::messages {

/// Creates or replaces rule groups (validated by the sender; checked again).
struct rules_put {
  std::vector<alert::stored_group> groups;
};

/// Deletes one rule group.
struct rules_delete {
  std::string group;
};

/// One group as the API shows it: definition, source and live status.
struct rule_group_info {
  alert::stored_group def;
  alert::group_view status;
  bool from_file = false; ///< loaded from `rules.files` (read-only over REST)
  caf::actor_addr actor;  ///< the group's actor (null while it is respawned)
};

/// Every group, by name.
struct rules_snapshot {
  std::vector<rule_group_info> groups;
};

/// A rule group actor's report after each round: what to persist, what the
/// API shows, and what to tell the notifier (after the states committed).
struct group_report {
  std::string group;
  std::vector<std::pair<alert::rule_key, alert::rule_state>> states;
  alert::group_view status;
  std::vector<alert_snapshot> snapshots; ///< one per alerting rule that evaluated
};

} // namespace vigil::messages

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vigil::messages::rules_put)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vigil::messages::rules_delete)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vigil::messages::rules_snapshot)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vigil::messages::group_report)
