// store/retention.hpp - how long a series' samples are kept: a default
// retention plus rules by label matchers (the design document: critical
// metrics 1 year, the rest 30 days). The first rule whose matchers all match
// a series decides; otherwise the default. Pure: no clock.
#pragma once

#include <cstdint>
#include <vector>

#include "core/labels.hpp"
#include "core/sample.hpp"
#include "store/rollup.hpp"

namespace vigil::store {

struct retention_rule {
  matchers match;          ///< every matcher must match the series' labels
  timestamp_ms keep_ms = 0; ///< 0: forever
};

struct retention_policy {
  timestamp_ms default_keep_ms = 0; ///< 0: forever
  std::vector<retention_rule> rules;
  /// Downsampling (store/rollup.hpp): the rollups a shard keeps. They travel
  /// with the retention policy because the same background actor builds
  /// them, and the same rules delete them (by window end).
  rollup_config rollups = {};

  /// How long samples of a series with labels `ls` are kept (0: forever).
  timestamp_ms keep_for(const labels& ls) const;
  /// Whether nothing is ever deleted.
  bool keeps_everything() const noexcept;
};

/// What one retention step did.
struct retention_progress {
  series_ref next = 0;               ///< first series of the next step; 0: the pass is complete
  std::uint64_t chunks_deleted = 0;
  std::uint64_t series_deleted = 0;  ///< series left without samples, removed from the index
  std::uint64_t segments_deleted = 0; ///< cold segments past retention
};

} // namespace vigil::store
