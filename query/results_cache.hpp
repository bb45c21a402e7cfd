// query/results_cache.hpp - a cache of range-query results, split into
// step-aligned spans, as Cortex/Thanos query frontends do: a repeated range
// query reuses the spans it has and computes only the gaps.
//
// Why it is exact: PromQL evaluates every step on its own, so the value at a
// step depends only on the step time and the data, not on the query's start
// or end, as long as the query has no `@` modifier and no negative offset
// (cacheable() rejects those). Spans are keyed by (query text, step, step
// phase, lookback), so they line up with every query of that key.
//
// Freshness: only steps older than `now - freshness` are stored, since recent
// data still arrives. Older data can still land (a new series with old
// samples, a backfill): the owner calls invalidate(t) for the oldest sample
// of such a write, which drops every cached step >= t (a sample at t can
// change steps at t and later only). A computation that began before an
// invalidation cannot store the steps it may have missed (generations).
//
// Pure: time is an argument. Not thread-safe: one owner (the query service).
// Cached series are shared immutably (shared_ptr<const>) with plans.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/series.hpp"
#include "query/engine.hpp"

namespace vigil::query {

struct results_cache_options {
  std::size_t max_bytes = std::size_t{256} << 20; ///< 0: the cache is off
  timestamp_ms freshness = 5 * 60 * 1000;          ///< steps newer than now - this are not stored
};

/// The cache key of a range query, or nullopt when its results must not be
/// cached (instant query, parse error, `@` modifier, negative offset).
std::optional<std::string> cache_key(std::string_view promql, const query_params& p, const eval_options& o);

class results_cache {
public:
  using series_list = std::shared_ptr<const std::vector<series>>;

  /// One piece of a planned query, in time order: cached (items set) or a
  /// gap to compute (items null). start/end are step times, inclusive.
  struct piece {
    timestamp_ms start = 0;
    timestamp_ms end = 0;
    series_list items;
  };
  struct plan_t {
    std::vector<piece> pieces;  ///< cover [p.start, p.end] without overlap
    std::uint64_t generation = 0; ///< pass to store()
  };

  explicit results_cache(results_cache_options o) : opts_(o) {}

  bool enabled() const noexcept { return opts_.max_bytes > 0; }

  /// Splits the range query `p` (step > 0) into cached spans and gaps;
  /// marks the used spans recently used.
  plan_t plan(const std::string& key, const query_params& p);

  /// Stores the steps of `items` (a matrix over [start, end] at `step`)
  /// that are older than `now - freshness` and were not invalidated since
  /// `generation`. Evicts least recently used spans beyond max_bytes.
  void store(const std::string& key, const query_params& p, const std::vector<series>& items, timestamp_ms now,
             std::uint64_t generation);

  /// Data with timestamps >= `t` landed: forgets every cached step >= t.
  void invalidate(timestamp_ms t);

  /// Joins the pieces of a plan (gaps filled in by `computed`, one matrix
  /// per gap, in order) into one matrix sorted by labels.
  static std::vector<series> assemble(const plan_t& plan, std::vector<std::vector<series>> computed);

  std::size_t bytes() const noexcept { return bytes_; }
  std::size_t spans() const noexcept;

private:
  struct span {
    timestamp_ms start = 0; ///< step times, inclusive
    timestamp_ms end = 0;
    timestamp_ms step = 1;
    series_list items;
    std::size_t bytes = 0;
    std::uint64_t used = 0; ///< LRU tick
  };
  using span_map = std::map<timestamp_ms, span>; ///< by start

  void insert(const std::string& key, span s);
  void evict();
  timestamp_ms invalidated_since(std::uint64_t generation) const;

  results_cache_options opts_;
  std::map<std::string, span_map, std::less<>> entries_;
  std::size_t bytes_ = 0;
  std::uint64_t tick_ = 0;
  std::uint64_t generation_ = 0;
  std::deque<std::pair<std::uint64_t, timestamp_ms>> log_; ///< recent invalidations
};

} // namespace vigil::query
