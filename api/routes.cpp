// The path -> handler table and the dispatch every request goes through:
// 404 for unknown paths, 405 (with Allow) for a method the path does not
// take, HEAD as GET without the body, OPTIONS as 204 with Allow. All three
// error answers are Prometheus-style JSON.
#include "api/routes.hpp"

#include <chrono>
#include <exception>

#include <caf/send.hpp>

#include "api/prom_json.hpp"
#include "api/routes_detail.hpp"

namespace vigil::api {

namespace detail {

timestamp_ms now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

http_response json(int code, std::string body) { return {code, "application/json", std::move(body), {}, nullptr}; }

http_response text(int code, std::string body) {
  return {code, "text/plain; charset=utf-8", std::move(body), {}, nullptr};
}

http_response error_response(const status& st) {
  auto e = error_info_for(st.code());
  return json(e.http_status, render_error(e.type, st.message()));
}

void ctx::run(std::function<void(bridge_ptr, const api_handles&)> f) const {
  caf::anon_send(bridge, api_job{std::move(f)});
}

} // namespace detail

namespace {

using namespace detail;

enum method_bits : unsigned { get = 1, post = 2, get_post = get | post, put = 4, del = 8 };

struct route {
  std::string_view path;
  unsigned methods;
  bool reads_params; ///< parse the query string (and a form body)
  route_fn fn;
};

constexpr std::string_view label_values_pattern = "/api/v1/label/:name/values";
constexpr std::string_view rule_group_pattern = "/v1/alerts/rules/:group";
constexpr std::string_view silence_pattern = "/api/v2/silence/:id";

// Read endpoints take GET (and HEAD) and form POST, as Prometheus' query
// endpoints do; ingest endpoints take POST only.
constexpr route routes[] = {
  {"/-/healthy", get, false, get_healthy},
  {"/-/ready", get, false, get_ready},
  {"/metrics", get, false, get_self_metrics},
  {"/v1/metrics", post, false, post_json_metrics},
  {"/api/v1/write", post, false, post_remote_write},
  {"/api/v1/import/prometheus", post, false, post_text_import},
  {"/api/v1/query", get_post, true, get_query},
  {"/api/v1/query_range", get_post, true, get_query_range},
  {"/api/v1/query_exemplars", get_post, true, get_query_exemplars},
  {"/api/v1/format_query", get_post, true, get_format_query},
  {"/api/v1/series", get_post, true, get_series},
  {"/api/v1/labels", get_post, true, get_labels},
  {label_values_pattern, get_post, true, get_label_values},
  {"/api/v1/metadata", get_post, true, get_metadata},
  {"/api/v1/status/buildinfo", get_post, true, get_build_info},
  {"/api/v1/status/runtimeinfo", get_post, true, get_runtime_info},
  {"/api/v1/status/tsdb", get_post, true, get_tsdb_status},
  {"/api/v1/status/config", get_post, true, get_empty_shape},
  {"/api/v1/status/flags", get_post, true, get_empty_shape},
  {"/api/v1/status/walreplay", get_post, true, get_empty_shape},
  {"/api/v1/targets", get_post, true, get_empty_shape},
  {"/api/v1/targets/metadata", get_post, true, get_empty_shape},
  {"/api/v1/alertmanagers", get_post, true, get_empty_shape},
  {"/api/v1/rules", get_post, true, get_prom_rules},
  {"/api/v1/alerts", get_post, true, get_prom_alerts},
  {"/v1/alerts/rules", get_post, false, rule_groups},
  {rule_group_pattern, get | put | del, false, rule_group},
  {"/api/v2/silences", get_post, false, silences},
  {silence_pattern, del, false, delete_silence},
};

/// The route for `path`; sets `arg` for /api/v1/label/<name>/values.
const route* find_route(std::string_view path, std::string& arg) {
  constexpr std::string_view prefix = "/api/v1/label/";
  constexpr std::string_view suffix = "/values";
  std::string_view key = path;
  if (path.starts_with(prefix) && path.ends_with(suffix) && path.size() > prefix.size() + suffix.size()) {
    arg = url_decode(path.substr(prefix.size(), path.size() - prefix.size() - suffix.size()));
    key = label_values_pattern;
  }
  constexpr std::string_view rules_prefix = "/v1/alerts/rules/";
  if (path.starts_with(rules_prefix) && path.size() > rules_prefix.size()) {
    arg = url_decode(path.substr(rules_prefix.size()));
    key = rule_group_pattern;
  }
  constexpr std::string_view silence_prefix = "/api/v2/silence/";
  if (path.starts_with(silence_prefix) && path.size() > silence_prefix.size()) {
    arg = url_decode(path.substr(silence_prefix.size()));
    key = silence_pattern;
  }
  for (const auto& r : routes)
    if (r.path == key) return &r;
  return nullptr;
}

std::string allow_header(unsigned methods) {
  std::string out;
  if (methods & get) out += "GET, HEAD";
  if (methods & post) out += out.empty() ? "POST" : ", POST";
  if (methods & put) out += out.empty() ? "PUT" : ", PUT";
  if (methods & del) out += out.empty() ? "DELETE" : ", DELETE";
  return out + ", OPTIONS";
}

/// Whether `method` may be used on `rt`; answers OPTIONS and 405 itself.
bool method_allowed(const route& rt, const std::string& method, const responder& done) {
  const bool is_get = method == "GET" || method == "HEAD";
  if ((is_get && (rt.methods & get)) || (method == "POST" && (rt.methods & post)) ||
      (method == "PUT" && (rt.methods & put)) || (method == "DELETE" && (rt.methods & del)))
    return true;
  auto allow = allow_header(rt.methods);
  if (method == "OPTIONS") {
    done({204, "text/plain", "", {{"Allow", allow}}, nullptr});
    return false;
  }
  auto resp = json(405, render_error("bad_data", "method " + method + " not allowed for " +
                                                   std::string(rt.path) + " (allowed: " + allow + ")"));
  resp.headers.emplace_back("Allow", std::move(allow));
  done(std::move(resp));
  return false;
}

void dispatch(const ctx& c, http_request&& req, responder done) {
  auto [path, qs] = split_target(req.target);
  call r;
  const route* rt = find_route(path, r.path_arg);
  if (rt == nullptr)
    return done(json(404, render_error("not_found", "no such endpoint: " + std::string(path))));
  if (!method_allowed(*rt, req.method, done)) return;
  const bool post = req.method == "POST";
  if (rt->reads_params) r.params = request_params::from(qs, post ? req.content_type : "", post ? req.body : "");
  r.path = std::string(path);
  if (req.method == "HEAD")
    done = [inner = std::move(done)](http_response resp) {
      resp.body.clear();
      inner(std::move(resp));
    };
  r.req = std::move(req);
  rt->fn(c, r, std::move(done));
}

} // namespace

handler make_routes(caf::actor_system&, api_bridge_actor bridge, api_settings settings) {
  ctx c{std::move(bridge), settings, std::make_shared<counters>(), std::make_shared<metadata_registry>(),
        now_ms(), std::make_shared<rate_limiter>(settings.rate_limit)};
  return [c](http_request&& r, responder done) {
    // No exception leaves a handler: a failure to allocate answers 500.
    responder fallback = done;
    try {
      dispatch(c, std::move(r), std::move(done));
    } catch (const std::exception& e) {
      fallback(json(500, render_error("internal", e.what())));
    }
  };
}

} // namespace vigil::api
