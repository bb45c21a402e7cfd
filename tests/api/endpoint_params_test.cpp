#include "api/endpoint_params.hpp"

#include <boost/test/unit_test.hpp>

using namespace vigil;
using namespace vigil::api;

namespace {

request_params params(std::string_view qs) { return request_params::from(qs, "", ""); }

const eval_limits limits{1700000000000, 5000, 11000};

template <class T>
std::string error_of(const result<T>& r) {
  BOOST_REQUIRE_MESSAGE(!r.has_value(), "expected an error");
  BOOST_TEST((r.error().code() == errc::invalid_argument));
  return r.error().message();
}

std::string error_of(const status& st) {
  BOOST_REQUIRE_MESSAGE(!st.is_ok(), "expected an error");
  BOOST_TEST((st.code() == errc::invalid_argument));
  return st.message();
}

template <class T>
const T& ok(const result<T>& r) {
  BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().to_string()));
  return *r;
}

} // namespace

BOOST_AUTO_TEST_SUITE(endpoint_params)

BOOST_AUTO_TEST_CASE(parses_an_instant_query_with_defaults) {
  auto q = ok(parse_instant_query(params("query=up"), limits));
  BOOST_TEST((q == eval_request{"up", 1700000000000, 1700000000000, 0, 5000, false, false}));
  q = ok(parse_instant_query(params("query=sum(x)&time=1.5&timeout=2s&stats=all&partial_response=true"),
                             limits));
  BOOST_TEST((q == eval_request{"sum(x)", 1500, 1500, 0, 2000, true, true}));
  q = ok(parse_instant_query(params("query=up&nocache=1"), limits));
  BOOST_TEST(q.no_cache);
  BOOST_TEST(!parse_instant_query(params("query=up&nocache=maybe"), limits));
}

BOOST_AUTO_TEST_CASE(caps_the_timeout_and_ignores_non_positive_ones) {
  BOOST_TEST(ok(parse_instant_query(params("query=up&timeout=1m"), limits)).timeout_ms == 5000);
  BOOST_TEST(ok(parse_instant_query(params("query=up&timeout=0"), limits)).timeout_ms == 5000);
  BOOST_TEST(ok(parse_instant_query(params("query=up&timeout=0.25"), limits)).timeout_ms == 250);
}

BOOST_AUTO_TEST_CASE(rejects_bad_instant_query_params_in_prometheus_words) {
  BOOST_TEST(error_of(parse_instant_query(params(""), limits)) ==
             "invalid parameter \"query\": 1:1: parse error: no expression found in input");
  BOOST_TEST(error_of(parse_instant_query(params("query=up&time=soon"), limits)) ==
             "invalid parameter \"time\": cannot parse \"soon\" to a valid timestamp");
  BOOST_TEST(error_of(parse_instant_query(params("query=up&timeout=x"), limits)) ==
             "invalid parameter \"timeout\": cannot parse \"x\" to a valid duration");
  BOOST_TEST(error_of(parse_instant_query(params("query=up&partial_response=yes"), limits)) ==
             "invalid parameter \"partial_response\": strconv.ParseBool: parsing \"yes\": invalid syntax");
}

BOOST_AUTO_TEST_CASE(parses_a_range_query) {
  auto q = ok(parse_range_query(params("query=rate(x[5m])&start=1700000000&end=1700000060.5&step=15"),
                                limits));
  BOOST_TEST((q == eval_request{"rate(x[5m])", 1700000000000, 1700000060500, 15000, 5000, false, false}));
  q = ok(parse_range_query(params("query=x&start=2024-05-01T00:00:00Z&end=2024-05-01T01:00:00Z&step=1m"), limits));
  BOOST_TEST(q.step == 60000);
  BOOST_TEST(q.end - q.start == 3600000);
}

BOOST_AUTO_TEST_CASE(rejects_bad_range_query_params_in_prometheus_words) {
  auto err = [](std::string_view qs) { return error_of(parse_range_query(params(qs), limits)); };
  BOOST_TEST(err("query=x&end=2&step=1") == "invalid parameter \"start\": cannot parse \"\" to a valid timestamp");
  BOOST_TEST(err("query=x&start=1&end=a&step=1") ==
             "invalid parameter \"end\": cannot parse \"a\" to a valid timestamp");
  BOOST_TEST(err("query=x&start=10&end=5&step=1") ==
             "invalid parameter \"end\": end timestamp must not be before start time");
  BOOST_TEST(err("query=x&start=1&end=2") == "invalid parameter \"step\": cannot parse \"\" to a valid duration");
  BOOST_TEST(err("query=x&start=1&end=2&step=-1") ==
             "invalid parameter \"step\": zero or negative query resolution step widths are not accepted. "
             "Try a positive integer");
  BOOST_TEST(err("query=x&start=0&end=11001&step=1") ==
             "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
             "resolution (?step=XX)");
  BOOST_TEST(err("query=x&start=-292273086-05-16T16:47:06Z&end=292277025-08-18T07:12:54.999999999Z&step=1") ==
             "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
             "resolution (?step=XX)");
}

