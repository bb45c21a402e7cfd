// api/codec_util.hpp - lexical helpers shared by the pure api/ codecs:
// Prometheus name rules, Go-compatible float parsing and formatting, RFC 3339
// timestamps, quoting for error messages, and a builder that merges samples of
// equal label sets into one series.
//
// Everything here is a pure function of its arguments (no locale, no global
// state); `batch_builder` is a plain value owned by one caller at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/sample.hpp"
#include "core/series.hpp"

namespace vigil::api {

/// Metric names: `[a-zA-Z_:.][a-zA-Z0-9_:.]*`. Prometheus' rule plus '.', which
/// vigil allows for dotted names such as "api.latency".
bool is_valid_metric_name(std::string_view name) noexcept;

/// Label names: `[a-zA-Z_][a-zA-Z0-9_]*` (Prometheus' rule; no dots).
bool is_valid_label_name(std::string_view name) noexcept;

/// Whether `s` is well-formed UTF-8 (no overlongs, surrogates or code points
/// above U+10FFFF), as Go's utf8.ValidString.
bool is_valid_utf8(std::string_view s) noexcept;

/// Parses a float exactly as Go's strconv.ParseFloat(s, 64) accepts it:
/// optional sign; decimal with optional fraction and exponent; hexadecimal
/// mantissa with a mandatory 'p' exponent; '_' digit separators between
/// digits; "NaN", "Inf", "Infinity" in any case (the latter two signed).
/// @returns nullopt for malformed input and for overflow (Go's ErrRange);
///          underflow yields 0 or a subnormal, as in Go.
std::optional<double> parse_go_float(std::string_view s) noexcept;

/// Parses an RFC 3339 timestamp "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)" (as Go's
/// time.RFC3339Nano; 't'/'z' accepted too) into ms since the epoch. Digits of
/// the fraction beyond milliseconds are truncated, as Prometheus'
/// timestamp.FromTime does.
/// @returns nullopt when malformed or when a field is out of range.
std::optional<timestamp_ms> parse_rfc3339_ms(std::string_view s) noexcept;

/// Appends Go's strconv.FormatFloat(v, 'f', -1, 64): the shortest decimal that
/// round-trips, never an exponent; "NaN", "+Inf", "-Inf".
void append_go_float_f(std::string& out, double v);

/// Appends Go's strconv.FormatFloat(v, 'g', -1, 64), as Prometheus' text
/// exposition writer (expfmt) does: shortest digits, exponent form when the
/// decimal exponent is < -4 or >= 6 ("1e+06", "123456", "1e-05"); "NaN",
/// "+Inf", "-Inf".
void append_go_float_g(std::string& out, double v);

/// Appends Go's strconv.FormatFloat(v, 'e', -1, 64), e.g. "1e+21", "1.5e-07".
void append_go_float_e(std::string& out, double v);

/// `s` in double quotes with \\, \", \n, \t and other control bytes escaped,
/// cut after 100 bytes with "..." appended: for error messages that name the
/// offending input without echoing a whole request body.
std::string quoted(std::string_view s);

/// Collects samples by label set, merging repeats of one label set into one
/// series (JSON arrays and text imports may list a series many times).
/// Not thread-safe; one builder per decode call.
class batch_builder {
public:
  /// Appends `s` to the series `ls`, creating it on first sight.
  void add(labels ls, sample s);
  /// Sorts every series' samples by timestamp (stable: equal timestamps keep
  /// their input order) and returns the batch, series in first-seen order.
  write_batch finish() &&;
  std::size_t series_count() const noexcept { return batch_.items.size(); }

private:
  write_batch batch_;
  std::unordered_multimap<std::uint64_t, std::size_t> index_; ///< labels hash -> item
};

} // namespace vigil::api
