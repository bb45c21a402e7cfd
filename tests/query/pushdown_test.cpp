#include "query/pushdown.hpp"

#include <cmath>

#include <boost/test/unit_test.hpp>

#include "query/parser.hpp"
#include "tests/query/sharded_source.hpp"

using namespace vigil;
using namespace vigil::query;
using vigil::query::testing::sharded_source;

namespace {

constexpr timestamp_ms sec = 1000, min = 60 * sec;

std::vector<std::string> parts_of(const std::string& q) {
  auto e = parse(q);
  BOOST_TEST_REQUIRE(e.has_value(), q);
  return rewrite_for_pushdown(**e);
}

bool close(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (a == b) return true;
  return std::abs(a - b) <= 1e-9 * std::max(std::abs(a), std::abs(b));
}

/// Instant vectors are compared as sets: under pushdown an aggregation's
/// groups come out in label order rather than in order of first appearance
/// (an order PromQL does not define).
void check_same(query_result want, query_result got, const std::string& q) {
  BOOST_TEST_REQUIRE((want.type == got.type), q);
  if (want.type == value_type::vector) {
    auto by_labels = [](const series& a, const series& b) { return a.lbls < b.lbls; };
    std::stable_sort(want.items.begin(), want.items.end(), by_labels);
    std::stable_sort(got.items.begin(), got.items.end(), by_labels);
  }
  BOOST_TEST_REQUIRE(want.items.size() == got.items.size(), q);
  for (std::size_t i = 0; i < want.items.size(); ++i) {
    const auto& w = want.items[i];
    const auto& g = got.items[i];
    BOOST_TEST_REQUIRE((w.lbls == g.lbls), q << " series " << i << " of " << want.items.size());
    BOOST_TEST_REQUIRE(w.samples.size() == g.samples.size(), q << " " << i);
    for (std::size_t k = 0; k < w.samples.size(); ++k) {
      BOOST_TEST_REQUIRE(w.samples[k].t == g.samples[k].t, q);
      BOOST_TEST_REQUIRE(close(w.samples[k].v, g.samples[k].v), q << " at " << w.samples[k].t << ": "
                                                                     << w.samples[k].v << " vs " << g.samples[k].v);
    }
  }
  BOOST_TEST(close(want.scalar.v, got.scalar.v), q);
}

const char* const queries[] = {
    "sum by (job) (rate(http_requests_total[5m]))",
    "count(http_requests_total)",
    "count by (job) (http_requests_total)",
    "max without (instance) (http_requests_total)",
    "min by (job, code) (irate(http_requests_total[1m]))",
    "histogram_quantile(0.99, sum by (le) (rate(req_bucket[5m])))",
    "histogram_quantile(0.9, sum by (job, le) (rate(req_bucket[5m])))",
    "topk(3, rate(http_requests_total[5m]))",
    "bottomk(2, sum by (instance) (increase(http_requests_total[10m])))",
    "sum(rate(http_requests_total{code=\"500\"}[5m])) / sum(rate(http_requests_total[5m]))",
    "sum by (job) (rate(http_requests_total{code=\"500\"}[5m])) / on (job) sum by (job) (rate(http_requests_total[5m]))",
    "group by (job) (temp)",
    "sum by (job) (temp * 2)",
    "avg by (job) (rate(http_requests_total[5m]))",
    "sum_over_time(temp[10m])",
    "quantile_over_time(0.9, temp[5m])",
    "max_over_time(rate(http_requests_total[5m])[30m:1m])",
    "absent(nonexistent)",
    "count({job=\"api\"})",
    "sum by (job) (abs(temp - 50))",
    "rate(http_requests_total[5m])",
    "sum(temp offset 5m)",
    "-rate(http_requests_total[5m]) > -1",
    "count(rate(http_requests_total[5m]) > 1)",
    "sum by (code) (delta(temp[5m])) + 1",
    "stddev by (job) (temp)",
    "count_values(\"v\", round(temp / 10))",
    "timestamp(temp)",
};

} // namespace

BOOST_AUTO_TEST_SUITE(pushdown)

BOOST_AUTO_TEST_CASE(pushes_mergeable_aggregates_of_per_series_work) {
  BOOST_TEST(parts_of("sum by (job) (rate(x[5m]))") == std::vector<std::string>{"sum by (job) (rate(x[5m]))"});
  BOOST_TEST(parts_of("count(x)") == std::vector<std::string>{"count(x)"});
  BOOST_TEST(parts_of("max without (i) (x > 1)") == std::vector<std::string>{"max without (i) (x > 1)"});
  BOOST_TEST(parts_of("sum(a) / sum(b)") == (std::vector<std::string>{"sum(a)", "sum(b)"}));
  BOOST_TEST(parts_of("histogram_quantile(0.99, sum by (le) (rate(b[5m])))") ==
             std::vector<std::string>{"sum by (le) (rate(b[5m]))"});
}

BOOST_AUTO_TEST_CASE(pushes_per_series_range_functions_under_other_operators) {
  BOOST_TEST(parts_of("topk(3, rate(x[5m]))") == std::vector<std::string>{"rate(x[5m])"});
  BOOST_TEST(parts_of("avg(irate(x[1m]) * 8)") == std::vector<std::string>{"irate(x[1m]) * 8"});
  BOOST_TEST(parts_of("quantile_over_time(0.5, x[5m])") ==
             std::vector<std::string>{"quantile_over_time(0.5, x[5m])"});
}

