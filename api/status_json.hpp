// api/status_json.hpp - bodies of the Prometheus HTTP API's status endpoints
// (/api/v1/status/buildinfo, /status/runtimeinfo) and of the endpoints vigil
// answers with empty-but-valid Prometheus shapes (targets, rules, alerts,
// config, flags, ...), so that Grafana, promtool and other clients that ask
// for them get what they expect.
//
// Pure: values in, bytes out. Thread-safety: free functions, no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/sample.hpp"

namespace vigil::api {

/// Prometheus' PrometheusVersion, for /api/v1/status/buildinfo.
struct build_info {
  std::string version;    ///< vigil's version ("0.1.0"); Grafana reads it as semver
  std::string revision;   ///< source revision, "" when unknown
  std::string branch;     ///< "" when unknown
  std::string build_user; ///< "" when unknown
  std::string build_date; ///< "20240501-12:00:00", "" when unknown
  std::string go_version; ///< the toolchain: "C++20, g++ 12.2.0"
};

/// {"status":"success","data":{"version":…,"revision":…,"branch":…,
/// "buildUser":…,"buildDate":…,"goVersion":…}}
std::string render_build_info(const build_info& b);

/// Prometheus' RuntimeInfo, for /api/v1/status/runtimeinfo, with the Go
/// runtime's fields mapped onto the process: goroutineCount is the number of
/// OS threads, GOMAXPROCS the number of hardware threads.
struct runtime_info {
  timestamp_ms start_time = 0;
  std::string cwd;
  bool reload_config_success = true;
  timestamp_ms last_config_time = 0;
  std::int64_t corruption_count = 0;
  std::int64_t goroutine_count = 0;
  std::int64_t gomaxprocs = 0;
  std::string gogc;
  std::string godebug;
  std::string storage_retention;
};

/// {"status":"success","data":{"startTime":"2024-05-01T12:00:00.5Z","CWD":…,
/// "reloadConfigSuccess":true,"lastConfigTime":…,"corruptionCount":0,
/// "goroutineCount":…,"GOMAXPROCS":…,"GOGC":…,"GODEBUG":…,
/// "storageRetention":…}}; times as Go's time.Time JSON in UTC.
std::string render_runtime_info(const runtime_info& r);

/// Appends `t` as Go's time.Time JSON text (RFC 3339, fraction without
/// trailing zeros) in UTC, unquoted: 1700000000123 ->
/// 2023-11-14T22:13:20.123Z, 1700000000000 -> 2023-11-14T22:13:20Z.
void append_rfc3339(std::string& out, timestamp_ms t);

/// The full response body of an endpoint vigil answers with an empty
/// Prometheus shape, or "" for any other path:
///   /api/v1/targets            {"activeTargets":[],"droppedTargets":[]}
///   /api/v1/targets/metadata   []
///   /api/v1/alertmanagers      {"activeAlertmanagers":[],"droppedAlertmanagers":[]}
///   /api/v1/rules              {"groups":[]}
///   /api/v1/alerts             {"alerts":[]}
///   /api/v1/status/config      {"yaml":""}
///   /api/v1/status/flags       {}
///   /api/v1/status/walreplay   {"min":0,"max":0,"current":0}
///   /api/v1/query_exemplars    [] (vigil stores no exemplars)
std::string_view empty_shape_body(std::string_view path) noexcept;

} // namespace vigil::api
