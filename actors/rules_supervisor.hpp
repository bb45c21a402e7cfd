// actors/rules_supervisor.hpp - the rules supervisor: owns the rule store
// (one LMDB environment, <data_dir>/alerts; every transaction begins and ends
// in one handler), starts one rule group actor per group (linked and
// monitored), respawns a crashed one from the persisted state, persists each
// round's states before forwarding its alert snapshots to the notifier, and
// serves the rules API. Spawned and monitored by the node supervisor; runs
// detached in production (its commits fsync).
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "actors/defaults.hpp"
#include "actors/interfaces.hpp"
#include "actors/rule_actor.hpp"
#include "alert/rule_store.hpp"

namespace vigil {

struct rules_options {
  std::string dir;                  ///< the rule store's directory (<data_dir>/alerts)
  std::vector<std::string> files;   ///< rule files loaded at start (`rules.files`), read-only over REST
  bool fsync = true;                ///< fsync each commit (tests: off)
  std::chrono::milliseconds respawn = defaults::rule_respawn;
  rule_actor_options group;         ///< for every group actor
  router_actor router;
  query_service_actor queries;
  notifier_actor notifier;          ///< may be null: snapshots are then dropped
};

/// One group the supervisor runs.
struct rules_group_entry {
  alert::stored_group def;
  bool from_file = false;
  rule_group_actor actor;      ///< null while waiting to be respawned
  alert::group_view status;  ///< from the last report (or restored state)
};

/// The supervisor's bookkeeping; methods hold no CAF calls but the store's.
struct rules_supervisor_state {
  rules_options opts;
  alert::rule_store store;
  status store_error;          ///< non-ok: the store did not open; changes fail with it
  std::map<std::string, rules_group_entry> groups;
  static inline const char* name = "vigil.rules";

  /// Opens the store and loads the stored groups and then the rule files
  /// (a file's group replaces a stored one of the same name). Problems are
  /// printed; the supervisor keeps running with what loaded.
  void load();
  /// Persists groups submitted over REST. invalid_argument: validation,
  /// or a group managed by a rule file.
  status put(const std::vector<alert::stored_group>& gs);
  /// Deletes a group's definition and state (not_found, invalid_argument).
  status remove(const std::string& name);
  /// Persists a round's states and keeps its status for the API.
  status record(const messages::group_report& rep);
  /// The persisted states of a group (empty after a read error, printed).
  std::map<alert::rule_key, alert::rule_state> restored(const std::string& name) const;
  messages::rules_snapshot snapshot() const;
};

rules_supervisor_actor::behavior_type
rules_supervisor_impl(rules_supervisor_actor::stateful_pointer<rules_supervisor_state> self, rules_options opts);

} // namespace vigil
