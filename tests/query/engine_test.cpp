#include <boost/test/unit_test.hpp>

#include <cmath>
#include <thread>
#include <vector>

#include "query/engine.hpp"
#include "query/memory_source.hpp"
#include "query/series_set.hpp"

using namespace vigil;
using namespace vigil::query;

namespace {

constexpr timestamp_ms s = 1000, m = 60 * s;

series make(std::initializer_list<label> l, timestamp_ms step, std::vector<double> vals) {
  series out{labels(std::vector<label>(l)), {}};
  for (std::size_t i = 0; i < vals.size(); ++i) out.samples.push_back({static_cast<timestamp_ms>(i) * step, vals[i]});
  return out;
}

memory_source latency_db() {
  memory_source db;
  db.add(make({{"__name__", "api.latency"}, {"endpoint", "/users"}}, m, {100, 300, 500, 700}));
  db.add(make({{"__name__", "api.latency"}, {"endpoint", "/orders"}}, m, {200, 400, 600, 800}));
  return db;
}

query_result must(result<query_result> r) {
  BOOST_TEST_REQUIRE(r.has_value(), (r ? "" : r.error().message()));
  return std::move(*r);
}

} // namespace

BOOST_AUTO_TEST_SUITE(engine)

BOOST_AUTO_TEST_CASE(plans_selections_with_lookback_range_offset_and_at) {
  auto q = prepare("rate(foo[5m] offset 1m) + bar + baz @ 100", {10 * m, 10 * m, 0});
  BOOST_TEST_REQUIRE(q.has_value());
  const auto& sel = q->selections();
  BOOST_TEST_REQUIRE(sel.size() == 3u);
  BOOST_TEST(sel[0].ms.back().value() == "foo");
  BOOST_TEST(sel[0].range.min == 4 * m);
  BOOST_TEST(sel[0].range.max == 9 * m);
  BOOST_TEST(sel[1].range.min == 5 * m);
  BOOST_TEST(sel[1].range.max == 10 * m);
  BOOST_TEST(sel[2].range.min == 100 * s - 5 * m);
  BOOST_TEST(sel[2].range.max == 100 * s);
}

BOOST_AUTO_TEST_CASE(a_repeated_text_reuses_its_tree_and_plans_each_range_anew) {
  // The parse cache shares the tree; the selections are planned for each
  // query's own range and `@ start()`.
  const char* text = "rate(cache_probe_total[5m] offset 1m) + cache_probe_gauge @ start()";
  auto a = prepare(text, {10 * m, 10 * m, 0});
  auto b = prepare(text, {20 * m, 30 * m, 15 * s});
  BOOST_TEST_REQUIRE(a.has_value());
  BOOST_TEST_REQUIRE(b.has_value());
  BOOST_TEST(&a->root() == &b->root());
  BOOST_TEST(a->selections()[0].range.min == 4 * m);
  BOOST_TEST(a->selections()[1].range.max == 10 * m);
  BOOST_TEST(b->selections()[0].range.min == 14 * m);
  BOOST_TEST(b->selections()[0].range.max == 29 * m);
  BOOST_TEST(b->selections()[1].range.min == 20 * m - 5 * m);
  BOOST_TEST(b->selections()[1].range.max == 20 * m);
  BOOST_TEST(a->selections()[1].ms.back().value() == "cache_probe_gauge");
  // Without pushdown the tree is not rewritten: another entry.
  eval_options plain;
  plain.pushdown = !eval_options{}.pushdown;
  auto c = prepare(text, {10 * m, 10 * m, 0}, plain);
  BOOST_TEST_REQUIRE(c.has_value());
  BOOST_TEST(&c->root() != &a->root());
  // Errors are not cached: the same bad text fails the same way twice.
  auto e1 = prepare("sum(", {0, 0, 0}), e2 = prepare("sum(", {0, 0, 0});
  BOOST_TEST_REQUIRE(!e1.has_value());
  BOOST_TEST_REQUIRE(!e2.has_value());
  BOOST_TEST(e1.error().message() == e2.error().message());
}

BOOST_AUTO_TEST_CASE(one_text_prepared_and_run_on_several_threads_gives_one_answer) {
  auto db = latency_db();
  const auto want = must(db.query("sum by (endpoint) (rate(api.latency[3m]))", {3 * m, 3 * m, 0}));
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] {
      for (int k = 0; k < 200; ++k) {
        auto got = db.query("sum by (endpoint) (rate(api.latency[3m]))", {3 * m, 3 * m, 0});
        if (!got || got->items.size() != want.items.size()) ++wrong[i];
        else
          for (std::size_t j = 0; j < want.items.size(); ++j)
            if (!(got->items[j].lbls == want.items[j].lbls) || got->items[j].samples != want.items[j].samples) ++wrong[i];
      }
    });
  for (auto& t : threads) t.join();
  for (int w : wrong) BOOST_TEST(w == 0);
}

