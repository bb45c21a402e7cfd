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

#include <cstdint>
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

  /// Replaces the alerts of one rule (every firing alert, and resolved ones
  /// still retained by the rule) at `now`. Only the groups the rule's alerts
  /// were or are placed in are touched, so a round of R rules costs
  /// O(alerts of those rules), not O(R x all alerts). With inhibition rules,
  /// a change of the rule's firing set re-places every rule (it may inhibit
  /// or release other rules' alerts).
  void update_rule(timestamp_ms now, const std::string& rule, std::vector<notified_alert> alerts,
                   const std::vector<silence>& silences);
  /// Re-places every rule's alerts (silences changed).
  void refresh(timestamp_ms now, const std::vector<silence>& silences);
  /// Replaces all alerts at once, as if they came from one rule.
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
  struct placed_alert {
    notified_alert alert;
    std::string rule; ///< the rule that placed it; empty: a "gone" resolution
  };
  struct group {
    const route* r = nullptr;
    labels group_labels;
    std::map<labels, placed_alert> alerts;
    timestamp_ms next_flush = 0;
    timestamp_ms last_sent_at = -1; ///< -1: never sent
    std::set<labels> sent_firing;
  };
  /// What one rule contributes.
  struct rule_entry {
    std::vector<notified_alert> alerts;
    std::vector<std::pair<std::string, labels>> placed; ///< (group key, alert labels)
    std::vector<labels> muted;  ///< firing but silenced or inhibited
    std::vector<labels> firing; ///< sorted; counted in firing_ (inhibition only)
  };
  bool flush(timestamp_ms now, group& g, notification& out);
  void unplace(const std::string& key, rule_entry& r, std::set<std::string>& touched);
  void place(timestamp_ms now, const std::string& key, rule_entry& r, const std::vector<silence>& silences,
             std::set<std::string>* touched);
  /// Alerts that vanished while notified as firing become resolutions.
  void mark_gone(timestamp_ms now, const std::string& key, group& g);
  const std::vector<labels>& firing_list();

  route root_;
  std::vector<inhibit_rule> inhibit_;
  std::map<std::string, group> groups_;
  std::map<std::string, rule_entry> rules_;
  std::map<labels, int> muted_;   ///< labels -> rules that report them firing but muted
  std::map<labels, int> firing_;  ///< every firing alert's labels (kept only with inhibition)
  std::vector<labels> firing_list_;
  bool firing_dirty_ = true;
  /// Where mark_gone put resolutions: each update re-derives them at its
  /// `now` (they last only until their group flushes).
  std::set<std::pair<std::string, labels>> gone_;
  timestamp_ms min_flush_ = INT64_MAX; ///< lower bound of every group's next_flush
  std::map<std::string, group_record> restored_;
};

} // namespace vigil::alert
