// api/json_ingest.hpp - the JSON body of `POST /v1/metrics` -> write_batch.
//
// Pure: bytes in, values out. The body is one object or an array of objects:
//
//   {"name": "api.latency", "value": 500,
//    "labels": {"endpoint": "/users"}, "timestamp": 1714564800123}
//
//  - "name"      required; non-empty string, `[a-zA-Z_:.][a-zA-Z0-9_:.]*`.
//  - "value"     required; a JSON number, or a string Go's ParseFloat accepts
//                ("NaN", "+Inf", "-Inf", "Inf", "1.5e3", ...).
//  - "labels"    optional (null == absent); object of string -> string. Names
//                `[a-zA-Z_][a-zA-Z0-9_]*`, not "__name__", not repeated.
//                Empty values are dropped (Prometheus: empty == absent).
//  - "timestamp" optional (null == absent); integer ms since the epoch, or an
//                RFC 3339 string ("2024-05-01T12:00:00.123+02:00"). Default:
//                the `now` argument.
//  - other fields are ignored (lenient, as VictoriaMetrics); a field given
//    twice in one object is an error.
//
// Thread-safety: free function without shared state; call from any thread.
#pragma once

#include <string_view>

#include "core/sample.hpp"
#include "core/series.hpp"
#include "core/status.hpp"

namespace vigil::api {

/// Decodes a `POST /v1/metrics` body.
///
/// Items with the same name and labels merge into one series whose samples
/// are stable-sorted by timestamp; series keep the order of first appearance.
/// An empty array yields an empty batch. The first invalid item rejects the
/// whole body.
///
/// @param body the raw HTTP body (UTF-8 JSON; simdjson validates the UTF-8).
/// @param now the timestamp of items without "timestamp" (the caller's clock).
/// @returns the batch, or invalid_argument naming the item and field, e.g.
///   `item 3: field "value": expected a number, got a boolean`
///   (no "item N: " prefix when the body is a single object), or
///   `invalid JSON: ...` with simdjson's reason.
result<write_batch> decode_json_metrics(std::string_view body, timestamp_ms now);

} // namespace vigil::api
