// alert/backtest.hpp - replays one alerting rule over recorded history: the
// rule's results at a series of evaluation times (what a range query at
// step = the group's interval returns) go through the same alert_samples and
// state_machine as a live evaluation, and every transition is kept, with a
// summary per alert. This is what `vigil rules backtest` prints.
//
// Pure: the evaluation times and the query results are arguments; no clock,
// no I/O. The caller fetches the history (in windows, see split_range) and
// feeds it in time order. State before the first evaluation is unknown: every
// alert starts inactive, as after a fresh start of the rule.
//
// Thread-safety: one owner; a backtest is not safe for concurrent use.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "alert/rule.hpp"
#include "alert/rule_eval.hpp"
#include "alert/state_machine.hpp"
#include "core/labels.hpp"
#include "core/sample.hpp"

namespace vigil::alert {

/// Points per range query. Prometheus (and vigil's `max_points`) reject a
/// range query with more than 11,000 steps per series; a window stays below.
inline constexpr std::int64_t backtest_max_points = 11'000;

/// One series of a range-query result: its labels (with __name__ when the
/// expression keeps it) and its points, ascending by time.
struct series_points {
  labels lbls;
  std::vector<sample> points;
};

/// Evaluation times first, first + step, ..., last (both included).
struct eval_window {
  timestamp_ms first = 0;
  timestamp_ms last = 0;
  friend bool operator==(const eval_window&, const eval_window&) = default;
};

/// The evaluation times from `from` every `step` up to `to` (included when
/// it falls on a step), cut into windows of at most `max_points` times each.
/// @pre step > 0, max_points > 0. Empty when to < from.
std::vector<eval_window> split_range(timestamp_ms from, timestamp_ms to, timestamp_ms step,
                                     std::int64_t max_points = backtest_max_points);

/// The two halves of `w` (the first one the longer), for retrying a window
/// the server could not answer in one piece (timeout, too many samples).
/// @pre w holds at least two evaluation times (w.last - w.first >= step)
std::pair<eval_window, eval_window> halve(const eval_window& w, timestamp_ms step);

/// The evaluation times of `w`.
std::vector<timestamp_ms> evaluation_times(const eval_window& w, timestamp_ms step);

/// What one alert (one label set) went through during the replay.
struct alert_history {
  labels lbls;                    ///< final alert labels (incl. alertname)
  std::uint32_t times_pending = 0; ///< times it became active (pending, or firing at once)
  std::uint32_t times_fired = 0;   ///< times it started firing
  timestamp_ms firing_ms = 0;      ///< total time firing; a firing alert counts up to the last evaluation
  alert_state state_at_end = alert_state::inactive;
  friend bool operator==(const alert_history&, const alert_history&) = default;
};

/// The outcome of a backtest so far.
struct backtest_report {
  /// Every state change, in time order, then by labels. A new alert that
  /// fires at once (`for: 0`) shows as one inactive -> firing change.
  std::vector<transition> timeline;
  std::vector<alert_history> alerts; ///< by labels
  std::uint64_t evaluations = 0;     ///< evaluation times replayed
  std::uint64_t failed = 0;          ///< evaluations that failed (state left unchanged)
  std::string first_error;           ///< the first failure's reason ("" when none)
  timestamp_ms first_error_at = 0;
  timestamp_ms last_evaluation = 0;  ///< 0 before any

  std::uint32_t times_fired() const noexcept;
  timestamp_ms firing_ms() const noexcept;
  std::size_t firing_at_end() const noexcept;
};

class backtest {
public:
  /// @param limit the group's alert limit (0: none): an evaluation yielding
  ///        more alerts fails, as it does live
  explicit backtest(alerting_rule r, std::uint32_t limit = 0);

  /// Evaluates the rule at each of `times`: a series' point at exactly that
  /// time is in the result (a range query has a point at every step where
  /// the instant query would have returned the series); other points are
  /// ignored. An evaluation whose alert labels collide, whose label templates
  /// fail or that exceeds the limit fails: it is counted and the state
  /// machine is not stepped, as a live evaluation would.
  /// @pre `times` ascending, after every time replayed before; each series'
  ///      points ascending by time
  void replay(const std::vector<timestamp_ms>& times, const std::vector<series_points>& matrix);

  /// The report as of the last evaluation replayed.
  backtest_report report() const;

private:
  struct tally {
    std::uint32_t times_pending = 0;
    std::uint32_t times_fired = 0;
    timestamp_ms firing_ms = 0;
    std::optional<timestamp_ms> fired_at; ///< when the current firing spell began
  };

  void evaluate(timestamp_ms t, const std::vector<result_sample>& in);
  void fail(timestamp_ms t, const std::string& why);
  void record(std::vector<transition> ts);

  alerting_rule rule_;
  std::uint32_t limit_;
  state_machine sm_;
  std::vector<transition> timeline_;
  std::map<labels, tally> tallies_;
  std::uint64_t evaluations_ = 0;
  std::uint64_t failed_ = 0;
  std::string first_error_;
  timestamp_ms first_error_at_ = 0;
  timestamp_ms last_ = 0;
};

} // namespace vigil::alert
