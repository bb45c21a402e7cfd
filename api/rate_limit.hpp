// api/rate_limit.hpp - per-service ingest rate limits (token buckets).
//
// A service is the value of one label (limits.service_label, default `job`)
// of a written series. Each service has a bucket of `burst` samples that
// refills at `rate` samples per second. A write is admitted whole or not at
// all: when any service in it lacks the tokens for its samples, nothing of
// the write is stored, no tokens are taken, and the caller answers 429 with
// the service, its limit and when to retry (as Mimir does per tenant). So an
// acknowledged write is never partly limited, and a sender that retries
// loses nothing.
//
// Pure: time is an argument. Thread-safe (one mutex; HTTP io threads share
// one limiter).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "core/series.hpp"

namespace vigil::api {

struct rate_limit_options {
  double rate = 100'000; ///< samples per second per service; <= 0: no limit
  double burst = 0;      ///< bucket size in samples; <= 0: one second of rate
  std::string service_label = "job";
};

/// Why a write was refused.
struct rate_limited {
  std::string service;         ///< the label value ("" for series without the label)
  std::uint64_t samples = 0;   ///< samples the write carried for it
  double retry_after_s = 0;    ///< when its bucket will hold them (inf: never, over the burst)
  std::string message;         ///< names the service, the limit and what to do
};

class rate_limiter {
public:
  explicit rate_limiter(rate_limit_options o);

  bool enabled() const noexcept { return opts_.rate > 0; }

  /// Admits `batch` at `now_s` (seconds, any monotonic origin): takes the
  /// tokens of every service in it and returns nullopt, or takes none and
  /// returns why not (the first service short of tokens, in label order).
  std::optional<rate_limited> admit(const write_batch& batch, double now_s);

  /// Services with a bucket (for tests; full buckets idle for a while are
  /// dropped once there are many).
  std::size_t services() const;

private:
  struct bucket {
    double tokens = 0;
    double at = 0; ///< when `tokens` was computed
  };
  double level(const bucket& b, double now_s) const;

  rate_limit_options opts_;
  mutable std::mutex mu_;
  std::map<std::string, bucket, std::less<>> buckets_;
};

} // namespace vigil::api
