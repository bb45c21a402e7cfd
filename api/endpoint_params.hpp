// api/endpoint_params.hpp - the parameters of each Prometheus HTTP API
// endpoint, validated as Prometheus 2.42 (web/api/v1/api.go) validates them
// and rejected in its words: `invalid parameter "step": cannot parse "x" to a
// valid duration`. Newer Prometheus parameters vigil also takes: `limit` on
// series/labels/label values (2.49) and `limit_per_metric` on metadata.
// Thanos' `partial_response` is taken on query and query_range.
//
// Every error is invalid_argument (HTTP 400, errorType bad_data).
// Pure: parameters in, values out. Thread-safety: free functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "api/metadata.hpp"
#include "api/request_params.hpp"
#include "core/labels.hpp"
#include "core/sample.hpp"
#include "core/status.hpp"

namespace vigil::api {

/// A PromQL evaluation as /api/v1/query (step 0, start == end == `time`) or
/// /api/v1/query_range asks for it.
struct eval_request {
  std::string query;
  timestamp_ms start = 0;
  timestamp_ms end = 0;
  timestamp_ms step = 0;
  std::int64_t timeout_ms = 0;
  bool partial_response = false; ///< `partial_response` (Go ParseBool)
  bool want_stats = false;       ///< `stats` is present and non-empty
  bool no_cache = false;         ///< `nocache` (Go ParseBool): skip the results cache
  friend bool operator==(const eval_request&, const eval_request&) = default;
};

/// What the server decides rather than the client.
struct eval_limits {
  timestamp_ms now = 0;                   ///< `time` when absent
  std::int64_t default_timeout_ms = 5000; ///< when `timeout` is absent or <= 0; also its cap
  std::int64_t max_points = 11000;        ///< per series of a range query
};

/// /api/v1/query: `query` (required), `time`, `timeout`, `stats`,
/// `partial_response`.
result<eval_request> parse_instant_query(const request_params& p, const eval_limits& lim);

/// /api/v1/query_range: `query`, `start`, `end`, `step` (required),
/// `timeout`, `stats`, `partial_response`; end >= start, step > 0, at most
/// `lim.max_points` steps.
result<eval_request> parse_range_query(const request_params& p, const eval_limits& lim);

/// What /api/v1/series, /labels and /label/<name>/values select.
struct selection_request {
  time_range range;                  ///< `start`, `end`; all time when absent
  std::vector<matchers> match;       ///< one per `match[]`; empty: every series
  std::size_t limit = 0;             ///< `limit`; 0: none
};

/// Parses `start`, `end`, every `match[]` and `limit` (non-negative integer).
/// @param match_required series needs at least one match[]: `no match[]
///        parameter provided` otherwise.
result<selection_request> parse_selection(const request_params& p, bool match_required);

/// Checks the <name> of /api/v1/label/<name>/values: `invalid label name: "1x"`.
status check_label_name(std::string_view name);

/// /api/v1/metadata: `limit` and `limit_per_metric` (integers: "limit must
/// be a number"), `metric`.
result<metadata_query> parse_metadata_query(const request_params& p);

/// /api/v1/status/tsdb: `limit`, the length of each top list (Prometheus
/// 2.45+; default 10): "limit must be a positive number" unless >= 1.
result<std::size_t> parse_tsdb_limit(const request_params& p);

/// /api/v1/query_exemplars: `start`, `end` (end >= start) and a `query` that
/// parses.
status check_exemplar_query(const request_params& p);

/// /api/v1/format_query: the canonical text of `query` (query/printer).
result<std::string> format_query(const request_params& p);

} // namespace vigil::api
