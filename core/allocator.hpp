// core/allocator.hpp - process-wide settings of glibc's malloc for the server.
//
// Why: with glibc's defaults a freed block above the (adaptive) mmap threshold
// goes back to the kernel at once, and an arena whose free top passes the trim
// threshold is shrunk. A query that allocates and frees a few MB of decode and
// result buffers then gets fresh pages every time: measured on a node right
// after a bulk load, 4,000 page faults (zeroed pages) per 24 h range query and
// 25 % of its latency. A server reuses such memory within milliseconds, so it
// keeps it (as the Go runtime of Prometheus and VictoriaMetrics does, until its
// scavenger returns it).
#pragma once

#include <cstddef>

namespace vigil {

struct allocator_settings {
  std::size_t mmap_threshold = std::size_t{32} << 20; ///< blocks this large or larger are mmap'ed (glibc's maximum)
  std::size_t trim_threshold = std::size_t{128} << 20; ///< free memory an arena keeps at its top
};

/// Applies `s` (fixed values: glibc's adaptive thresholds are off afterwards).
/// Call before any thread starts. Returns false if glibc refused a value (the
/// defaults then stay in force; nothing else changes). No-op elsewhere.
bool tune_allocator(const allocator_settings& s = {}) noexcept;

} // namespace vigil
