// core/sample.hpp - the basic time-series vocabulary: timestamps, samples,
// series references and time ranges. Plain values; thread-safe to copy.
#pragma once

#include <bit>
#include <cstdint>
#include <limits>
#include <vector>

namespace vigil {

/// Milliseconds since the Unix epoch (as Prometheus).
using timestamp_ms = std::int64_t;

/// A shard-local, never-reused identifier of one series (label set).
using series_ref = std::uint64_t;

struct sample {
  timestamp_ms t = 0;
  double v = 0;
  friend bool operator==(const sample& a, const sample& b) {
    // Bit equality so that NaN payloads (staleness markers) compare exactly.
    return a.t == b.t && std::bit_cast<std::uint64_t>(a.v) == std::bit_cast<std::uint64_t>(b.v);
  }
};

/// A closed interval [min, max] of timestamps; both ends inclusive, as
/// Prometheus 2.x range selectors are.
struct time_range {
  timestamp_ms min = std::numeric_limits<timestamp_ms>::min();
  timestamp_ms max = std::numeric_limits<timestamp_ms>::max();
  bool contains(timestamp_ms t) const noexcept { return t >= min && t <= max; }
  bool overlaps(timestamp_ms lo, timestamp_ms hi) const noexcept { return lo <= max && hi >= min; }
  static time_range all() { return {}; }
};

/// Prometheus' staleness marker: a signalling NaN with this exact bit pattern.
inline constexpr std::uint64_t stale_nan_bits = 0x7ff0000000000002ULL;

inline double stale_nan() noexcept { return std::bit_cast<double>(stale_nan_bits); }

inline bool is_stale_nan(double v) noexcept { return std::bit_cast<std::uint64_t>(v) == stale_nan_bits; }

} // namespace vigil