BOOST_AUTO_TEST_CASE(keeps_what_is_not_shard_local) {
  BOOST_TEST(parts_of("x").empty());                        // nothing to reduce
  BOOST_TEST(parts_of("avg(x)").empty());                   // not merged exactly (yet)
  BOOST_TEST(parts_of("topk(3, x)").empty());
  BOOST_TEST(parts_of("rate({job=\"a\"}[5m])").empty());    // names dropped: could collide
  BOOST_TEST(parts_of("sum(x / y)").empty());               // joins cross shards
  BOOST_TEST(parts_of("max_over_time(rate(x[5m])[30m:1m])").empty()); // subquery steps
  BOOST_TEST(parts_of("absent(sum(x))").empty());           // absent reads its argument's shape
  BOOST_TEST(parts_of("sum(absent_over_time(x[5m]))").empty());
  BOOST_TEST(parts_of("sum(label_replace(x, \"a\", \"b\", \"c\", \".*\"))").empty());
  BOOST_TEST(is_per_series(**parse("rate(x[5m]) * 2")));
  BOOST_TEST(!is_per_series(**parse("rate({a=\"b\"}[5m])")));
}

BOOST_AUTO_TEST_CASE(pushdown_answers_equal_the_plain_path_on_random_data) {
  for (std::uint32_t seed : {1u, 2u, 3u}) {
    sharded_source src(seed + 2);
    testing::fill_random(src, seed, 90 * min);
    eval_options plain, pushed;
    pushed.pushdown = true;
    const query_params ranges[] = {{20 * min, 90 * min, 30 * sec}, {45 * min, 45 * min, 0},
                                   {31 * min + 7 * sec, 80 * min, 77 * sec}, {90 * min, 90 * min, 0}};
    for (const char* q : queries)
      for (const auto& p : ranges) {
        auto want = src.all.query(q, p, plain);
        auto got = src.query(q, p, pushed);
        BOOST_TEST_REQUIRE(want.has_value() == got.has_value(), q);
        if (!want) continue;
        check_same(*want, *got, q);
        auto raw = src.query(q, p, plain); // the raw distributed path as well
        BOOST_TEST_REQUIRE(raw.has_value(), q);
        check_same(*want, *raw, q);
      }
  }
}

// A shard's batched evaluation of a pushed-down part (evaluate_partial_batched)
// answers exactly what evaluate_partial does, for every batch size.
BOOST_AUTO_TEST_CASE(batched_parts_equal_whole_parts_bit_for_bit) {
  std::size_t batched_parts = 0;
  for (std::uint32_t seed : {4u, 5u}) {
    sharded_source src(3);
    testing::fill_random(src, seed, 90 * min);
    eval_options opts;
    const query_params ranges[] = {{20 * min, 90 * min, 30 * sec}, {45 * min, 45 * min, 0},
                                   {31 * min + 7 * sec, 80 * min, 77 * sec}};
    for (const char* q : queries)
      for (const auto& p : ranges)
        for (const auto& part : parts_of(q)) {
          auto prepared = prepare_partial(part, p, opts);
          BOOST_TEST_REQUIRE(prepared.has_value(), part);
          for (const auto& sh : src.shards) {
            auto whole = evaluate_partial(*prepared, [&](const selection& sel) -> result<std::vector<series>> {
              return sh.select(sel.ms, sel.range);
            });
            for (std::size_t per_batch : {1u, 2u, 7u, 1000u}) {
              std::size_t calls = 0;
              auto fetch = [&](const selection& sel, const batch_sink& sink) -> status {
                auto all = sh.select(sel.ms, sel.range);
                for (std::size_t i = 0; i < all.size(); i += per_batch) {
                  std::vector<series> batch(all.begin() + static_cast<std::ptrdiff_t>(i),
                                            all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), i + per_batch)));
                  ++calls;
                  if (auto st = sink(batch); !st) return st;
                }
                return status::ok();
              };
              auto got = evaluate_partial_batched(*prepared, fetch);
              if (!got) continue; // another shape: evaluate_partial answers it
              ++batched_parts;
              BOOST_TEST_REQUIRE(whole.has_value() == got->has_value(), part);
              if (!whole) continue;
              const auto& w = *whole;
              const auto& g = **got;
              BOOST_TEST_REQUIRE((w.type == g.type), part);
              BOOST_TEST_REQUIRE(w.items.size() == g.items.size(), part << " per batch " << per_batch);
              for (std::size_t i = 0; i < w.items.size(); ++i) {
                BOOST_TEST_REQUIRE((w.items[i].lbls == g.items[i].lbls), part);
                BOOST_TEST_REQUIRE(w.items[i].samples.size() == g.items[i].samples.size(), part);
                for (std::size_t k = 0; k < w.items[i].samples.size(); ++k) {
                  const auto a = w.items[i].samples[k], b = g.items[i].samples[k];
                  BOOST_TEST_REQUIRE(a.t == b.t, part);
                  BOOST_TEST_REQUIRE((a.v == b.v || (std::isnan(a.v) && std::isnan(b.v))), part << ": " << a.v << " vs " << b.v);
                }
              }
            }
          }
        }
  }
  BOOST_TEST(batched_parts > 100u); // the common shapes take the batched path
  // Other shapes are declined.
  auto two = prepare_partial("rate(a[5m]) + rate(b[5m])", {0, 0, 0}, {});
  BOOST_TEST_REQUIRE(two.has_value());
  auto none = [](const selection&, const batch_sink&) { return status::ok(); };
  BOOST_TEST(!evaluate_partial_batched(*two, none).has_value());
  auto topk = prepare_partial("topk(2, rate(a[5m]))", {0, 0, 0}, {});
  BOOST_TEST(!evaluate_partial_batched(*topk, none).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