BOOST_AUTO_TEST_CASE(allows_exactly_max_points) {
  BOOST_TEST(ok(parse_range_query(params("query=x&start=0&end=11000&step=1"), limits)).step == 1000);
}

BOOST_AUTO_TEST_CASE(prefers_form_body_values_like_go) {
  auto p = request_params::from("query=from_url&time=1", "application/x-www-form-urlencoded",
                                "query=from_body");
  BOOST_TEST(ok(parse_instant_query(p, limits)).query == "from_body");
}

BOOST_AUTO_TEST_CASE(parses_selections) {
  auto s = ok(parse_selection(params("match[]=up&match%5B%5D={job=%22a%22}&start=1&end=2&limit=5"), true));
  BOOST_TEST(s.match.size() == 2u);
  BOOST_TEST(s.match[1][0].to_string() == "job=\"a\"");
  BOOST_TEST(s.range.min == 1000);
  BOOST_TEST(s.range.max == 2000);
  BOOST_TEST(s.limit == 5u);
  auto all = ok(parse_selection(params(""), false));
  BOOST_TEST(all.match.empty());
  BOOST_TEST((all.range.min == time_range::all().min && all.range.max == time_range::all().max));
  BOOST_TEST(all.limit == 0u);
}

BOOST_AUTO_TEST_CASE(rejects_bad_selections) {
  BOOST_TEST(error_of(parse_selection(params(""), true)) == "no match[] parameter provided");
  BOOST_TEST(error_of(parse_selection(params("match[]=up&limit=x"), true)) ==
             "invalid parameter \"limit\": strconv.Atoi: parsing \"x\": invalid syntax");
  BOOST_TEST(error_of(parse_selection(params("limit=-1"), false)) ==
             "invalid parameter \"limit\": limit must be non-negative");
  BOOST_TEST(error_of(parse_selection(params("start=x"), false)) ==
             "invalid parameter \"start\": cannot parse \"x\" to a valid timestamp");
  BOOST_TEST(error_of(parse_selection(params("match[]={a=%22%22}"), false)).starts_with(
    "invalid parameter \"match[]\": invalid selector"));
}

BOOST_AUTO_TEST_CASE(checks_label_names) {
  BOOST_TEST(check_label_name("__name__").is_ok());
  BOOST_TEST(check_label_name("job").is_ok());
  BOOST_TEST(error_of(check_label_name("1x")) == "invalid label name: \"1x\"");
  BOOST_TEST(error_of(check_label_name("a.b")) == "invalid label name: \"a.b\"");
}

BOOST_AUTO_TEST_CASE(parses_metadata_queries) {
  auto q = ok(parse_metadata_query(params("")));
  BOOST_TEST(q.limit == -1);
  BOOST_TEST(q.limit_per_metric == -1);
  BOOST_TEST(q.metric.empty());
  q = ok(parse_metadata_query(params("limit=2&limit_per_metric=1&metric=up")));
  BOOST_TEST(q.limit == 2);
  BOOST_TEST(q.limit_per_metric == 1);
  BOOST_TEST(q.metric == "up");
  BOOST_TEST(error_of(parse_metadata_query(params("limit=x"))) == "limit must be a number");
  BOOST_TEST(error_of(parse_metadata_query(params("limit_per_metric=1.5"))) == "limit_per_metric must be a number");
}

BOOST_AUTO_TEST_CASE(parses_the_tsdb_limit) {
  BOOST_TEST(ok(parse_tsdb_limit(params(""))) == 10u);
  BOOST_TEST(ok(parse_tsdb_limit(params("limit=3"))) == 3u);
  BOOST_TEST(error_of(parse_tsdb_limit(params("limit=0"))) == "limit must be a positive number");
  BOOST_TEST(error_of(parse_tsdb_limit(params("limit=x"))) == "limit must be a positive number");
}

BOOST_AUTO_TEST_CASE(checks_exemplar_queries) {
  BOOST_TEST(check_exemplar_query(params("query=up&start=1&end=2")).is_ok());
  BOOST_TEST(check_exemplar_query(params("query=up")).is_ok());
  BOOST_TEST(error_of(check_exemplar_query(params("query=up&start=2&end=1"))) ==
             "end timestamp must not be before start timestamp");
  BOOST_TEST(error_of(check_exemplar_query(params("query=up&start=x"))) ==
             "invalid parameter \"start\": cannot parse \"x\" to a valid timestamp");
  BOOST_TEST(error_of(check_exemplar_query(params("query=sum("))).find("parse error") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(formats_queries_canonically) {
  BOOST_TEST(ok(format_query(params("query=sum(rate(x%5B5m%5D))by(job)"))) == "sum by (job) (rate(x[5m]))");
  BOOST_TEST(ok(format_query(params("query=1%2B1"))) == "1 + 1");
  BOOST_TEST(error_of(format_query(params("query=sum("))).starts_with("invalid parameter \"query\": "));
}

BOOST_AUTO_TEST_SUITE_END()
