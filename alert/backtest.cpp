#include "alert/backtest.hpp"

#include <algorithm>
#include <cassert>

namespace vigil::alert {

std::vector<eval_window> split_range(timestamp_ms from, timestamp_ms to, timestamp_ms step,
                                     std::int64_t max_points) {
  assert(step > 0 && max_points > 0);
  std::vector<eval_window> out;
  if (to < from) return out;
  const timestamp_ms last = from + (to - from) / step * step;
  const timestamp_ms span = (max_points - 1) * step;
  for (timestamp_ms first = from; first <= last; first += span + step)
    out.push_back({first, std::min(first + span, last)});
  return out;
}

std::pair<eval_window, eval_window> halve(const eval_window& w, timestamp_ms step) {
  assert(step > 0 && w.last - w.first >= step);
  const timestamp_ms n = (w.last - w.first) / step + 1;
  const timestamp_ms head = (n + 1) / 2;
  return {{w.first, w.first + (head - 1) * step}, {w.first + head * step, w.last}};
}

std::vector<timestamp_ms> evaluation_times(const eval_window& w, timestamp_ms step) {
  assert(step > 0);
  std::vector<timestamp_ms> out;
  for (timestamp_ms t = w.first; t <= w.last; t += step) out.push_back(t);
  return out;
}

std::uint32_t backtest_report::times_fired() const noexcept {
  std::uint32_t n = 0;
  for (const auto& a : alerts) n += a.times_fired;
  return n;
}

timestamp_ms backtest_report::firing_ms() const noexcept {
  timestamp_ms n = 0;
  for (const auto& a : alerts) n += a.firing_ms;
  return n;
}

std::size_t backtest_report::firing_at_end() const noexcept {
  return static_cast<std::size_t>(std::count_if(alerts.begin(), alerts.end(), [](const alert_history& a) {
    return a.state_at_end == alert_state::firing;
  }));
}

backtest::backtest(alerting_rule r, std::uint32_t limit)
  : rule_(std::move(r)), limit_(limit), sm_(rule_.for_ms, rule_.keep_firing_for_ms) {}

void backtest::replay(const std::vector<timestamp_ms>& times, const std::vector<series_points>& matrix) {
  std::vector<std::size_t> pos(matrix.size(), 0); // per series: first point not before the current time
  std::vector<result_sample> in;
  for (timestamp_ms t : times) {
    assert(evaluations_ == 0 || t > last_);
    in.clear();
    for (std::size_t i = 0; i < matrix.size(); ++i) {
      const auto& pts = matrix[i].points;
      auto& p = pos[i];
      while (p < pts.size() && pts[p].t < t) ++p;
      if (p < pts.size() && pts[p].t == t) in.push_back({matrix[i].lbls, pts[p].v});
    }
    evaluate(t, in);
  }
}

void backtest::evaluate(timestamp_ms t, const std::vector<result_sample>& in) {
  ++evaluations_;
  last_ = t;
  auto samples = alert_samples(rule_, in);
  if (!samples) return fail(t, samples.error().message());
  if (limit_ > 0 && samples->size() > limit_)
    return fail(t, "exceeded limit of " + std::to_string(limit_) + " with " + std::to_string(samples->size()) +
                     " alerts");
  record(sm_.step(t, *samples));
}

void backtest::fail(timestamp_ms t, const std::string& why) {
  if (failed_++ == 0) {
    first_error_ = why;
    first_error_at_ = t;
  }
}

/// Keeps `ts` (one step's transitions, sorted by labels) and counts them.
/// inactive -> pending directly followed by pending -> firing of the same
/// alert (`for: 0`) is one inactive -> firing change.
void backtest::record(std::vector<transition> ts) {
  for (std::size_t i = 0; i < ts.size(); ++i) {
    transition tr = std::move(ts[i]);
    if (tr.to == alert_state::pending && i + 1 < ts.size() && ts[i + 1].lbls == tr.lbls &&
        ts[i + 1].to == alert_state::firing) {
      tr.to = alert_state::firing;
      tr.value = ts[++i].value;
    }
    auto& c = tallies_[tr.lbls];
    if (tr.from == alert_state::inactive) ++c.times_pending;
    if (tr.to == alert_state::firing) {
      ++c.times_fired;
      c.fired_at = tr.at;
    }
    if (tr.from == alert_state::firing && tr.to == alert_state::inactive) {
      if (c.fired_at) c.firing_ms += tr.at - *c.fired_at;
      c.fired_at.reset();
    }
    timeline_.push_back(std::move(tr));
  }
}

backtest_report backtest::report() const {
  backtest_report r;
  r.timeline = timeline_;
  r.evaluations = evaluations_;
  r.failed = failed_;
  r.first_error = first_error_;
  r.first_error_at = first_error_at_;
  r.last_evaluation = last_;
  for (const auto& [lbls, c] : tallies_) {
    alert_history h{lbls, c.times_pending, c.times_fired, c.firing_ms, alert_state::inactive};
    if (c.fired_at) h.firing_ms += last_ - *c.fired_at;
    if (auto it = sm_.alerts().find(lbls); it != sm_.alerts().end()) h.state_at_end = it->second.state;
    r.alerts.push_back(std::move(h));
  }
  return r;
}

} // namespace vigil::alert
