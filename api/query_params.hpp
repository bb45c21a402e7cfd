// api/query_params.hpp - parsers for the parameters of the Prometheus HTTP API:
// times, durations, match[] series selectors and URL-encoded forms. They
// accept what Prometheus' web/api/v1 accepts and report errors in its words.
//
// Pure: strings in, values out. Thread-safety: free functions, no shared state.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/labels.hpp"
#include "core/sample.hpp"
#include "core/status.hpp"

namespace vigil::api {

/// Prometheus' v1.MinTime / v1.MaxTime in ms: what clients mean when they send
/// the literal strings "-292273086-05-16T16:47:06Z" and
/// "292277025-08-18T07:12:54.999999999Z" (client_golang does, for "unbounded").
inline constexpr timestamp_ms prometheus_min_time_ms = -9223309901257974000;
inline constexpr timestamp_ms prometheus_max_time_ms = 9223309901257974999;

/// Parses a time parameter (start, end, time) as Prometheus' parseTime:
/// float Unix seconds ("1700000000", "1700000000.123", "1.7e9"; rounded to
/// the nearest ms), an RFC 3339 time ("2024-05-01T12:00:00.5Z"), or one of the
/// two min/max time strings above.
/// @returns ms since the epoch, or invalid_argument
///   `cannot parse "x" to a valid timestamp`.
result<timestamp_ms> parse_time_param(std::string_view s);

/// Parses a duration parameter (step, timeout, lookback) as Prometheus'
/// parseDuration: float seconds ("15", "0.5", "1e3"; rounded to the nearest
/// ms; may be zero or negative: callers check), or a Prometheus duration
/// ("100ms", "15s", "5m", "1h30m", "2d", "1w", "1y" = 365d; units in
/// descending order, each at most once).
/// @returns milliseconds, or invalid_argument
///   `cannot parse "x" to a valid duration`.
result<timestamp_ms> parse_duration_param(std::string_view s);

/// Parses one match[] series selector: `name`, `name{l="v",...}` or
/// `{__name__=~"x",...}`, with operators = != =~ !~, PromQL string literals
/// ("...", '...' with Go escapes, `...` raw), blanks between tokens and an
/// optional trailing ','. Metric names may contain dots (vigil).
/// A name before '{' becomes a `__name__` equality matcher, placed first.
/// @returns the matchers (regexes compiled), or invalid_argument naming the
///   1-based byte offset: `invalid selector "up{job}": parse error at char 7:
///   expected a label matching operator (=, !=, =~, !~) after label name
///   "job"`; also when the selector names the metric twice, has a bad regex,
///   or every matcher matches the empty string (as Prometheus: "vector
///   selector must contain at least one non-empty matcher").
result<matchers> parse_series_selector(std::string_view s);

/// Parses an integer as Go's strconv.Atoi: optional sign, decimal digits
/// only (no blanks, no '_').
/// @returns the value, or invalid_argument with Go's text:
///   `strconv.Atoi: parsing "x": invalid syntax` or `... value out of range`.
result<std::int64_t> parse_go_int(std::string_view s);

/// Parses a boolean as Go's strconv.ParseBool: 1 t T TRUE true True, 0 f F
/// FALSE false False.
/// @returns the value, or `strconv.ParseBool: parsing "x": invalid syntax`.
result<bool> parse_go_bool(std::string_view s);

/// Decodes an application/x-www-form-urlencoded body or a query string into
/// (name, value) pairs, in order, repeats kept (match[]=a&match[]=b).
/// '+' is a space and %XX a byte; pairs are split at '&', name from value at
/// the first '='; empty pieces ("a=1&&b=2") are skipped. Lenient where Go's
/// url.ParseQuery fails: a malformed %-escape is kept literally.
std::vector<std::pair<std::string, std::string>> parse_form(std::string_view s);

/// Decodes one form/query-string component: %XX escapes and '+' as space (a
/// malformed %XX is kept literally).
std::string url_decode(std::string_view s);

} // namespace vigil::api
