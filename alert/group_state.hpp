// alert/group_state.hpp - everything one rule group knows between
// evaluations: per-rule state machines, health and timings, the group's
// evaluation schedule (with bounded catch-up of overrun rounds) and its
// counters. The rule actor owns one and feeds it query results; all
// decisions are made here, with time as an argument (no clock, no I/O).
//
// Thread-safety: one owner; not safe for concurrent use.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "alert/rule.hpp"
#include "alert/rule_codec.hpp"
#include "alert/rule_eval.hpp"
#include "alert/state_machine.hpp"
#include "core/series.hpp"
#include "query/value.hpp"

namespace vigil::alert {

/// Prometheus' rule health: "unknown" (never evaluated), "ok", "err".
enum class rule_health : std::uint8_t { unknown = 0, ok = 1, err = 2 };
const char* to_string(rule_health h) noexcept;

/// One alert with its annotations expanded (for the API and the notifier).
struct alert_view {
  alert_instance instance;
  annotation_list annotations;
};

/// A rule as the API shows it after its last evaluation.
struct rule_view {
  rule_health health = rule_health::unknown;
  std::string last_error;
  timestamp_ms last_evaluation = 0;  ///< scheduled time (0: never)
  double evaluation_seconds = 0;
  std::vector<alert_view> alerts;    ///< alerting rules: pending, firing, retained resolved
};

/// Counters of one group (monotonic while the group lives).
struct group_counters {
  std::uint64_t iterations = 0;       ///< rounds evaluated
  std::uint64_t evaluations = 0;      ///< rule evaluations
  std::uint64_t failures = 0;         ///< rule evaluations that failed or were partial
  std::uint64_t caught_up = 0;        ///< rounds evaluated late, at their scheduled time
  std::uint64_t skipped = 0;          ///< rounds dropped beyond the catch-up bound
  double last_duration_seconds = 0;   ///< wall time of the last round
  timestamp_ms last_evaluation = 0;   ///< scheduled time of the last round
  /// Rounds not started on time (Prometheus' iterations_missed).
  std::uint64_t missed() const noexcept { return caught_up + skipped; }
};

/// The group as the API shows it.
struct group_view {
  std::string name;
  group_counters counters;
  std::vector<rule_view> rules; ///< parallel to the group's rules
};

class group_state {
public:
  /// @param restored persisted states (rules absent: fresh)
  /// @param max_catch_up overrun rounds evaluated late at their own times;
  ///        older ones are skipped (counted)
  group_state(rule_group g, const std::map<rule_key, rule_state>& restored, std::uint32_t max_catch_up,
              timestamp_ms resolved_retention_ms = 15 * 60 * 1000);

  const rule_group& group() const noexcept { return group_; }

  /// The first round's time: the next multiple of the interval (plus a
  /// per-group offset from the name's hash, so groups spread out) after `now`.
  timestamp_ms first_round(timestamp_ms now) const;

  /// Applies rule `i`'s query result of the round at `t`. A failed query, a
  /// partial result (warnings) or a bad result never steps the state
  /// machine. @returns series to write (recording rules), possibly empty.
  write_batch apply(std::size_t i, timestamp_ms t, const result<query::query_result>& r,
                    double seconds);

  /// Ends the round at `t` that took `seconds`; `now` is the wall clock.
  /// @returns the next round's time (delay = max(0, next - now)).
  timestamp_ms finish_round(timestamp_ms t, double seconds, timestamp_ms now);

  /// ALERTS / ALERTS_FOR_STATE at `t` for every healthy alerting rule.
  write_batch alert_series(timestamp_ms t) const;

  /// What to persist: every alerting rule's state.
  std::vector<std::pair<rule_key, rule_state>> states() const;

  /// The group as the API shows it (annotations expanded).
  group_view status() const;

private:
  struct rule_rt {
    rule_key key;
    rule_view view;
    std::optional<state_machine> sm; ///< alerting rules only
  };
  vigil::status step_alert(rule_rt& rt, const alerting_rule& a, timestamp_ms t, const query::query_result& r);

  rule_group group_;
  std::uint32_t max_catch_up_;
  std::vector<rule_rt> rules_;
  group_counters counters_;
};

/// Instant-query result -> rule input (a scalar is one sample, no labels).
/// invalid_argument for strings and matrices.
result<std::vector<result_sample>> result_samples(const query::query_result& r);

} // namespace vigil::alert
