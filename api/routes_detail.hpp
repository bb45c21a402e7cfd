// api/routes_detail.hpp - private to api/routes*.cpp: the state every route
// handler shares and the handlers themselves, one file per concern:
//   routes.cpp           the path -> handler table and dispatch
//   routes_ingest.cpp    POST /v1/metrics, /api/v1/write, /api/v1/import/prometheus
//   routes_query.cpp     query, query_range, query_exemplars, format_query
//   routes_metadata.cpp  series, labels, label values, metadata
//   routes_status.cpp    status/*, empty shapes, /-/ready, /metrics
//
// Handlers run on an HTTP io thread; all actor work happens in jobs they hand
// to the api bridge actor (ctx::run), where every request carries a timeout
// and both reply and error handlers answer the responder exactly once.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "actors/interfaces.hpp"
#include "api/http_server.hpp"
#include "api/metadata.hpp"
#include "api/request_params.hpp"
#include "api/routes.hpp"
#include "core/sample.hpp"
#include "core/status.hpp"

namespace vigil::api::detail {

using bridge_ptr = api_bridge_actor::pointer;

/// Counters for GET /metrics (process-wide, lock-free).
struct counters {
  std::atomic<std::uint64_t> samples_ingested{0};
  std::atomic<std::uint64_t> samples_duplicate{0};
  std::atomic<std::uint64_t> samples_out_of_order{0};
  std::atomic<std::uint64_t> samples_limited{0};
  std::atomic<std::uint64_t> samples_rate_limited{0};
  std::atomic<std::uint64_t> requests_rate_limited{0};
  std::atomic<std::uint64_t> requests_rejected{0};
  std::atomic<std::uint64_t> queries{0};
  std::atomic<std::uint64_t> queries_failed{0};
  std::atomic<std::uint64_t> queries_memoized{0}; ///< range queries answered from the response memo
};

/// What every handler shares. Copied into each job by value: it holds an
/// actor handle, plain settings and shared pointers to thread-safe objects.
struct ctx {
  api_bridge_actor bridge;
  api_settings settings;
  std::shared_ptr<counters> stats;
  /// Metric metadata seen by ingest (in memory only; see api/metadata.hpp).
  std::shared_ptr<metadata_registry> metadata;
  timestamp_ms start_time = 0; ///< when the routes were built (process start)
  /// Per-service ingest rate limits, shared by every io thread.
  std::shared_ptr<rate_limiter> limiter;

  /// Runs `f` inside the bridge actor (asynchronously; returns at once).
  void run(std::function<void(bridge_ptr, const api_handles&)> f) const;
};

/// One routed request.
struct call {
  http_request req;
  std::string path;      ///< without the query string
  request_params params; ///< query string (+ form body of a POST); read routes only
  std::string path_arg;  ///< the <name> of /api/v1/label/<name>/values, decoded
};

using route_fn = void (*)(const ctx&, call&, responder);

timestamp_ms now_ms();
http_response json(int code, std::string body);
http_response text(int code, std::string body);
/// The Prometheus error body and HTTP status for `st` (error_info_for()).
http_response error_response(const status& st);

// -- routes_ingest.cpp
void post_json_metrics(const ctx& c, call& r, responder done);
void post_remote_write(const ctx& c, call& r, responder done);
void post_text_import(const ctx& c, call& r, responder done);

// -- routes_query.cpp
void get_query(const ctx& c, call& r, responder done);
void get_query_range(const ctx& c, call& r, responder done);
void get_query_exemplars(const ctx& c, call& r, responder done);
void get_format_query(const ctx& c, call& r, responder done);

// -- routes_metadata.cpp
void get_series(const ctx& c, call& r, responder done);
void get_labels(const ctx& c, call& r, responder done);
void get_label_values(const ctx& c, call& r, responder done);
void get_metadata(const ctx& c, call& r, responder done);

// -- routes_status.cpp
void get_healthy(const ctx& c, call& r, responder done);
void get_ready(const ctx& c, call& r, responder done);
void get_self_metrics(const ctx& c, call& r, responder done);
void get_build_info(const ctx& c, call& r, responder done);
void get_runtime_info(const ctx& c, call& r, responder done);
void get_tsdb_status(const ctx& c, call& r, responder done);
/// The endpoints answered with an empty Prometheus shape (empty_shape_body).
void get_empty_shape(const ctx& c, call& r, responder done);

// -- routes_rules.cpp
/// GET (list) and POST (create or update from a rule file) /v1/alerts/rules.
void rule_groups(const ctx& c, call& r, responder done);
/// GET, PUT and DELETE /v1/alerts/rules/{group} (the name in call::path_arg).
void rule_group(const ctx& c, call& r, responder done);
void get_prom_rules(const ctx& c, call& r, responder done);
void get_prom_alerts(const ctx& c, call& r, responder done);
/// Answers /metrics with `text` plus the rule counters (text alone when the
/// rules supervisor does not answer).
void append_rule_metrics(const ctx& c, std::string text, responder done);
/// Appends the notifier's delivery counters (nothing when it is not running)
/// and continues with the text.
void append_notify_metrics(const ctx& c, std::string text, std::function<void(std::string)> next);

// -- routes_silences.cpp (Alertmanager API v2 shapes)
/// GET lists, POST adds /api/v2/silences.
void silences(const ctx& c, call& r, responder done);
void post_silence(const ctx& c, call& r, responder done);
void get_silences(const ctx& c, call& r, responder done);
/// DELETE /api/v2/silence/{id} (the id in call::path_arg): expires it.
void delete_silence(const ctx& c, call& r, responder done);

} // namespace vigil::api::detail
