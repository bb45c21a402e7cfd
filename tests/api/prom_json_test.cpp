#include "api/prom_json.hpp"

#include <cmath>
#include <limits>

#include <boost/test/unit_test.hpp>

using namespace vigil;
using namespace vigil::api;

namespace {

std::string value(double v) {
  std::string s;
  append_json_value(s, v);
  return s;
}

std::string ts(timestamp_ms t) {
  std::string s;
  append_json_timestamp(s, t);
  return s;
}

std::string str(std::string_view v) {
  std::string s;
  append_json_string(s, v);
  return s;
}

} // namespace

BOOST_AUTO_TEST_SUITE(prom_json)

BOOST_AUTO_TEST_CASE(renders_vector_golden) {
  query::query_result r;
  r.type = query::value_type::vector;
  r.items = {series{labels{{"__name__", "api.latency"}, {"endpoint", "/users"}}, {{1700000000123, 500}}},
             series{labels{}, {{1700000000000, 0.1}}}};
  BOOST_TEST(render_query_result(r) ==
             R"({"status":"success","data":{"resultType":"vector","result":[)"
             R"({"metric":{"__name__":"api.latency","endpoint":"/users"},"value":[1700000000.123,"500"]},)"
             R"({"metric":{},"value":[1700000000,"0.1"]}]}})");
}

BOOST_AUTO_TEST_CASE(renders_empty_vector_and_warnings) {
  query::query_result r;
  r.warnings = {"partial <data>"};
  BOOST_TEST(render_query_result(r) ==
             R"({"status":"success","data":{"resultType":"vector","result":[]},"warnings":["partial \u003cdata\u003e"]})");
}

BOOST_AUTO_TEST_CASE(renders_matrix_golden) {
  query::query_result r;
  r.type = query::value_type::matrix;
  r.items = {series{labels{{"__name__", "up"}, {"job", "a"}},
                    {{1435781430781, 1}, {1435781445781, 1}, {1435781460781, std::nan("")}}}};
  BOOST_TEST(render_query_result(r) ==
             R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"up","job":"a"},)"
             R"("values":[[1435781430.781,"1"],[1435781445.781,"1"],[1435781460.781,"NaN"]]}]}})");
}

BOOST_AUTO_TEST_CASE(renders_scalar_and_string_golden) {
  query::query_result s;
  s.type = query::value_type::scalar;
  s.scalar = {1435781451781, 1e21};
  BOOST_TEST(render_query_result(s) ==
             R"({"status":"success","data":{"resultType":"scalar","result":[1435781451.781,"1e+21"]}})");
  query::query_result t;
  t.type = query::value_type::string;
  t.scalar.t = 1435781451000;
  t.str = "hello \"world\"";
  BOOST_TEST(render_query_result(t) ==
             R"({"status":"success","data":{"resultType":"string","result":[1435781451,"hello \"world\""]}})");
}

BOOST_AUTO_TEST_CASE(renders_errors_golden) {
  BOOST_TEST(render_error(errc::invalid_argument, "invalid parameter \"query\"") ==
             R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"query\""})");
  BOOST_TEST(render_error(status(errc::timeout, "query timed out")) ==
             R"({"status":"error","errorType":"timeout","error":"query timed out"})");
  BOOST_TEST(render_error("not_acceptable", "x") == R"({"status":"error","errorType":"not_acceptable","error":"x"})");
}

BOOST_AUTO_TEST_CASE(maps_errc_to_prometheus_error_types) {
  BOOST_TEST((error_info_for(errc::invalid_argument) == error_info{"bad_data", 400}));
  BOOST_TEST((error_info_for(errc::out_of_order) == error_info{"bad_data", 400}));
  BOOST_TEST((error_info_for(errc::resource_exhausted) == error_info{"execution", 422}));
  BOOST_TEST((error_info_for(errc::not_found) == error_info{"not_found", 404}));
  BOOST_TEST((error_info_for(errc::timeout) == error_info{"timeout", 503}));
  BOOST_TEST((error_info_for(errc::canceled) == error_info{"canceled", 499}));
  BOOST_TEST((error_info_for(errc::unavailable) == error_info{"unavailable", 503}));
  BOOST_TEST((error_info_for(errc::corruption) == error_info{"internal", 500}));
  BOOST_TEST((error_info_for(errc::io_error) == error_info{"internal", 500}));
  for (auto c : {errc::invalid_argument, errc::resource_exhausted, errc::not_found, errc::timeout, errc::canceled,
                 errc::unavailable, errc::io_error})
    BOOST_TEST(http_status_for(error_info_for(c).type) == error_info_for(c).http_status);
  BOOST_TEST(http_status_for("not_acceptable") == 406);
  BOOST_TEST(http_status_for("whatever") == 500);
}

BOOST_AUTO_TEST_CASE(renders_series_labels_and_raw) {
  std::vector<labels> sets{labels{{"__name__", "up"}, {"job", "a"}}, labels{{"__name__", "x"}}};
  BOOST_TEST(render_series_list(sets) ==
             R"({"status":"success","data":[{"__name__":"up","job":"a"},{"__name__":"x"}]})");
  BOOST_TEST(render_series_list({}) == R"({"status":"success","data":[]})");
  std::vector<std::string> names{"__name__", "job"};
  std::vector<std::string> warn{"w"};
  BOOST_TEST(render_string_list(names, warn) == R"({"status":"success","data":["__name__","job"],"warnings":["w"]})");
  BOOST_TEST(render_success_raw(R"({"a":1})") == R"({"status":"success","data":{"a":1}})");
}

