// alert/dispatcher.hpp - turns the alerts the rules produce into
// notifications, as Alertmanager's dispatcher does: route, group by labels,
// wait group_wait before the first notice of a group, re-check every
// group_interval (send only on change), repeat unchanged firing groups every
// repeat_interval, send resolutions once, honour silences and inhibition.
//
// Pure: time, alerts and silences are arguments; the caller (the notifier
// actor) persists what due() returns into its outbox before sending.
// Thread-safety: one owner.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "alert/routing.hpp"
#include "alert/rule.hpp"
#include "alert/state_machine.hpp"

namespace vigil::alert {

/// An alert as notifications carry it.
struct notified_alert {
  labels lbls;
  annotation_list annotations;
  bool firing = true;            ///< false: resolved
  timestamp_ms starts_at = 0;    ///< became firing
  timestamp_ms ends_at = 0;      ///< resolved (0 while firing)
  double value = 0;
  friend bool operator==(const notified_alert&, const notified_alert&) = default;
};

struct notification {
  std::string receiver;
  std::string group_key;
  labels group_labels;           ///< the group_by label values
  std::vector<notified_alert> alerts; ///< firing first, then resolved; each sorted by labels
  bool any_firing() const;
};

/// What a restart must remember of a group so that it neither re-sends a
/// notification already delivered nor forgets to send a resolution: when it
/// was last flushed and which alerts it last announced as firing.
struct group_record {
  std::string key;
  timestamp_ms last_sent_at = -1; ///< -1: never sent
  std::vector<labels> sent_firing; ///< sorted
  friend bool operator==(const group_record&, const group_record&) = default;
};

class dispatcher {
public:
  dispatcher(route root, std::vector<inhibit_rule> inhibit);

  /// Replaces the alert snapshot (every firing alert, and resolved ones still
  /// retained by the rules) at `now`.
  void update(timestamp_ms now, const std::vector<notified_alert>& alerts,
              const std::vector<silence>& silences);

  /// Notifications due at `now`; groups are marked as sent.
  std::vector<notification> due(timestamp_ms now);

  /// The earliest time a group may become due (INT64_MAX when none).
  timestamp_ms next_due() const;

  std::size_t group_count() const noexcept { return groups_.size(); }

  /// The sent-state of group `key` for persisting after due(); a group that
  /// no longer exists (or never sent) has last_sent_at -1 and no alerts.
  group_record sent_state(const std::string& key) const;

  /// Restores sent-states persisted before a restart. Each applies when a
  /// group with its key is next created by update(), so a group is not
  /// reported resolved before its rule's first snapshot arrived.
  void restore(std::vector<group_record> records);

private:
  struct group {
    const route* r = nullptr;
    labels group_labels;
    std::map<labels, notified_alert> alerts;
    timestamp_ms next_flush = 0;
    timestamp_ms last_sent_at = -1; ///< -1: never sent
    std::set<labels> sent_firing;
  };
  bool flush(timestamp_ms now, group& g, notification& out);

  route root_;
  std::vector<inhibit_rule> inhibit_;
  std::map<std::string, group> groups_;
  std::map<std::string, group_record> restored_;
};

} // namespace vigil::alert
