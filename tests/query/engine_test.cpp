#include <boost/test/unit_test.hpp>

#include <cmath>

#include "query/engine.hpp"
#include "query/memory_source.hpp"

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

BOOST_AUTO_TEST_SUITE_END()
