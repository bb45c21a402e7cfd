#include "alert/delivery.hpp"

#include <algorithm>
#include <cmath>

namespace vigil::alert {

timestamp_ms retry_delay(const retry_policy& p, std::uint32_t attempt, double unit) {
  double d = static_cast<double>(p.initial_ms) * std::pow(p.multiplier, attempt > 0 ? attempt - 1 : 0);
  d = std::min(d, static_cast<double>(p.max_ms));
  d *= 1.0 + p.jitter * (2.0 * unit - 1.0);
  return std::max<timestamp_ms>(1, static_cast<timestamp_ms>(d));
}

bool circuit_breaker::allow(timestamp_ms now) {
  switch (state_) {
    case state::closed: return true;
    case state::open:
      if (now - opened_at_ < open_ms_) return false;
      state_ = state::half_open;
      trial_in_flight_ = false;
      [[fallthrough]];
    case state::half_open:
      if (trial_in_flight_) return false;
      trial_in_flight_ = true;
      return true;
  }
  return false;
}

void circuit_breaker::on_success() {
  state_ = state::closed;
  failures_ = 0;
  trial_in_flight_ = false;
}

void circuit_breaker::on_failure(timestamp_ms now) {
  trial_in_flight_ = false;
  if (state_ == state::half_open || ++failures_ >= threshold_) {
    state_ = state::open;
    opened_at_ = now;
    failures_ = 0;
  }
}

} // namespace vigil::alert
