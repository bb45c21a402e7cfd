// api/tsdb_status.hpp - `GET /api/v1/status/tsdb`: cardinality statistics
// over a list of label sets, and the response body in Prometheus' shape
// (web/api/v1 TSDBStatus).
//
// vigil computes the statistics from every series' label set (the handler
// fetches them with a series fan-out over all shards), so the cost grows with
// the number of series: O(total label pairs) time and memory per request.
//
// Pure: values in, values and bytes out. Thread-safety: free functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "core/labels.hpp"
#include "core/sample.hpp"

namespace vigil::api {

/// One row of a top-N list: {"name":…,"value":…}.
struct tsdb_stat {
  std::string name;
  std::uint64_t value = 0;
  friend bool operator==(const tsdb_stat&, const tsdb_stat&) = default;
};

/// Prometheus' TSDBStatus. head_* fields describe the whole store (vigil has
/// no separate head block).
struct tsdb_status {
  std::uint64_t num_series = 0;
  std::uint64_t num_label_pairs = 0; ///< distinct (name, value) pairs
  std::uint64_t chunk_count = 0;
  /// Oldest and newest sample; Prometheus reports these extremes for an
  /// empty head, and so does vigil when no shard reported a time.
  timestamp_ms min_time = std::numeric_limits<timestamp_ms>::max();
  timestamp_ms max_time = std::numeric_limits<timestamp_ms>::min();
  std::vector<tsdb_stat> series_count_by_metric_name;     ///< __name__ value -> series
  std::vector<tsdb_stat> label_value_count_by_label_name; ///< name -> distinct values
  /// name -> sum over its values of len(value) x series with that value
  /// (Prometheus' MemPostings.Stats measure).
  std::vector<tsdb_stat> memory_in_bytes_by_label_name;
  std::vector<tsdb_stat> series_count_by_label_value_pair; ///< "name=value" -> series
};

/// Computes num_series (the number of sets), num_label_pairs and the four
/// top-`top_n` lists, each sorted by value descending, then name ascending.
/// Leaves chunk_count, min_time and max_time at their defaults.
/// @pre every set appears once.
tsdb_status compute_tsdb_status(std::span<const labels> sets, std::size_t top_n = 10);

/// {"status":"success","data":{"headStats":{"numSeries":…,"numLabelPairs":…,
/// "chunkCount":…,"minTime":…,"maxTime":…},"seriesCountByMetricName":[…],
/// "labelValueCountByLabelName":[…],"memoryInBytesByLabelName":[…],
/// "seriesCountByLabelValuePair":[…]}}
std::string render_tsdb_status(const tsdb_status& s);

} // namespace vigil::api
