// query/response_memo.hpp - rendered answers of whole range queries, for
// identical repeats.
//
// Grafana's Prometheus data source aligns a panel's start and end to its
// step, so everyone looking at a dashboard within one step sends the same
// range queries. The results cache (query/results_cache.hpp) already spares
// the shards; this memo spares the rest: an identical request (same query
// text, start, end and step) whose every step was old enough to cache is
// answered with the bytes rendered for the first one, by the HTTP thread,
// without a message to the query service.
//
// Validity follows the results cache: an entry is stored only when its last
// step is older than `now - freshness` and the answer is complete (no
// warnings); invalidate(t), called with the results cache's, drops every
// entry whose range reaches t, and an answer computed before an
// invalidation is not stored (generations). Least recently used entries go
// beyond max_bytes.
//
// Thread-safe (one mutex): the query service stores and invalidates, HTTP
// threads look up. Pure otherwise (time is an argument).
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/sample.hpp"

namespace vigil::query {

class response_memo {
public:
  using body = std::shared_ptr<const std::string>;

  explicit response_memo(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  /// The memo key of a range query.
  static std::string key(std::string_view promql, timestamp_ms start, timestamp_ms end, timestamp_ms step);

  /// The stored body for `key`, or null; marks it recently used.
  body get(const std::string& key);

  /// The generation to pass to put() for an answer computed from now on.
  std::uint64_t generation() const;

  /// Stores `b` as the answer to `key` (a range query ending at `end`)
  /// unless an invalidation happened since `generation` or b is larger than
  /// a quarter of max_bytes.
  void put(const std::string& key, timestamp_ms end, body b, std::uint64_t generation);

  /// Data with timestamps >= t landed: drops every entry with end >= t.
  void invalidate(timestamp_ms t);

  std::size_t bytes() const;
  std::size_t entries() const;

private:
  struct entry {
    std::string key;
    timestamp_ms end = 0;
    body b;
  };
  using lru = std::list<entry>; ///< most recently used first

  void drop(lru::iterator it);

  mutable std::mutex mu_;
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  std::uint64_t generation_ = 0;
  lru order_;
  std::unordered_map<std::string_view, lru::iterator> index_; ///< views into entry::key
};

} // namespace vigil::query
