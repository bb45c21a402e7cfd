// alert/delivery.hpp - delivery policy for notification channels: retry
// delays (exponential backoff with jitter) and a per-channel circuit breaker.
// Pure: time and randomness are arguments. One owner per breaker.
#pragma once

#include <cstdint>

#include "core/sample.hpp"

namespace vigil::alert {

struct retry_policy {
  timestamp_ms initial_ms = 1'000;   ///< first retry delay
  timestamp_ms max_ms = 5 * 60'000;  ///< cap on one delay
  double multiplier = 2.0;
  double jitter = 0.2;               ///< +-20 % spread, so channels do not retry in lockstep
  std::uint32_t max_attempts = 0;    ///< 0: retry until delivered or the fallback takes over
  std::uint32_t fallback_after = 5;  ///< attempts before the fallback channel is also tried
};

/// The delay before attempt `attempt` (1 = the first retry).
/// @param unit a uniform random number in [0, 1) chosen by the caller
timestamp_ms retry_delay(const retry_policy& p, std::uint32_t attempt, double unit);

/// Closed (deliver) -> open after `threshold` consecutive failures (refuse
/// for `open_ms`) -> half-open (one trial) -> closed on success, open again
/// on failure.
class circuit_breaker {
public:
  enum class state : std::uint8_t { closed, open, half_open };

  explicit circuit_breaker(std::uint32_t threshold = 5, timestamp_ms open_ms = 30'000)
    : threshold_(threshold), open_ms_(open_ms) {}

  /// Whether a delivery may be attempted now (moves open -> half-open when
  /// the open period has passed; half-open allows one trial at a time).
  bool allow(timestamp_ms now);
  void on_success();
  void on_failure(timestamp_ms now);
  state current() const noexcept { return state_; }

private:
  std::uint32_t threshold_;
  timestamp_ms open_ms_;
  state state_ = state::closed;
  std::uint32_t failures_ = 0;
  timestamp_ms opened_at_ = 0;
  bool trial_in_flight_ = false;
};

} // namespace vigil::alert