BOOST_AUTO_TEST_CASE(plans_subqueries_over_the_widened_range) {
  auto q = prepare("max_over_time(rate(foo[1m])[10m:1m] offset 2m)", {20 * m, 30 * m, 15 * s});
  BOOST_TEST_REQUIRE(q.has_value());
  BOOST_TEST(q->selections()[0].range.min == 20 * m - 2 * m - 10 * m - 1 * m);
  BOOST_TEST(q->selections()[0].range.max == 30 * m - 2 * m);
}

BOOST_AUTO_TEST_CASE(instant_query_over_dotted_names) {
  auto db = latency_db();
  auto r = must(db.query("avg(api.latency) > 400", {3 * m, 3 * m, 0}));
  BOOST_TEST((r.type == value_type::vector));
  BOOST_TEST_REQUIRE(r.items.size() == 1u);
  BOOST_TEST(r.items[0].samples[0].v == 750.0);
  BOOST_TEST(r.items[0].samples[0].t == 3 * m);
  auto u = must(db.query("api.latency{endpoint=\"/users\"}", {2 * m, 2 * m, 0}));
  BOOST_TEST_REQUIRE(u.items.size() == 1u);
  BOOST_TEST(u.items[0].lbls.metric_name() == "api.latency");
  BOOST_TEST(u.items[0].samples[0].v == 500.0);
}

BOOST_AUTO_TEST_CASE(range_query_returns_one_point_per_step_sorted_by_labels) {
  auto db = latency_db();
  auto r = must(db.query("api.latency * 2", {0, 3 * m, 30 * s}));
  BOOST_TEST((r.type == value_type::matrix));
  BOOST_TEST_REQUIRE(r.items.size() == 2u);
  BOOST_TEST(r.items[0].lbls.get("endpoint") == "/orders");
  BOOST_TEST(r.items[0].lbls.metric_name() == "");
  BOOST_TEST(r.items[0].samples.size() == 7u);
  BOOST_TEST(r.items[0].samples[1].t == 30 * s);
  BOOST_TEST(r.items[0].samples[1].v == 400.0); // latest sample at or before 30s
}

BOOST_AUTO_TEST_CASE(range_query_of_a_scalar_is_a_matrix) {
  memory_source db;
  auto r = must(db.query("time() * 2", {0, 2 * m, m}));
  BOOST_TEST((r.type == value_type::matrix));
  BOOST_TEST_REQUIRE(r.items.size() == 1u);
  BOOST_TEST(r.items[0].samples.size() == 3u);
  BOOST_TEST(r.items[0].samples[2].v == 240.0);
}

BOOST_AUTO_TEST_CASE(result_types_for_instant_queries) {
  memory_source db;
  db.add(make({{"__name__", "x"}}, m, {1, 2, 3}));
  auto sc = must(db.query("1 + 1", {5 * s, 5 * s, 0}));
  BOOST_TEST((sc.type == value_type::scalar));
  BOOST_TEST(sc.scalar.v == 2.0);
  BOOST_TEST(sc.scalar.t == 5 * s);
  auto str = must(db.query("\"hello\"", {5 * s, 5 * s, 0}));
  BOOST_TEST((str.type == value_type::string));
  BOOST_TEST(str.str == "hello");
  auto mat = must(db.query("x[2m]", {2 * m, 2 * m, 0}));
  BOOST_TEST((mat.type == value_type::matrix));
  BOOST_TEST(mat.items[0].samples.size() == 3u);
}

BOOST_AUTO_TEST_CASE(range_query_rejects_range_vectors_and_strings) {
  memory_source db;
  auto r = db.query("x[5m]", {0, m, 15 * s});
  BOOST_TEST_REQUIRE(!r.has_value());
  BOOST_TEST((r.error().code() == errc::invalid_argument));
  BOOST_TEST(!db.query("\"s\"", {0, m, 15 * s}).has_value());
}

BOOST_AUTO_TEST_CASE(rejects_bad_params) {
  BOOST_TEST(!prepare("x", {10, 0, 1}).has_value());
  BOOST_TEST(!prepare("x", {0, 10, 0}).has_value());
  BOOST_TEST(!prepare("x", {0, 10, -1}).has_value());
}

