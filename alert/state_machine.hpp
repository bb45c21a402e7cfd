// alert/state_machine.hpp - the alert lifecycle of one alerting rule:
// inactive -> pending -> firing -> resolved, honouring `for` and
// `keep_firing_for`, with Prometheus' semantics. Pure: time and the rule's
// evaluation result are arguments; no clock, no query engine.
//
// Thread-safety: one owner (the rule actor); not safe for concurrent use.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "core/labels.hpp"
#include "core/sample.hpp"

namespace vigil::alert {

enum class alert_state : std::uint8_t { inactive = 0, pending = 1, firing = 2 };

/// "inactive", "pending", "firing"
const char* to_string(alert_state s) noexcept;

/// One alert instance of a rule (one label set).
struct alert_instance {
  labels lbls;                    ///< final alert labels (incl. alertname)
  alert_state state = alert_state::inactive;
  double value = 0;               ///< the expression's value at the last evaluation
  timestamp_ms active_at = 0;     ///< when it became pending
  timestamp_ms fired_at = 0;      ///< when it became firing (0: never)
  timestamp_ms resolved_at = 0;   ///< when it resolved (0: not resolved)
  timestamp_ms last_seen = 0;     ///< last evaluation that returned it
  timestamp_ms keep_firing_since = 0; ///< first evaluation it was missing while firing
  friend bool operator==(const alert_instance&, const alert_instance&) = default;
};

/// A change of state produced by one step.
struct transition {
  labels lbls;
  alert_state from = alert_state::inactive;
  alert_state to = alert_state::inactive;
  bool resolved = false; ///< firing -> inactive (a resolution to notify)
  double value = 0;
  timestamp_ms at = 0;
  friend bool operator==(const transition&, const transition&) = default;
};

/// One element of a rule's result: the alert's labels and the sample value.
struct alert_sample {
  labels lbls;
  double value = 0;
};

class state_machine {
public:
  /// @param for_ms hold time from pending to firing (0: fire at once)
  /// @param keep_firing_for_ms how long a firing alert stays firing after its
  ///        condition is gone
  /// @param resolved_retention_ms how long resolved alerts are kept (so that
  ///        resolution notices can be sent and re-sent); Prometheus: 15 min
  state_machine(timestamp_ms for_ms, timestamp_ms keep_firing_for_ms,
                timestamp_ms resolved_retention_ms = 15 * 60 * 1000);

  /// Applies one successful evaluation at `now`. Call it only when the query
  /// succeeded completely: a failed or partial evaluation must not resolve
  /// anything (the caller skips step()). Samples with equal labels: the last
  /// one wins. Returns the transitions, sorted by labels.
  std::vector<transition> step(timestamp_ms now, const std::vector<alert_sample>& result);

  /// Every known alert (pending, firing and recently resolved), by labels.
  const std::map<labels, alert_instance>& alerts() const noexcept { return alerts_; }

  /// Replaces the state with persisted instances (after a restart), so a
  /// firing alert stays firing and a pending one keeps its active_at.
  void restore(std::vector<alert_instance> instances);

private:
  void observe(timestamp_ms now, const alert_sample& s, std::vector<transition>& out);
  void expire_missing(timestamp_ms now, const std::map<labels, double>& seen,
                      std::vector<transition>& out);

  timestamp_ms for_ms_;
  timestamp_ms keep_firing_for_ms_;
  timestamp_ms resolved_retention_ms_;
  std::map<labels, alert_instance> alerts_;
};

} // namespace vigil::alert
