// api/prom_json.hpp - responses of the Prometheus HTTP API (/api/v1/...) as
// JSON bytes, byte-for-byte as Prometheus renders them:
//
//   {"status":"success","data":{"resultType":"vector","result":[
//     {"metric":{"__name__":"up","job":"api"},"value":[1700000000.123,"1"]}]}}
//   {"status":"error","errorType":"bad_data","error":"..."}
//
// Timestamps are seconds, unquoted, written from the integer ms exactly as
// Prometheus' jsonutil.MarshalTimestamp does: always 3 decimals when there is
// a fraction (1700000000100 -> 1700000000.100), none for whole seconds.
// Values are strings formatted as Prometheus' jsonutil.MarshalValue: Go's
// strconv.AppendFloat(v, 'f', -1, 64), except 'e' when 0 < |v| < 1e-6 or
// |v| >= 1e21 ("1e+21", "1e-07"); "NaN", "+Inf", "-Inf". Strings are escaped as Go's encoding/json does (HTML-safe: <, >, &
// become \u003c, \u003e, \u0026; invalid UTF-8 becomes \ufffd).
//
// Pure: values in, bytes out. Thread-safety: free functions, no shared state.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// The request-parameter parsers (parse_time_param, parse_series_selector, ...)
// live in api/query_params.hpp; included here because every handler that
// renders these responses also parses those parameters.
#include "api/query_params.hpp"
#include "core/json.hpp"
#include "core/labels.hpp"
#include "core/sample.hpp"
#include "core/status.hpp"
#include "query/value.hpp"

namespace vigil::api {

/// How a vigil error is reported by the API: Prometheus' errorType and the
/// HTTP status Prometheus' respondError() pairs with it.
struct error_info {
  std::string_view type; ///< "bad_data", "execution", ...
  int http_status;
  friend bool operator==(const error_info&, const error_info&) = default;
};

/// errc -> errorType / HTTP status (Prometheus web/api/v1/api.go):
///   invalid_argument, out_of_order -> bad_data    400
///   resource_exhausted             -> execution   422 (Prometheus reports
///                                     query sample limits as execution)
///   not_found                      -> not_found   404
///   timeout                        -> timeout     503
///   canceled                       -> canceled    499 (nginx "client closed
///                                     request", as Prometheus >= 2.46)
///   unavailable                    -> unavailable 503 (Prometheus falls through
///                                     to 500; 503 tells clients to retry)
///   corruption, io_error, ok       -> internal    500
error_info error_info_for(errc code) noexcept;

/// HTTP status for an errorType string, as error_info_for() pairs them; unknown
/// types give 500. Also covers "not_acceptable" (406).
int http_status_for(std::string_view error_type) noexcept;

/// The `stats` object of a query answer, as Prometheus' stats.NewQueryStats
/// renders it for `stats=<anything>`: timings in seconds, sample counts.
struct query_stats {
  double eval_total_seconds = 0;          ///< evalTotalTime
  double result_sort_seconds = 0;         ///< resultSortTime
  double preparation_seconds = 0;         ///< queryPreparationTime
  double inner_eval_seconds = 0;          ///< innerEvalTime
  double queue_seconds = 0;               ///< execQueueTime
  double exec_total_seconds = 0;          ///< execTotalTime
  std::uint64_t total_queryable_samples = 0; ///< samples.totalQueryableSamples
  std::uint64_t peak_samples = 0;            ///< samples.peakSamples
};

/// A query result: resultType vector ("value"), matrix ("values"), scalar
/// ([t,"v"] from `r.scalar`) or string ([t,"s"] from `r.str` and
/// `r.scalar.t`); "warnings" follows "data" when non-empty. For a vector,
/// each series contributes its last sample; series without samples are
/// skipped. With `stats`, "data" ends with
/// "stats":{"timings":{"evalTotalTime":…,"resultSortTime":…,
/// "queryPreparationTime":…,"innerEvalTime":…,"execQueueTime":…,
/// "execTotalTime":…},"samples":{"totalQueryableSamples":…,"peakSamples":…}}.
std::string render_query_result(const query::query_result& r, const query_stats* stats = nullptr);

/// `/api/v1/series`: "data" is a list of label sets (objects).
std::string render_series_list(std::span<const labels> sets, std::span<const std::string> warnings = {});

/// `/api/v1/labels` and `/api/v1/label/<name>/values`: "data" is a list of
/// strings, in the given order (callers sort, as Prometheus does).
std::string render_string_list(std::span<const std::string> values, std::span<const std::string> warnings = {});

/// {"status":"success","data":<data_json>} for other endpoints.
/// @pre data_json is valid JSON (not checked).
std::string render_success_raw(std::string_view data_json, std::span<const std::string> warnings = {});

/// {"status":"error","errorType":<error_info_for(code).type>,"error":<message>}.
std::string render_error(errc code, std::string_view message);
/// Same, for a status (uses its code and message).
std::string render_error(const status& st);
/// Same, with an explicit errorType such as "bad_data" or "not_acceptable".
std::string render_error(std::string_view error_type, std::string_view message);

// ---- building blocks, for handlers that render other shapes ----------------

/// Appends `s` as a JSON string literal (quotes included), Go-escaped
/// (moved to core/json.hpp so that alert/ can use it too).
using ::vigil::append_json_string;
/// Appends ms as seconds: 1435781451781 -> 1435781451.781, 1000 -> 1.
void append_json_timestamp(std::string& out, timestamp_ms t);
/// Appends a sample value as a quoted string: "500", "0.1", "NaN", "1e+21".
void append_json_value(std::string& out, double v);
/// Appends a JSON number as Go's encoding/json writes a float64: shortest
/// 'f' form, 'e' form when |v| < 1e-6 or |v| >= 1e21 with the exponent's
/// leading zero dropped ("1e-7", "1e+21"). Not finite: 0 (JSON has no NaN).
void append_json_number(std::string& out, double v);
/// Appends the `stats` object described at render_query_result().
void append_query_stats(std::string& out, const query_stats& s);
/// Appends {"name":"value",...} in the set's (sorted) order.
void append_json_labels(std::string& out, const labels& ls);

} // namespace vigil::api