BOOST_AUTO_TEST_CASE(max_samples_is_resource_exhausted) {
  memory_source db;
  std::vector<double> vals(100, 1.0);
  db.add(make({{"__name__", "x"}, {"i", "1"}}, s, vals));
  db.add(make({{"__name__", "x"}, {"i", "2"}}, s, vals));
  eval_options opts;
  opts.max_samples = 50;
  auto r = db.query("sum_over_time(x[100s])", {100 * s, 100 * s, 0}, opts);
  BOOST_TEST_REQUIRE(!r.has_value());
  BOOST_TEST((r.error().code() == errc::resource_exhausted));
  BOOST_TEST(r.error().message().find("query processing would load too many samples into memory") !=
             std::string::npos);
  auto ok = db.query("sum_over_time(x[10s])", {100 * s, 100 * s, 0}, opts);
  BOOST_TEST(ok.has_value());
  auto range = db.query("x", {0, 100 * s, s}, opts);
  BOOST_TEST(!range.has_value());
}

BOOST_AUTO_TEST_CASE(many_to_many_matching_is_an_error) {
  memory_source db;
  db.add(make({{"__name__", "a"}, {"x", "1"}, {"y", "1"}}, m, {1}));
  db.add(make({{"__name__", "a"}, {"x", "1"}, {"y", "2"}}, m, {1}));
  db.add(make({{"__name__", "b"}, {"x", "1"}, {"y", "1"}}, m, {1}));
  db.add(make({{"__name__", "b"}, {"x", "1"}, {"y", "2"}}, m, {1}));
  auto r = db.query("a + on(x) b", {0, 0, 0});
  BOOST_TEST_REQUIRE(!r.has_value());
  BOOST_TEST((r.error().code() == errc::invalid_argument));
  BOOST_TEST(r.error().message().find("many-to-many matching not allowed") != std::string::npos);
  BOOST_TEST(db.query("a + on(x, y) b", {0, 0, 0}).has_value());
}

BOOST_AUTO_TEST_CASE(execute_normalizes_fetched_series) {
  auto q = prepare("x", {2 * m, 2 * m, 0});
  BOOST_TEST_REQUIRE(q.has_value());
  labels l{{"__name__", "x"}, {"shard", "a"}};
  std::vector<std::vector<series>> fetched(1);
  fetched[0].push_back(series{l, {{2 * m, 5}}});
  fetched[0].push_back(series{l, {{m, 4}}}); // same series from another shard
  auto r = execute(*q, std::move(fetched));
  BOOST_TEST_REQUIRE(r.has_value());
  BOOST_TEST_REQUIRE(r->items.size() == 1u);
  BOOST_TEST(r->items[0].samples[0].v == 5.0);
}

BOOST_AUTO_TEST_CASE(normalize_sorts_samples_also_when_series_are_in_order) {
  std::vector<series> list{series{labels{{"a", "1"}}, {{3, 1}, {1, 2}, {3, 5}}}, series{labels{{"a", "2"}}, {{1, 1}}}};
  normalize(list); // label order already: only the samples need sorting (last of equal times wins)
  BOOST_TEST_REQUIRE(list.size() == 2u);
  BOOST_TEST((list[0].samples == std::vector<sample>({{1, 2}, {3, 5}})));
  std::vector<series> out_of_order{series{labels{{"a", "2"}}, {{1, 1}}}, series{labels{{"a", "1"}}, {{1, 2}}},
                                   series{labels{{"a", "2"}}, {{2, 3}}}};
  normalize(out_of_order);
  BOOST_TEST_REQUIRE(out_of_order.size() == 2u);
  BOOST_TEST((out_of_order[1].samples == std::vector<sample>({{1, 1}, {2, 3}})));
}

BOOST_AUTO_TEST_CASE(staleness_markers_end_a_series) {
  memory_source db;
  db.add(series{labels{{"__name__", "x"}}, {{0, 1}, {10 * s, stale_nan()}}});
  BOOST_TEST(must(db.query("x", {5 * s, 5 * s, 0})).items.size() == 1u);
  BOOST_TEST(must(db.query("x", {15 * s, 15 * s, 0})).items.empty());
  BOOST_TEST(must(db.query("count_over_time(x[1m])", {15 * s, 15 * s, 0})).items[0].samples[0].v == 1.0);
}

BOOST_AUTO_TEST_CASE(lookback_window_is_closed) {
  memory_source db;
  db.add(series{labels{{"__name__", "x"}}, {{0, 1}}});
  BOOST_TEST(must(db.query("x", {5 * m, 5 * m, 0})).items.size() == 1u);
  BOOST_TEST(must(db.query("x", {5 * m + 1, 5 * m + 1, 0})).items.empty());
  eval_options opts;
  opts.lookback_delta = m;
  BOOST_TEST(must(db.query("x", {2 * m, 2 * m, 0}, opts)).items.empty());
}

