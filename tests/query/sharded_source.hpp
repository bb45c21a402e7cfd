// tests/query/sharded_source.hpp - N in-memory "shards" with series placed by
// label hash (as the router places them), and a query path that mirrors the
// query actor: raw selections are concatenated, pushed-down parts are
// evaluated on every shard with query::evaluate_partial.
#pragma once

#include <random>
#include <vector>

#include "query/engine.hpp"
#include "query/memory_source.hpp"

namespace vigil::query::testing {

struct sharded_source {
  std::vector<memory_source> shards;
  memory_source all; ///< the same data in one place (the reference)

  explicit sharded_source(std::size_t n) : shards(n) {}

  void add(const series& s) {
    shards[s.lbls.hash() % shards.size()].add(s);
    all.add(s);
  }

  /// The distributed path: prepare with `opts` (pushdown as set there).
  result<query_result> query(std::string_view promql, const query_params& p, eval_options opts) const {
    auto q = prepare(promql, p, opts);
    if (!q) return std::move(q).error();
    std::vector<std::vector<series>> fetched;
    for (const auto& sel : q->selections()) {
      auto& dst = fetched.emplace_back();
      for (const auto& sh : shards) {
        if (sel.partial.empty()) {
          auto got = sh.select(sel.ms, sel.range);
          dst.insert(dst.end(), got.begin(), got.end());
          continue;
        }
        auto r = evaluate_partial(sel.partial, p, opts, [&](const selection& s) -> result<std::vector<series>> {
          return sh.select(s.ms, s.range);
        });
        if (!r) return std::move(r).error();
        dst.insert(dst.end(), r->items.begin(), r->items.end());
      }
    }
    return execute(*q, std::move(fetched));
  }
};

/// Counters, gauges and histogram buckets with gaps, resets and staleness
/// markers, over [0, span] at a 15 s scrape interval with jitter.
inline void fill_random(sharded_source& src, std::uint32_t seed, timestamp_ms span) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  auto emit = [&](labels l, bool counter, double scale) {
    series s{std::move(l), {}};
    double v = u(rng) * scale;
    for (timestamp_ms t = 0; t <= span; t += 15000) {
      if (u(rng) < 0.05) continue; // gap
      timestamp_ms at = t + static_cast<timestamp_ms>(u(rng) * 1000);
      if (u(rng) < 0.01) {
        s.samples.push_back({at, stale_nan()});
        continue;
      }
      v = counter ? (u(rng) < 0.01 ? 0 : v + u(rng) * scale) : u(rng) * scale;
      s.samples.push_back({at, v});
    }
    src.add(s);
  };
  const char* jobs[] = {"api", "db", "web"};
  const char* les[] = {"0.1", "0.5", "1", "+Inf"};
  for (int i = 0; i < 12; ++i)
    for (const char* code : {"200", "500"})
      emit(labels{{"__name__", "http_requests_total"}, {"code", code}, {"instance", std::to_string(i)},
                  {"job", jobs[i % 3]}},
           true, 10);
  for (int i = 0; i < 6; ++i) {
    emit(labels{{"__name__", "temp"}, {"instance", std::to_string(i)}, {"job", jobs[i % 3]}}, false, 100);
    for (const char* le : les)
      emit(labels{{"__name__", "req_bucket"}, {"instance", std::to_string(i)}, {"job", jobs[i % 3]}, {"le", le}},
           true, 5);
  }
}

} // namespace vigil::query::testing
