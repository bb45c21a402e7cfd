// query/series_set.hpp - the series fetched for one query: the engine's only
// input.
//
// Holds one list of series per selection (prepared_query::selections()).
// Construction normalizes what storage returned: series sorted by labels,
// series with equal labels (e.g. from two shards) merged, samples sorted by
// time with duplicate timestamps collapsed. Immutable afterwards; safe to
// read from many threads.
#pragma once

#include <cstddef>
#include <vector>

#include "core/series.hpp"

namespace vigil::query {

class series_set {
public:
  series_set() = default;
  /// Takes ownership of `fetched` (fetched[i] answers selection i).
  explicit series_set(std::vector<std::vector<series>> fetched);
  /// Like the above, but lists i with `as_is[i]` set are only sorted by
  /// labels (stable), never merged (pushed-down partial results: equal label
  /// sets from different shards are distinct inputs of the merging operator).
  series_set(std::vector<std::vector<series>> fetched, const std::vector<bool>& as_is);

  std::size_t size() const noexcept { return sets_.size(); }
  /// The series for selection `i`; empty when i is out of range.
  const std::vector<series>& at(std::size_t i) const noexcept;
  /// Total samples over all selections.
  std::size_t sample_count() const noexcept { return samples_; }

private:
  std::vector<std::vector<series>> sets_;
  std::size_t samples_ = 0;
};

/// Sorts `list` by labels and merges series with equal labels (samples
/// sorted by time; for equal timestamps the later series wins).
void normalize(std::vector<series>& list);

} // namespace vigil::query
