// tests/store/chunk_shapes.hpp - sample series of every shape a chunk codec
// must round-trip bit-exactly: scraped counters (with resets), decimals of
// 1-3 digits, noisy floats, constants, NaN/Inf/staleness markers, negative and
// huge values, irregular and extreme timestamps.
#pragma once

#include <bit>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "core/sample.hpp"

namespace vigil::store::testing {

inline constexpr int chunk_shape_count = 16;

/// t + d, saturated at the ends of int64 (for probing ranges around samples).
inline timestamp_ms nudge(timestamp_ms t, timestamp_ms d) {
  if (d > 0 && t > std::numeric_limits<timestamp_ms>::max() - d) return std::numeric_limits<timestamp_ms>::max();
  if (d < 0 && t < std::numeric_limits<timestamp_ms>::min() - d) return std::numeric_limits<timestamp_ms>::min();
  return t + d;
}

/// n samples of shape `shape` (0 .. chunk_shape_count-1), strictly ascending t.
inline std::vector<sample> chunk_shape(std::mt19937_64& rng, int shape, std::size_t n) {
  std::vector<sample> out;
  timestamp_ms t = static_cast<timestamp_ms>(rng() % 2'000'000'000'000) - 1'000'000'000'000;
  double v = static_cast<double>(rng() % 1000);
  std::int64_t c = static_cast<std::int64_t>(rng() % 100000);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < n; ++i) {
    const timestamp_ms jitter = static_cast<timestamp_ms>(rng() % 40) - 20;
    if (shape != 15) t += 15000 + (shape % 3 == 0 ? 0 : jitter);
    switch (shape) {
      case 0: v = static_cast<double>(c += static_cast<std::int64_t>(rng() % 50)); break; // counter
      case 1: // counter with resets
        c = rng() % 40 == 0 ? static_cast<std::int64_t>(rng() % 10) : c + static_cast<std::int64_t>(rng() % 1000);
        v = static_cast<double>(c);
        break;
      case 2: v = static_cast<double>(static_cast<std::int64_t>(rng() % 2001) - 1000) / 10; break;   // 1 digit
      case 3: v = static_cast<double>(c += static_cast<std::int64_t>(rng() % 300)) / 100; break;     // 2 digits
      case 4: v = static_cast<double>(static_cast<std::int64_t>(rng() % 100000) - 50000) / 1000; break; // 3
      case 5: v = std::bit_cast<double>(rng()); break;                                              // noise bits
      case 6: v += (static_cast<double>(rng() % 1000) / 997.0) - 0.5; break;                        // noisy float
      case 7: break;                                                                                // constant
      case 8: { // specials between decimals
        const double sp[] = {nan, -nan, stale_nan(), inf, -inf, -0.0, 0.1 + 0.2};
        v = rng() % 8 == 0 ? sp[rng() % 7] : static_cast<double>(rng() % 100) / 4;
        break;
      }
      case 9: v = stale_nan(); break; // all stale
      case 10: v = -1e300 * static_cast<double>(rng() % 7); break; // huge, negative
      case 11: v = static_cast<double>((std::int64_t{1} << 62) + static_cast<std::int64_t>(rng() % 5) * 1024); break;
      case 12: t += static_cast<timestamp_ms>(rng() % 3'000'000); v = static_cast<double>(rng() % 3); break; // gaps
      case 13: // near-constant gauge of 4 KiB pages
        if (i == 0 || rng() % 30 == 0) v = static_cast<double>(4096 * (rng() % 1'000'000));
        break;
      case 14: t += static_cast<timestamp_ms>(rng() >> 20); v = static_cast<double>(rng() % 2) - 0.5; break; // huge dods
      default: // timestamps at both ends of int64
        t = i % 2 == 0 ? std::numeric_limits<timestamp_ms>::min() + static_cast<timestamp_ms>(i)
                       : std::numeric_limits<timestamp_ms>::max() - static_cast<timestamp_ms>(n - i);
        v = static_cast<double>(i);
        break;
    }
    out.push_back({t, v});
  }
  if (shape == 15) { // make them ascend: all the low ones first
    std::vector<sample> asc;
    for (std::size_t i = 0; i < n; i += 2) asc.push_back(out[i]);
    for (std::size_t i = 1; i < n; i += 2) asc.push_back(out[i]);
    out = asc;
  }
  return out;
}

} // namespace vigil::store::testing
