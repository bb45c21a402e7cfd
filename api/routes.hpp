// api/routes.hpp - the HTTP API: path -> handler (the table is in routes.cpp,
// the handlers in routes_*.cpp, see routes_detail.hpp). Each handler checks
// the request with the pure parsers (endpoint_params, remote_write,
// json_ingest, text_import), turns it into actor requests through the api
// bridge, and renders the answer with the pure renderers (prom_json,
// status_json, tsdb_status, metadata). Every malformed request gets a 4xx
// with a Prometheus-style JSON error body.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "actors/defaults.hpp"
#include "actors/interfaces.hpp"
#include "api/http_server.hpp"
#include "api/rate_limit.hpp"
#include "query/response_memo.hpp"

namespace caf {
class actor_system;
}

namespace vigil {
class inline_queries;
}

namespace vigil::api {

struct api_settings {
  std::chrono::milliseconds query_timeout = defaults::query_timeout;
  /// Prometheus' limit on points per series in a range query.
  std::int64_t max_points = 11000;
  /// Limit on a decompressed remote-write body.
  std::size_t max_decoded_bytes = 256 << 20;
  /// Per-service ingest rate limits (api/rate_limit.hpp).
  rate_limit_options rate_limit;
  /// Rendered answers of fully cached range queries (shared with the query
  /// service); identical requests are answered from it. Null: none.
  std::shared_ptr<query::response_memo> memo;
  /// Instant queries cheap enough are run on the io thread that parsed them
  /// (actors/inline_queries.hpp; shared with the query service, which
  /// publishes its shard table there). Null: every query goes to the service.
  std::shared_ptr<inline_queries> shortcut;
};

/// Builds the request handler. Thread-safe: it is called from HTTP io
/// threads; all actor work happens inside `bridge`. The handler owns the
/// node's in-memory metric metadata registry (/api/v1/metadata), which lives
/// as long as the handler. `sys` is not used yet.
handler make_routes(caf::actor_system& sys, api_bridge_actor bridge, api_settings settings);

} // namespace vigil::api
