// api/text_import.hpp - the Prometheus text exposition format (0.0.4) <->
// write_batch: the body of `POST /api/v1/import/prometheus`, what
// `vigil push` reads, and what vigil's own /metrics writes.
//
// Accepted input, one item per line ('\n'; a trailing '\r' is dropped):
//   # HELP <name> <text>          help text, escapes \\ and \n
//   # TYPE <name> <type>          counter|gauge|histogram|summary|untyped
//   # anything else               comment; blank lines are skipped
//   name{l="v",...} value [ts]    sample; label values escape \\ \" \n
//                                 (other "\x" stay as written, as in
//                                 Prometheus); a trailing ',' is allowed;
//                                 spaces/tabs may surround every token
// Metric names `[a-zA-Z_:.][a-zA-Z0-9_:.]*` (vigil allows dots), label names
// `[a-zA-Z_][a-zA-Z0-9_]*`. Values are anything Go's strconv.ParseFloat takes
// ("NaN", "+Inf", "-Inf", "1.5e3", "0x1p-2", "1_000"; Prometheus itself
// refuses the hex and '_' forms, vigil is a superset). The timestamp is an
// integer in ms since the epoch.
//
// Thread-safety: free functions and a plain value type; no shared state.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/metadata.hpp"
#include "core/sample.hpp"
#include "core/series.hpp"
#include "core/status.hpp"

namespace vigil::api {

/// Parses a text-format body.
///
/// Lines of one label set merge into one series whose samples are
/// stable-sorted by timestamp; series keep the order of first appearance.
/// The first malformed line rejects the whole body.
///
/// @param now the timestamp of samples written without one.
/// @param metadata when non-null, receives one entry per family named in a
///        HELP or TYPE line, in order of first mention (a later line for the
///        same family overwrites that field).
/// @returns the batch, or invalid_argument
///   "line 7, column 12: expected '=' after label name \"job\"" (1-based line
///   and byte column).
result<write_batch> decode_prometheus_text(std::string_view body, timestamp_ms now,
                                           std::vector<metric_metadata>* metadata = nullptr);

/// Appends exposition-format lines to an owned string, formatting values as
/// Prometheus' expfmt does (Go 'g' shortest: "1e+06", "0.25", "+Inf").
/// Callers own ordering: write a family's HELP/TYPE before its samples.
/// Not thread-safe; build, then take().
class text_writer {
public:
  /// "# HELP name help" (when help is non-empty) and "# TYPE name type".
  text_writer& family(std::string_view name, metric_type type, std::string_view help = {});

  /// "name{l="v",...} value[ ts]". `__name__` in `ls` is skipped; `name` wins.
  text_writer& sample(std::string_view name, const labels& ls, double v,
                      std::optional<timestamp_ms> t = std::nullopt);

  /// As above, with labels given inline: {{"job", "api"}, {"code", "200"}}.
  /// Pairs are written in the given order; empty values are skipped.
  text_writer& sample(std::string_view name,
                      std::initializer_list<std::pair<std::string_view, std::string_view>> ls,
                      double v);

  /// A classic histogram's series: name_bucket{...,le="b"} for each upper
  /// bound and le="+Inf", then name_sum and name_count.
  /// @param cumulative counts per bucket, cumulative; one more entry than
  ///        `upper_bounds` (the +Inf bucket, which is also the count).
  /// @pre cumulative.size() == upper_bounds.size() + 1
  text_writer& histogram(std::string_view name, const labels& ls, std::span<const double> upper_bounds,
                         std::span<const std::uint64_t> cumulative, double sum);

  const std::string& str() const noexcept { return out_; }
  std::string take() noexcept { return std::move(out_); }

private:
  void head(std::string_view name);
  void pair(std::string_view name, std::string_view value, bool& first);
  void tail(bool any_label, double v, std::optional<timestamp_ms> t);

  std::string out_;
};

/// Writes every sample of `batch` as one line (with its timestamp when
/// `with_timestamps`), series in batch order. Output parses back to `batch`
/// with decode_prometheus_text().
std::string encode_prometheus_text(const write_batch& batch, bool with_timestamps = true);

} // namespace vigil::api
