// store/rollup.hpp - downsampling: per-window aggregates of raw samples
// (count, sum, min, max, first, last and counter resets), their record codec
// and keys (store/FORMAT.md §7), and how a query answers a range function
// from consecutive windows. Pure: no LMDB, no clock.
//
// A window of resolution R starting at ws (ws % R == 0, counted from the
// Unix epoch) holds the samples with ws <= t < ws + R. Stale markers are not
// samples (range functions skip them); other NaNs are.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/sample.hpp"
#include "core/status.hpp"

namespace vigil::store {

/// One resolution and the age after which raw data is rolled up to it.
struct rollup_resolution {
  timestamp_ms resolution_ms = 0; ///< > 0, at most one day, a whole number of seconds
  timestamp_ms after_ms = 0;      ///< windows ending more than this before "now" are rolled up
};

/// The downsampling settings of a shard. Empty: no rollups.
struct rollup_config {
  std::vector<rollup_resolution> resolutions;
  /// Whether queries read rollups when they qualify (false: always raw).
  bool serve_queries = true;
  bool enabled() const noexcept { return !resolutions.empty(); }
  /// The smallest `after` of all resolutions (0 when disabled).
  timestamp_ms min_after() const noexcept;
  /// invalid_argument naming the problem (bad resolution, duplicate).
  status validate() const;
};

/// The aggregate of one window. `first`/`last` are the oldest and newest
/// samples; `resets` is the sum of the previous value at each counter reset
/// (a value lower than the one before it) inside the window, so Prometheus'
/// reset-adjusted increase of the window is last.v - first.v + resets.
struct rollup_window {
  timestamp_ms start = 0;
  std::uint64_t count = 0;
  double sum = 0;
  double min = 0;
  double max = 0;
  sample first{};
  sample last{};
  double resets = 0;
  bool operator==(const rollup_window&) const = default;
};

/// Adds sample `x` (newer than every sample added before) to `w`; a stale
/// marker is ignored. min/max follow the engine's min_over_time and
/// max_over_time (NaN only when every value is NaN).
void rollup_add(rollup_window& w, const sample& x);

/// The windows of resolution `res` of `samples` (ascending), skipping empty
/// windows. @pre res > 0
std::vector<rollup_window> make_rollup_windows(std::span<const sample> samples, timestamp_ms res);

/// Start of the window of resolution `res` that holds `t` (floor division).
timestamp_ms rollup_floor(timestamp_ms t, timestamp_ms res) noexcept;

/// Record version of window records (first byte of the plain value).
inline constexpr std::uint8_t rollup_record_version = 1;

/// Appends the record of `w` (its start is in the key, not the record).
void append_rollup_record(std::vector<std::uint8_t>& out, const rollup_window& w);
/// Parses a record of the window starting at `start`; corruption when it is
/// truncated, has trailing bytes, an unknown version or inconsistent fields.
result<rollup_window> decode_rollup_record(std::span<const std::uint8_t> rec, timestamp_ms start);

/// Keys of the `rollups` sub-database: window records
/// [u64 BE ref][u32 BE resolution s][u64 BE start ^ 2^63] (20 bytes), and the
/// per-series watermark [u64 BE ref][u32 BE resolution s] (12 bytes, sorts
/// before the series' windows of that resolution).
inline constexpr std::size_t rollup_key_bytes = 20;
inline constexpr std::size_t rollup_mark_key_bytes = 12;
std::vector<std::uint8_t> make_rollup_key(series_ref ref, timestamp_ms res, timestamp_ms start);
std::vector<std::uint8_t> make_rollup_mark_key(series_ref ref, timestamp_ms res);
/// Splits a key of either kind; false when it has another length.
bool decode_rollup_key(std::span<const std::uint8_t> key, series_ref* ref, timestamp_ms* res,
                       std::optional<timestamp_ms>* start) noexcept;

/// Watermark record: [u8 1][u64 BE end ^ 2^63]: every window of the series
/// at this resolution that ends at or before `end` is rolled up.
std::vector<std::uint8_t> make_rollup_mark(timestamp_ms end);
result<timestamp_ms> decode_rollup_mark(std::span<const std::uint8_t> rec);

/// Range functions answered from rollups.
enum class rollup_fn : std::uint8_t {
  sum_over_time, count_over_time, min_over_time, max_over_time, avg_over_time, last_over_time,
  rate, increase,
};
std::optional<rollup_fn> rollup_fn_of(std::string_view name) noexcept;
std::string_view rollup_fn_name(rollup_fn f) noexcept;

/// Windows combined over one range [lo, hi] (both closed, as the engine's
/// range windows), built from the windows starting in [lo, hi) plus the
/// sample at exactly hi (the first sample of the window starting at hi).
class rollup_combiner {
public:
  /// Adds a whole window (ascending starts).
  void add(const rollup_window& w);
  /// Adds the single sample at the range's end.
  void add_point(const sample& x);
  bool empty() const noexcept { return acc_.count == 0; }
  /// The function's value over range [lo, hi], as the engine computes it
  /// from the raw samples (nullopt: no output, e.g. rate of one sample).
  std::optional<double> apply(rollup_fn f, timestamp_ms lo, timestamp_ms hi) const;

private:
  rollup_window acc_;
};

} // namespace vigil::store
