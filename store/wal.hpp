// store/wal.hpp - records of the head's log (the `wal` sub-database,
// store/FORMAT.md §4): the samples that a write transaction appended in
// order to open chunks, which are not rewritten in that transaction.
//
// Record value (before encryption, FORMAT.md §6):
//   [u8 version 2] { [varint ref - previous group's ref] [uvarint n >= 1]
//                    [varint t0 - previous group's t0]
//                    (n - 1) x [uvarint t_i - t_{i-1}]  n x [f64 LE value] }*
// (the first group's "previous" ref and t0 are 0). Version 1, read still:
// the ref and t0 absolute ([uvarint ref] and [varint t0]).
// Times within a group ascend strictly (in-order appends). Keys: [u64 BE seq].
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/sample.hpp"
#include "core/series.hpp"
#include "core/status.hpp"

namespace vigil::store {

inline constexpr std::uint8_t wal_record_version = 2;

/// A sample of one series as the head logs and publishes it.
struct logged_sample {
  series_ref ref = 0;
  timestamp_ms t = 0;
  double v = 0;
};

/// Encodes `samples` (runs of one ref with ascending times, as the head
/// appends them) as one record into `out` (replaced).
void encode_wal_record(std::span<const logged_sample> samples, std::vector<std::uint8_t>& out);

/// Calls `fn(ref, samples)` for each group of record `in`, in order.
/// corruption when the record is truncated, has another version, or times
/// that do not ascend.
status decode_wal_record(std::span<const std::uint8_t> in,
                         const std::function<status(series_ref, std::span<const sample>)>& fn);

} // namespace vigil::store
