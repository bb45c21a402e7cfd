#include "api/tsdb_status.hpp"

#include <boost/test/unit_test.hpp>

using namespace vigil;
using namespace vigil::api;

BOOST_AUTO_TEST_SUITE(tsdb_status)

BOOST_AUTO_TEST_CASE(computes_cardinality_stats) {
  std::vector<labels> sets{labels{{"__name__", "up"}, {"job", "api"}},
                           labels{{"__name__", "up"}, {"job", "db"}},
                           labels{{"__name__", "http_requests_total"}, {"job", "api"}, {"code", "200"}}};
  auto s = compute_tsdb_status(sets);
  BOOST_TEST(s.num_series == 3u);
  BOOST_TEST(s.num_label_pairs == 5u); // __name__=up, __name__=http..., job=api, job=db, code=200
  BOOST_TEST((s.series_count_by_metric_name ==
              std::vector<tsdb_stat>{{"up", 2}, {"http_requests_total", 1}}));
  BOOST_TEST((s.label_value_count_by_label_name ==
              std::vector<tsdb_stat>{{"__name__", 2}, {"job", 2}, {"code", 1}}));
  // len(value) x series: __name__ 2*2 + 19; job 3*2 + 2; code 3.
  BOOST_TEST((s.memory_in_bytes_by_label_name ==
              std::vector<tsdb_stat>{{"__name__", 23}, {"job", 8}, {"code", 3}}));
  BOOST_TEST((s.series_count_by_label_value_pair ==
              std::vector<tsdb_stat>{{"__name__=up", 2}, {"job=api", 2}, {"__name__=http_requests_total", 1},
                                     {"code=200", 1}, {"job=db", 1}}));
}

BOOST_AUTO_TEST_CASE(keeps_the_top_n) {
  std::vector<labels> sets;
  for (int i = 0; i < 30; ++i)
    for (int k = 0; k <= i; ++k)
      sets.push_back(labels{{"__name__", "m" + std::to_string(i)}, {"k", std::to_string(k)}});
  auto s = compute_tsdb_status(sets, 3);
  BOOST_TEST((s.series_count_by_metric_name == std::vector<tsdb_stat>{{"m29", 30}, {"m28", 29}, {"m27", 28}}));
  BOOST_TEST(s.series_count_by_label_value_pair.size() == 3u);
}

BOOST_AUTO_TEST_CASE(renders_golden) {
  api::tsdb_status s;
  s.num_series = 2;
  s.num_label_pairs = 3;
  s.chunk_count = 4;
  s.min_time = 1000;
  s.max_time = 2000;
  s.series_count_by_metric_name = {{"up", 2}};
  s.label_value_count_by_label_name = {{"job", 2}};
  s.memory_in_bytes_by_label_name = {{"job", 6}};
  s.series_count_by_label_value_pair = {{"job=\"x\"", 1}};
  BOOST_TEST(render_tsdb_status(s) ==
             R"({"status":"success","data":{"headStats":{"numSeries":2,"numLabelPairs":3,"chunkCount":4,)"
             R"("minTime":1000,"maxTime":2000},"seriesCountByMetricName":[{"name":"up","value":2}],)"
             R"("labelValueCountByLabelName":[{"name":"job","value":2}],)"
             R"("memoryInBytesByLabelName":[{"name":"job","value":6}],)"
             R"("seriesCountByLabelValuePair":[{"name":"job=\"x\"","value":1}]}})");
}

BOOST_AUTO_TEST_CASE(renders_an_empty_store_as_prometheus_does) {
  auto s = compute_tsdb_status({});
  BOOST_TEST(render_tsdb_status(s) ==
             R"({"status":"success","data":{"headStats":{"numSeries":0,"numLabelPairs":0,"chunkCount":0,)"
             R"("minTime":9223372036854775807,"maxTime":-9223372036854775808},"seriesCountByMetricName":[],)"
             R"("labelValueCountByLabelName":[],"memoryInBytesByLabelName":[],"seriesCountByLabelValuePair":[]}})");
}

BOOST_AUTO_TEST_SUITE_END()
