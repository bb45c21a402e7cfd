// actors/rule_actor.hpp - one actor per rule group: a timer and requests
// around a pure alert::group_state. Each round (at the group's scheduled
// time t) it queries every rule in order (instant query at t, with a finite
// timeout; recording rules' output is written before the next rule runs),
// writes ALERTS / ALERTS_FOR_STATE at t, and reports the round to the rules
// supervisor (which persists the states and tells the notifier). Rounds that
// are overdue are caught up at their own times (bounded, counted).
//
// The actor holds no durable state: its supervisor restores it from the
// rule store when it spawns (or respawns) the actor.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>

#include "actors/clock.hpp"
#include "actors/defaults.hpp"
#include "actors/interfaces.hpp"
#include "alert/group_state.hpp"

namespace vigil {

struct rule_actor_options {
  std::chrono::milliseconds eval_timeout = defaults::rule_eval_timeout;
  std::chrono::milliseconds write_timeout = defaults::ingest_timeout;
  std::uint32_t max_catch_up = defaults::rule_max_catch_up;
  unix_clock_fn now_unix_ms = system_unix_ms; ///< tests substitute the test clock
};

/// What a group actor starts from.
struct rule_group_init {
  alert::rule_group group;
  std::map<alert::rule_key, alert::rule_state> restored;
  rules_supervisor_actor supervisor;
  router_actor router;          ///< may be null while the node respawns it
  query_service_actor queries;  ///< may be null while the node respawns it
  rule_actor_options opts;
};

struct rule_actor_state {
  std::optional<alert::group_state> group;
  rules_supervisor_actor supervisor;
  router_actor router;
  query_service_actor queries;
  rule_actor_options opts;
  timestamp_ms round = 0;         ///< scheduled time of the current/next round
  timestamp_ms round_started = 0; ///< wall clock when the round began
  timestamp_ms rule_started = 0;  ///< wall clock when the current rule began
  static inline const char* name = "vigil.rule_group";
};

/// Pure: the notifier's view of one alerting rule after a round: firing
/// alerts and retained resolved ones (pending ones are not notified).
messages::alert_snapshot make_snapshot(const std::string& group, const std::string& rule, timestamp_ms at,
                                       const alert::rule_view& view);

rule_group_actor::behavior_type rule_actor_impl(rule_group_actor::stateful_pointer<rule_actor_state> self,
                                                rule_group_init init);

} // namespace vigil