BOOST_AUTO_TEST_CASE(formats_values_as_prometheus) {
  BOOST_TEST(value(0.1) == R"("0.1")");
  BOOST_TEST(value(500) == R"("500")");
  BOOST_TEST(value(-0.0) == R"("-0")");
  BOOST_TEST(value(0) == R"("0")");
  BOOST_TEST(value(1e20) == R"("100000000000000000000")");
  BOOST_TEST(value(1e21) == R"("1e+21")");
  BOOST_TEST(value(123456789.125) == R"("123456789.125")");
  BOOST_TEST(value(1e-6) == R"("0.000001")");
  BOOST_TEST(value(9.9e-7) == R"("9.9e-07")");
  BOOST_TEST(value(-2.5e-300) == R"("-2.5e-300")");
  BOOST_TEST(value(std::nan("")) == R"("NaN")");
  BOOST_TEST(value(stale_nan()) == R"("NaN")");
  BOOST_TEST(value(std::numeric_limits<double>::infinity()) == R"("+Inf")");
  BOOST_TEST(value(-std::numeric_limits<double>::infinity()) == R"("-Inf")");
}

BOOST_AUTO_TEST_CASE(formats_timestamps_as_prometheus) {
  BOOST_TEST(ts(1435781451781) == "1435781451.781");
  BOOST_TEST(ts(1435781451780) == "1435781451.780"); // Prometheus keeps the trailing zero
  BOOST_TEST(ts(1435781451001) == "1435781451.001");
  BOOST_TEST(ts(1435781451000) == "1435781451");
  BOOST_TEST(ts(0) == "0");
  BOOST_TEST(ts(-1500) == "-1.500");
  BOOST_TEST(ts(-1) == "-0.001");
  BOOST_TEST(ts(std::numeric_limits<timestamp_ms>::min()) == "-9223372036854775.808");
}

BOOST_AUTO_TEST_CASE(escapes_strings_as_go) {
  BOOST_TEST(str("plain") == R"("plain")");
  BOOST_TEST(str("q\"b\\") == R"("q\"b\\")");
  BOOST_TEST(str("\n\r\t\x01\x1f") == R"("\n\r\t\u0001\u001f")");
  BOOST_TEST(str("<a>&") == R"("\u003ca\u003e\u0026")");
  BOOST_TEST(str("h\xC3\xA9 \xF0\x9F\x98\x80") == "\"h\xC3\xA9 \xF0\x9F\x98\x80\"");
  BOOST_TEST(str("\xE2\x80\xA8|\xE2\x80\xA9") == R"("\u2028|\u2029")");
  BOOST_TEST(str("a\xFFz\xC3") == R"("a\ufffdz\ufffd")");
}

BOOST_AUTO_TEST_CASE(writes_json_numbers_as_go_encoding_json) {
  auto num = [](double v) {
    std::string s;
    append_json_number(s, v);
    return s;
  };
  BOOST_TEST(num(0) == "0");
  BOOST_TEST(num(0.5) == "0.5");
  BOOST_TEST(num(12) == "12");
  BOOST_TEST(num(0.000123) == "0.000123");
  BOOST_TEST(num(1e-6) == "0.000001");
  BOOST_TEST(num(1.5e-7) == "1.5e-7");
  BOOST_TEST(num(1e-10) == "1e-10");
  BOOST_TEST(num(1e21) == "1e+21");
  BOOST_TEST(num(-2.5e-8) == "-2.5e-8");
  BOOST_TEST(num(std::nan("")) == "0");
}

BOOST_AUTO_TEST_CASE(renders_stats_inside_data_golden) {
  query::query_result r;
  r.type = query::value_type::scalar;
  r.scalar = {1700000000000, 2};
  query_stats s;
  s.eval_total_seconds = 0.0015;
  s.preparation_seconds = 0.001;
  s.inner_eval_seconds = 0.0005;
  s.queue_seconds = 1e-7;
  s.exec_total_seconds = 0.002;
  s.total_queryable_samples = 42;
  s.peak_samples = 7;
  BOOST_TEST(render_query_result(r, &s) ==
             R"({"status":"success","data":{"resultType":"scalar","result":[1700000000,"2"],)"
             R"("stats":{"timings":{"evalTotalTime":0.0015,"resultSortTime":0,"queryPreparationTime":0.001,)"
             R"("innerEvalTime":0.0005,"execQueueTime":1e-7,"execTotalTime":0.002},)"
             R"("samples":{"totalQueryableSamples":42,"peakSamples":7}}}})");
  r.warnings = {"w"};
  BOOST_TEST(render_query_result(r, &s).ends_with(R"("peakSamples":7}}},"warnings":["w"]})"));
  BOOST_TEST(render_query_result(r) ==
             R"({"status":"success","data":{"resultType":"scalar","result":[1700000000,"2"]},"warnings":["w"]})");
}

BOOST_AUTO_TEST_SUITE_END()
