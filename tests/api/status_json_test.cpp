#include "api/status_json.hpp"

#include <boost/test/unit_test.hpp>

using namespace vigil;
using namespace vigil::api;

namespace {

std::string rfc3339(timestamp_ms t) {
  std::string s;
  append_rfc3339(s, t);
  return s;
}

} // namespace

BOOST_AUTO_TEST_SUITE(status_json)

BOOST_AUTO_TEST_CASE(writes_times_as_go_json_does) {
  BOOST_TEST(rfc3339(0) == "1970-01-01T00:00:00Z");
  BOOST_TEST(rfc3339(1700000000000) == "2023-11-14T22:13:20Z");
  BOOST_TEST(rfc3339(1700000000123) == "2023-11-14T22:13:20.123Z");
  BOOST_TEST(rfc3339(1700000000120) == "2023-11-14T22:13:20.12Z");
  BOOST_TEST(rfc3339(1700000000100) == "2023-11-14T22:13:20.1Z");
  BOOST_TEST(rfc3339(1700000000005) == "2023-11-14T22:13:20.005Z");
  BOOST_TEST(rfc3339(-1) == "1969-12-31T23:59:59.999Z");
  BOOST_TEST(rfc3339(951782400000) == "2000-02-29T00:00:00Z");
}

BOOST_AUTO_TEST_CASE(renders_build_info_golden) {
  build_info b{"0.1.0", "abc123", "", "", "20240501-12:00:00", "C++20, g++ 12.2.0"};
  BOOST_TEST(render_build_info(b) ==
             R"({"status":"success","data":{"version":"0.1.0","revision":"abc123","branch":"",)"
             R"("buildUser":"","buildDate":"20240501-12:00:00","goVersion":"C++20, g++ 12.2.0"}})");
}

BOOST_AUTO_TEST_CASE(renders_runtime_info_golden) {
  runtime_info r;
  r.start_time = 1700000000500;
  r.cwd = "/var/lib/vigil";
  r.last_config_time = 1700000000500;
  r.goroutine_count = 12;
  r.gomaxprocs = 2;
  r.storage_retention = "unlimited";
  BOOST_TEST(render_runtime_info(r) ==
             R"({"status":"success","data":{"startTime":"2023-11-14T22:13:20.5Z","CWD":"/var/lib/vigil",)"
             R"("reloadConfigSuccess":true,"lastConfigTime":"2023-11-14T22:13:20.5Z","corruptionCount":0,)"
             R"("goroutineCount":12,"GOMAXPROCS":2,"GOGC":"","GODEBUG":"","storageRetention":"unlimited"}})");
}

BOOST_AUTO_TEST_CASE(answers_empty_shapes_for_known_paths_only) {
  BOOST_TEST(empty_shape_body("/api/v1/targets") ==
             R"({"status":"success","data":{"activeTargets":[],"droppedTargets":[]}})");
  BOOST_TEST(empty_shape_body("/api/v1/rules") == R"({"status":"success","data":{"groups":[]}})");
  BOOST_TEST(empty_shape_body("/api/v1/alerts") == R"({"status":"success","data":{"alerts":[]}})");
  BOOST_TEST(empty_shape_body("/api/v1/status/config") == R"({"status":"success","data":{"yaml":""}})");
  BOOST_TEST(empty_shape_body("/api/v1/status/flags") == R"({"status":"success","data":{}})");
  BOOST_TEST(empty_shape_body("/api/v1/query_exemplars") == R"({"status":"success","data":[]})");
  BOOST_TEST(empty_shape_body("/api/v1/query").empty());
}

BOOST_AUTO_TEST_SUITE_END()
