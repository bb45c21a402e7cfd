#include "api/metadata.hpp"

#include <atomic>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>

using namespace vigil;
using namespace vigil::api;

namespace {

std::string render(const metadata_registry& r, std::int64_t limit = -1, std::int64_t per_metric = -1,
                   std::string metric = {}) {
  return r.render(metadata_query{limit, per_metric, std::move(metric)});
}

} // namespace

BOOST_AUTO_TEST_SUITE(metadata)

BOOST_AUTO_TEST_CASE(names_types_as_prometheus_does) {
  BOOST_TEST(std::string(to_string(metric_type::untyped)) == "untyped");
  BOOST_TEST(std::string(api_type_name(metric_type::untyped)) == "unknown");
  BOOST_TEST(std::string(api_type_name(metric_type::counter)) == "counter");
  BOOST_TEST(std::string(api_type_name(metric_type::gaugehistogram)) == "gaugehistogram");
  BOOST_TEST(std::string(api_type_name(metric_type::stateset)) == "stateset");
}

BOOST_AUTO_TEST_CASE(renders_an_empty_registry) {
  metadata_registry r;
  BOOST_TEST(render(r) == R"({"status":"success","data":{}})");
}

BOOST_AUTO_TEST_CASE(renders_sorted_names_golden) {
  metadata_registry r;
  std::vector<metric_metadata> md{{"up", metric_type::gauge, "Target is up.", ""},
                                  {"http_requests_total", metric_type::counter, "Requests <all>.", ""},
                                  {"latency", metric_type::histogram, "", "seconds"},
                                  {"", metric_type::gauge, "nameless entries are dropped", ""}};
  r.record(md);
  BOOST_TEST(r.size() == 3u);
  BOOST_TEST(render(r) ==
             R"({"status":"success","data":{)"
             R"("http_requests_total":[{"type":"counter","help":"Requests \u003call\u003e.","unit":""}],)"
             R"("latency":[{"type":"histogram","help":"","unit":"seconds"}],)"
             R"("up":[{"type":"gauge","help":"Target is up.","unit":""}]}})");
}

BOOST_AUTO_TEST_CASE(keeps_distinct_entries_newest_first) {
  metadata_registry r(10, 2);
  std::vector<metric_metadata> a{{"x", metric_type::counter, "one", ""}};
  std::vector<metric_metadata> b{{"x", metric_type::counter, "two", ""}};
  std::vector<metric_metadata> c{{"x", metric_type::untyped, "three", ""}};
  r.record(a);
  r.record(b);
  r.record(a); // a repeat moves to the front; nothing is added
  BOOST_TEST(render(r) == R"({"status":"success","data":{"x":[)"
                          R"({"type":"counter","help":"one","unit":""},)"
                          R"({"type":"counter","help":"two","unit":""}]}})");
  r.record(c); // at the cap of 2 entries: the oldest goes
  BOOST_TEST(render(r) == R"({"status":"success","data":{"x":[)"
                          R"({"type":"unknown","help":"three","unit":""},)"
                          R"({"type":"counter","help":"one","unit":""}]}})");
}

BOOST_AUTO_TEST_CASE(applies_limit_limit_per_metric_and_metric) {
  metadata_registry r;
  std::vector<metric_metadata> md{{"a", metric_type::gauge, "1", ""}, {"a", metric_type::gauge, "2", ""},
                                  {"b", metric_type::gauge, "", ""}, {"c", metric_type::gauge, "", ""}};
  r.record(md);
  BOOST_TEST(render(r, 0) == R"({"status":"success","data":{}})");
  BOOST_TEST(render(r, 1) == R"({"status":"success","data":{"a":[)"
                             R"({"type":"gauge","help":"2","unit":""},{"type":"gauge","help":"1","unit":""}]}})");
  BOOST_TEST(render(r, 1, 1) == R"({"status":"success","data":{"a":[{"type":"gauge","help":"2","unit":""}]}})");
  BOOST_TEST(render(r, -1, 0).find(R"("help":"1")") != std::string::npos);
  BOOST_TEST(render(r, -1, -1, "c") == R"({"status":"success","data":{"c":[{"type":"gauge","help":"","unit":""}]}})");
  BOOST_TEST(render(r, -1, -1, "nope") == R"({"status":"success","data":{}})");
}

BOOST_AUTO_TEST_CASE(drops_new_names_beyond_the_cap) {
  metadata_registry r(2, 4);
  std::vector<metric_metadata> md{{"a", metric_type::gauge, "", ""}, {"b", metric_type::gauge, "", ""},
                                  {"c", metric_type::gauge, "", ""}, {"a", metric_type::counter, "", ""}};
  r.record(md);
  BOOST_TEST(r.size() == 2u);
  BOOST_TEST(render(r, -1, -1, "c") == R"({"status":"success","data":{}})");
  BOOST_TEST(render(r, -1, 1, "a") == R"({"status":"success","data":{"a":[{"type":"counter","help":"","unit":""}]}})");
}

BOOST_AUTO_TEST_CASE(is_safe_to_use_from_many_threads) {
  metadata_registry r;
  std::atomic<int> empty_renders{0}; // Boost.Test assertions are not thread-safe
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&r, &empty_renders, t] {
      for (int i = 0; i < 500; ++i) {
        std::vector<metric_metadata> md{{"m" + std::to_string(i % 50), metric_type::gauge,
                                         "help " + std::to_string(t), ""}};
        r.record(md);
        if (i % 10 == 0 && r.render({}).empty()) ++empty_renders;
      }
    });
  for (auto& th : threads) th.join();
  BOOST_TEST(r.size() == 50u);
  BOOST_TEST(empty_renders.load() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
