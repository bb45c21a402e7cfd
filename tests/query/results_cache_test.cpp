#include "query/results_cache.hpp"

#include <boost/test/unit_test.hpp>

#include "query/admission.hpp"
#include "tests/query/sharded_source.hpp"

using namespace vigil;
using namespace vigil::query;

namespace {

constexpr timestamp_ms sec = 1000, min = 60 * sec;
const char* const q = "sum by (job) (rate(http_requests_total[5m]))";

struct cache_fixture {
  testing::sharded_source src{1};
  results_cache cache{results_cache_options{std::size_t{64} << 20, 10 * min}};
  timestamp_ms now = 1000 * min; // far after the data: everything is cacheable

  cache_fixture() { testing::fill_random(src, 7, 120 * min); }

  std::vector<series> fresh(const query_params& p) {
    auto r = src.all.query(q, p, {});
    BOOST_TEST_REQUIRE(r.has_value());
    return r->items;
  }

  /// The query service's path: plan, compute the gaps, store them, assemble.
  std::vector<series> cached(const query_params& p, std::size_t* gaps = nullptr) {
    auto key = *cache_key(q, p, {});
    auto plan = cache.plan(key, p);
    std::vector<std::vector<series>> computed;
    for (const auto& pc : plan.pieces) {
      if (pc.items) continue;
      query_params sub{pc.start, pc.end, p.step};
      computed.push_back(fresh(sub));
      cache.store(key, sub, computed.back(), now, plan.generation);
    }
    if (gaps) *gaps = computed.size();
    return results_cache::assemble(plan, std::move(computed));
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(results_cache_suite)

BOOST_AUTO_TEST_CASE(keys_normalize_text_and_refuse_time_shifted_queries) {
  query_params p{0, 60 * min, 30 * sec};
  BOOST_TEST(*cache_key("sum(x)by(job)", p, {}) == *cache_key("sum by (job) (x)", p, {}));
  BOOST_TEST(*cache_key("x", p, {}) != *cache_key("x", {10 * sec, 60 * min, 30 * sec}, {})); // step phase
  BOOST_TEST(*cache_key("x", p, {}) == *cache_key("x", {90 * sec, 60 * min, 30 * sec}, {}));
  BOOST_TEST(!cache_key("x", {0, 0, 0}, {}));                 // instant
  BOOST_TEST(!cache_key("x @ end()", p, {}));
  BOOST_TEST(!cache_key("rate(x[5m] offset -1m)", p, {}));
  BOOST_TEST(!cache_key("sum(", p, {}));
  BOOST_TEST(cache_key("rate(x[5m] offset 1m)", p, {}).has_value());
}

BOOST_FIXTURE_TEST_CASE(a_hit_equals_the_fresh_result_and_computes_only_gaps, cache_fixture) {
  query_params first{20 * min, 80 * min, 30 * sec};
  std::size_t gaps = 0;
  BOOST_TEST((cached(first, &gaps) == fresh(first)));
  BOOST_TEST(gaps == 1u);
  BOOST_TEST((cached(first, &gaps) == fresh(first)));
  BOOST_TEST(gaps == 0u);
  query_params shifted{50 * min, 110 * min, 30 * sec}; // overlaps the end
  BOOST_TEST((cached(shifted, &gaps) == fresh(shifted)));
  BOOST_TEST(gaps == 1u);
  query_params wider{10 * min, 120 * min, 30 * sec}; // both sides
  BOOST_TEST((cached(wider, &gaps) == fresh(wider)));
  BOOST_TEST(gaps == 2u); // 20..110 is one span by now: a head and a tail gap
  BOOST_TEST(cache.spans() == 1u); // all joined again
}

BOOST_FIXTURE_TEST_CASE(recent_steps_are_not_stored, cache_fixture) {
  now = 70 * min; // freshness 10m: steps before 60m are stored
  query_params p{20 * min, 80 * min, 30 * sec};
  cached(p);
  auto plan = cache.plan(*cache_key(q, p, {}), p);
  BOOST_TEST_REQUIRE(plan.pieces.size() == 2u);
  BOOST_TEST(plan.pieces[0].items != nullptr);
  BOOST_TEST(plan.pieces[0].end == 60 * min - 30 * sec);
  BOOST_TEST(plan.pieces[1].items == nullptr);
  BOOST_TEST(plan.pieces[1].start == 60 * min);
}

BOOST_FIXTURE_TEST_CASE(backfill_invalidates_steps_at_and_after_it, cache_fixture) {
  query_params p{20 * min, 80 * min, 30 * sec};
  cached(p);
  // A new series lands with old samples: the cached answer is stale from 40m on.
  src.all.add(series{labels{{"__name__", "http_requests_total"}, {"job", "new"}}, {{40 * min, 1}, {41 * min, 100}}});
  cache.invalidate(40 * min);
  std::size_t gaps = 0;
  BOOST_TEST((cached(p, &gaps) == fresh(p)));
  BOOST_TEST(gaps == 1u);
  auto plan = cache.plan(*cache_key(q, p, {}), p);
  BOOST_TEST(plan.pieces.size() == 1u); // healed into one span again
}

BOOST_FIXTURE_TEST_CASE(a_computation_racing_an_invalidation_does_not_store_stale_steps, cache_fixture) {
  query_params p{20 * min, 80 * min, 30 * sec};
  auto key = *cache_key(q, p, {});
  auto plan = cache.plan(key, p);
  auto before = fresh(p);    // computed before the backfill landed
  cache.invalidate(50 * min); // the backfill commits meanwhile
  cache.store(key, p, before, now, plan.generation);
  auto again = cache.plan(key, p);
  BOOST_TEST_REQUIRE(again.pieces.size() == 2u);
  BOOST_TEST(again.pieces[0].end < 50 * min);
  BOOST_TEST(again.pieces[1].items == nullptr);
}

BOOST_FIXTURE_TEST_CASE(evicts_least_recently_used_spans_beyond_its_size, cache_fixture) {
  query_params a{20 * min, 40 * min, 30 * sec}, b{20 * min, 40 * min, 60 * sec};
  cached(a);
  const auto one = cache.bytes();
  cache = results_cache(results_cache_options{one + one / 2, 10 * min});
  cached(a);
  cached(b); // over the limit: a (least recently used) goes
  BOOST_TEST(cache.spans() == 1u);
  BOOST_TEST(cache.bytes() <= one + one / 2);
  BOOST_TEST(cache.plan(*cache_key(q, a, {}), a).pieces[0].items == nullptr);
  BOOST_TEST(cache.plan(*cache_key(q, b, {}), b).pieces[0].items != nullptr);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(admission_suite)

BOOST_AUTO_TEST_CASE(runs_up_to_the_limit_queues_then_rejects) {
  admission adm(2, 1);
  BOOST_TEST((adm.arrive(1) == admission::decision::run));
  BOOST_TEST((adm.arrive(2) == admission::decision::run));
  BOOST_TEST((adm.arrive(3) == admission::decision::wait));
  BOOST_TEST((adm.arrive(4) == admission::decision::reject));
  BOOST_TEST((adm.finish() == std::optional<std::uint64_t>(3)));
  BOOST_TEST(adm.running() == 2u);
  BOOST_TEST(!adm.finish().has_value());
  BOOST_TEST(adm.running() == 1u);
}

BOOST_AUTO_TEST_CASE(dropped_waiters_never_run) {
  admission adm(1, 4);
  adm.arrive(1);
  adm.arrive(2);
  adm.arrive(3);
  BOOST_TEST(adm.drop(2));
  BOOST_TEST(!adm.drop(2));
  BOOST_TEST((adm.finish() == std::optional<std::uint64_t>(3)));
}

BOOST_AUTO_TEST_SUITE_END()
