// tests/support/fake_sink.hpp - an alert::sink that records every attempt
// and answers from a script (vmalert's faker.go idea). One shared log for
// every channel the factory builds.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "alert/sinks.hpp"

namespace vigil::test {

struct fake_attempt {
  std::string channel;
  alert::notification n;
  timestamp_ms at = 0;
  alert::delivery_outcome outcome = alert::delivery_outcome::ok;
};

struct fake_sink_log {
  std::vector<fake_attempt> attempts;
  /// Per channel: outcomes to answer in order; then `otherwise`.
  std::map<std::string, std::deque<alert::delivery_outcome>> script;
  std::map<std::string, alert::delivery_outcome> otherwise;

  std::size_t count(const std::string& channel, bool only_ok = true) const {
    std::size_t n = 0;
    for (const auto& a : attempts)
      n += a.channel == channel && (!only_ok || a.outcome == alert::delivery_outcome::ok) ? 1 : 0;
    return n;
  }
};

class fake_sink final : public alert::sink {
public:
  fake_sink(std::shared_ptr<fake_sink_log> log, std::string channel) : log_(std::move(log)), channel_(std::move(channel)) {}

  alert::delivery_result send(const alert::notification& n, timestamp_ms now) override {
    auto outcome = log_->otherwise.contains(channel_) ? log_->otherwise[channel_] : alert::delivery_outcome::ok;
    if (auto& q = log_->script[channel_]; !q.empty()) {
      outcome = q.front();
      q.pop_front();
    }
    log_->attempts.push_back({channel_, n, now, outcome});
    if (outcome == alert::delivery_outcome::ok) return {};
    return {outcome, "scripted failure"};
  }

private:
  std::shared_ptr<fake_sink_log> log_;
  std::string channel_;
};

} // namespace vigil::test
