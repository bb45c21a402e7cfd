#include "api/status_json.hpp"

#include <chrono>

#include "api/prom_json.hpp"

namespace vigil::api {

namespace {

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out += '"';
  out += name;
  out += "\":";
  append_json_string(out, value);
}

void append_field(std::string& out, std::string_view name, std::int64_t value) {
  out += '"';
  out += name;
  out += "\":";
  out += std::to_string(value);
}

void append_time_field(std::string& out, std::string_view name, timestamp_ms t) {
  out += '"';
  out += name;
  out += "\":\"";
  append_rfc3339(out, t);
  out += '"';
}

void append_two(std::string& out, unsigned v) {
  out += static_cast<char>('0' + v / 10 % 10);
  out += static_cast<char>('0' + v % 10);
}

} // namespace

void append_rfc3339(std::string& out, timestamp_ms t) {
  using namespace std::chrono;
  const sys_time<milliseconds> tp{milliseconds{t}};
  const auto day = floor<days>(tp);
  const year_month_day ymd{day};
  const hh_mm_ss<milliseconds> hms{tp - day};
  int year = static_cast<int>(ymd.year());
  if (year < 0) out += '-';
  std::string y = std::to_string(year < 0 ? -year : year);
  if (y.size() < 4) out.append(4 - y.size(), '0');
  out += y;
  out += '-';
  append_two(out, static_cast<unsigned>(ymd.month()));
  out += '-';
  append_two(out, static_cast<unsigned>(ymd.day()));
  out += 'T';
  append_two(out, static_cast<unsigned>(hms.hours().count()));
  out += ':';
  append_two(out, static_cast<unsigned>(hms.minutes().count()));
  out += ':';
  append_two(out, static_cast<unsigned>(hms.seconds().count()));
  if (auto ms = static_cast<unsigned>(hms.subseconds().count()); ms != 0) {
    out += '.';
    out += static_cast<char>('0' + ms / 100);
    if (ms % 100 != 0) out += static_cast<char>('0' + ms / 10 % 10);
    if (ms % 10 != 0) out += static_cast<char>('0' + ms % 10);
  }
  out += 'Z';
}

std::string render_build_info(const build_info& b) {
  std::string d = "{";
  append_field(d, "version", b.version);
  d += ',';
  append_field(d, "revision", b.revision);
  d += ',';
  append_field(d, "branch", b.branch);
  d += ',';
  append_field(d, "buildUser", b.build_user);
  d += ',';
  append_field(d, "buildDate", b.build_date);
  d += ',';
  append_field(d, "goVersion", b.go_version);
  d += '}';
  return render_success_raw(d);
}

std::string render_runtime_info(const runtime_info& r) {
  std::string d = "{";
  append_time_field(d, "startTime", r.start_time);
  d += ',';
  append_field(d, "CWD", r.cwd);
  d += R"(,"reloadConfigSuccess":)";
  d += r.reload_config_success ? "true" : "false";
  d += ',';
  append_time_field(d, "lastConfigTime", r.last_config_time);
  d += ',';
  append_field(d, "corruptionCount", r.corruption_count);
  d += ',';
  append_field(d, "goroutineCount", r.goroutine_count);
  d += ',';
  append_field(d, "GOMAXPROCS", r.gomaxprocs);
  d += ',';
  append_field(d, "GOGC", r.gogc);
  d += ',';
  append_field(d, "GODEBUG", r.godebug);
  d += ',';
  append_field(d, "storageRetention", r.storage_retention);
  d += '}';
  return render_success_raw(d);
}

std::string_view empty_shape_body(std::string_view path) noexcept {
  struct shape {
    std::string_view path;
    std::string_view body;
  };
  static constexpr shape shapes[] = {
    {"/api/v1/targets",
     R"({"status":"success","data":{"activeTargets":[],"droppedTargets":[]}})"},
    {"/api/v1/targets/metadata", R"({"status":"success","data":[]})"},
    {"/api/v1/alertmanagers",
     R"({"status":"success","data":{"activeAlertmanagers":[],"droppedAlertmanagers":[]}})"},
    {"/api/v1/rules", R"({"status":"success","data":{"groups":[]}})"},
    {"/api/v1/alerts", R"({"status":"success","data":{"alerts":[]}})"},
    {"/api/v1/status/config", R"({"status":"success","data":{"yaml":""}})"},
    {"/api/v1/status/flags", R"({"status":"success","data":{}})"},
    {"/api/v1/status/walreplay", R"({"status":"success","data":{"min":0,"max":0,"current":0}})"},
    {"/api/v1/query_exemplars", R"({"status":"success","data":[]})"},
  };
  for (const auto& s : shapes)
    if (s.path == path) return s.body;
  return {};
}

} // namespace vigil::api