BOOST_AUTO_TEST_CASE(duplicate_labelsets_after_dropping_the_name_fail) {
  memory_source db;
  db.add(make({{"__name__", "a"}, {"x", "1"}}, m, {1}));
  db.add(make({{"__name__", "b"}, {"x", "1"}}, m, {1}));
  auto r = db.query("ceil({x=\"1\"})", {0, 0, 0});
  BOOST_TEST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().message() == "vector cannot contain metrics with the same labelset");
  BOOST_TEST(!db.query("ceil({x=\"1\"})", {0, m, 15 * s}).has_value());
}

// A range query's value at each step equals the instant query at that time,
// bit for bit (the range evaluator has series-wise paths for rate/increase
// and histogram_quantile that the instant path does not take).
BOOST_AUTO_TEST_CASE(range_steps_equal_instant_queries_bit_for_bit) {
  memory_source db;
  std::uint64_t rng = 12345;
  auto next = [&rng] {
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(rng >> 11) / static_cast<double>(1ULL << 53);
  };
  const char* les[] = {"0.1", "0.2", "2e-1", "0.5", "1", "+Inf"};
  for (int job = 0; job < 3; ++job)
    for (int inst = 0; inst < 2; ++inst) {
      std::string j = "j" + std::to_string(job), in = "i" + std::to_string(inst);
      series c{labels({{"__name__", "reqs"}, {"job", j}, {"inst", in}}), {}};
      double v = next() * 100;
      for (timestamp_ms t = 0; t < 40 * m; t += 15 * s) {
        if (next() < 0.1) continue;                 // a missed scrape
        v = next() < 0.05 ? next() * 10 : v + next() * 7.3; // resets now and then
        c.samples.push_back({t + static_cast<timestamp_ms>(next() * 900), v});
      }
      db.add(c);
      for (std::size_t b = 0; b < std::size(les); ++b) {
        series h{labels({{"__name__", "lat_bucket"}, {"job", j}, {"inst", in}, {"le", les[b]}}), {}};
        double cnt = 0;
        for (timestamp_ms t = (job == 2 ? 10 * m : 0); t < 40 * m; t += 15 * s) {
          if (next() < 0.15) continue; // buckets come and go independently
          cnt = next() < 0.03 ? 0 : cnt + next() * static_cast<double>(b + 1);
          h.samples.push_back({t, cnt});
        }
        db.add(h);
      }
    }
  const char* exprs[] = {
    "rate(reqs[5m])",
    "increase(reqs[2m])",
    "rate(reqs[30s])",
    "sum by (job) (rate(reqs[5m]))",
    "histogram_quantile(0.9, rate(lat_bucket[5m]))",
    "histogram_quantile(0.5, sum by (le) (rate(lat_bucket[5m])))",
    "histogram_quantile(0.99, sum by (le, job) (increase(lat_bucket[3m])))",
    "max(histogram_quantile(0.75, lat_bucket))",
    "histogram_quantile(0.75, lat_bucket)",
    "histogram_quantile(scalar(reqs{job=\"j0\",inst=\"i0\"}) / 1000, lat_bucket)",
  };
  const timestamp_ms start = 3 * m, end = 39 * m, step = 45 * s;
  auto same = [](double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; };
  for (const char* e : exprs) {
    BOOST_TEST_CONTEXT(e) {
      auto range = must(db.query(e, {start, end, step}));
      std::size_t checked = 0;
      for (timestamp_ms t = start; t <= end; t += step) {
        auto inst = must(db.query(e, {t, t, 0}));
        std::vector<std::pair<labels, double>> want;
        for (const auto& x : inst.items) want.emplace_back(x.lbls, x.samples.at(0).v);
        std::vector<std::pair<labels, double>> got;
        for (const auto& x : range.items)
          for (const auto& p : x.samples)
            if (p.t == t) got.emplace_back(x.lbls, p.v);
        BOOST_TEST_REQUIRE(got.size() == want.size(), "at " << t);
        for (std::size_t k = 0; k < got.size(); ++k) {
          BOOST_TEST((got[k].first == want[k].first));
          BOOST_TEST(same(got[k].second, want[k].second), "at " << t << ": " << got[k].second << " vs " << want[k].second);
          ++checked;
        }
      }
      BOOST_TEST(checked > 10u);
    }
  }
  // Two histograms whose labels differ only in the name: the duplicate is an
  // error in both paths.
  series other{labels({{"__name__", "other_bucket"}, {"job", "j0"}, {"inst", "i0"}, {"le", "+Inf"}}), {}};
  for (timestamp_ms t = 0; t < 40 * m; t += 15 * s) other.samples.push_back({t, 1});
  db.add(other);
  auto dup = db.query("histogram_quantile(0.5, {__name__=~\"lat_bucket|other_bucket\"})", {start, end, step});
  BOOST_TEST_REQUIRE(!dup.has_value());
  BOOST_TEST(dup.error().message() == "vector cannot contain metrics with the same labelset");
}

BOOST_AUTO_TEST_SUITE_END()
