// core/series.hpp - a label set with samples: the unit of ingest batches and of
// query results. Plain values.
#pragma once

#include <string>
#include <vector>

#include "core/labels.hpp"
#include "core/sample.hpp"

namespace vigil {

/// One series with samples in ascending timestamp order (for ingest: in the
/// order received; the store checks the order).
struct series {
  labels lbls;
  std::vector<sample> samples;
  friend bool operator==(const series&, const series&) = default;
};

/// A batch of samples for many series: what one ingest request carries, and
/// what one shard commits in one transaction.
struct write_batch {
  std::vector<series> items;
  std::size_t sample_count() const noexcept {
    std::size_t n = 0;
    for (const auto& s : items) n += s.samples.size();
    return n;
  }
  friend bool operator==(const write_batch&, const write_batch&) = default;
};

/// What a shard did with a batch.
struct append_stats {
  std::uint64_t appended = 0;     ///< samples committed
  std::uint64_t duplicates = 0;   ///< same timestamp as the series' newest: ignored
  std::uint64_t out_of_order = 0; ///< older than the series' newest: rejected
  std::uint64_t new_series = 0;   ///< series created by this batch
  std::uint64_t limited = 0;      ///< samples of new series rejected by a cardinality limit
  std::string limit_error;        ///< why (the first limit hit), empty when none
  append_stats& operator+=(const append_stats& o) {
    appended += o.appended;
    duplicates += o.duplicates;
    out_of_order += o.out_of_order;
    new_series += o.new_series;
    limited += o.limited;
    if (limit_error.empty()) limit_error = o.limit_error;
    return *this;
  }
};

} // namespace vigil
