// query/memory_source.hpp - an in-memory series store for tests and offline
// tools (`vigil rules test`): holds series, answers selections, and runs
// queries end to end (prepare -> fetch from memory -> execute).
//
// Not thread-safe for writes; concurrent const use (select/query) is fine.
#pragma once

#include <string_view>
#include <vector>

#include "core/series.hpp"
#include "query/engine.hpp"

namespace vigil::query {

class memory_source {
public:
  /// Adds samples to the series with `s.lbls` (created when new). Samples
  /// are merged by time; a sample at an existing timestamp replaces it.
  void add(series s);
  /// Removes every series.
  void clear() { series_.clear(); }

  /// Series matching all of `ms`, with only their samples inside `range`;
  /// series left without samples are omitted. Sorted by labels.
  std::vector<series> select(const matchers& ms, const time_range& range) const;

  /// Fetches what `q` needs.
  std::vector<std::vector<series>> fetch(const prepared_query& q) const;

  /// prepare + fetch + execute.
  result<query_result> query(std::string_view promql, const query_params& params,
                             const eval_options& options = {}) const;

  const std::vector<series>& all() const noexcept { return series_; }

private:
  std::vector<series> series_; ///< sorted by labels
};

} // namespace vigil::query
