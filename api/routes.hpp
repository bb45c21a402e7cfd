// api/routes.hpp - the HTTP API: path -> handler. Each handler decodes the
// request with the pure codecs (remote_write, json_ingest, text_import,
// prom_json) and turns it into one actor request through the api bridge.
#pragma once

#include <chrono>
#include <cstdint>

#include "actors/defaults.hpp"
#include "actors/interfaces.hpp"
#include "api/http_server.hpp"

namespace caf {
class actor_system;
}

namespace vigil::api {

struct api_settings {
  std::chrono::milliseconds query_timeout = defaults::query_timeout;
  /// Prometheus' limit on points per series in a range query.
  std::int64_t max_points = 11000;
  /// Limit on a decompressed remote-write body.
  std::size_t max_decoded_bytes = 256 << 20;
};

/// Builds the request handler. Thread-safe: it is called from HTTP io
/// threads; all actor work happens inside `bridge`.
handler make_routes(caf::actor_system& sys, api_bridge_actor bridge, api_settings settings);

} // namespace vigil::api
