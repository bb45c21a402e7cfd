// api/metadata.hpp - metric metadata (type, help, unit per metric family) as
// ingest delivers it, and the registry behind `GET /api/v1/metadata`.
//
// Metadata arrives with the text import (`# TYPE` / `# HELP` lines) and with
// remote write (WriteRequest field 3, which Prometheus sends about once a
// minute). vigil does not persist it yet: the registry lives in memory and is
// empty again after a restart.
//
// Thread-safety: metric_type and metric_metadata are plain values.
// metadata_registry is safe to use from any thread (one mutex; writers lock
// only when a request carried metadata, so the ingest hot path of plain
// samples never touches it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::api {

/// The text format's types, then the other types a remote-write sender may
/// name (OpenMetrics). Only ever append: values are kept in memory only, but
/// code maps prompb's enum onto these names.
enum class metric_type : unsigned char {
  untyped = 0,
  counter,
  gauge,
  histogram,
  summary,
  gaugehistogram,
  info,
  stateset,
};

/// The text format's spelling: "untyped", "counter", "gauge", "histogram",
/// "summary", "gaugehistogram", "info", "stateset".
const char* to_string(metric_type t) noexcept;

/// The spelling of Prometheus' /api/v1/metadata (textparse.MetricType):
/// as to_string(), except that untyped is "unknown".
const char* api_type_name(metric_type t) noexcept;

/// What a sender said about one metric family.
struct metric_metadata {
  std::string name;
  metric_type type = metric_type::untyped;
  std::string help;
  std::string unit; ///< only remote write carries a unit
  friend bool operator==(const metric_metadata&, const metric_metadata&) = default;
};

/// The parameters of `GET /api/v1/metadata`, with Prometheus' meanings.
struct metadata_query {
  /// At most this many metrics; negative: all. 0 yields no metric at all,
  /// as in Prometheus.
  std::int64_t limit = -1;
  /// At most this many entries per metric; zero or negative: all.
  std::int64_t limit_per_metric = -1;
  /// Only this metric when non-empty.
  std::string metric;
};

/// The distinct (type, help, unit) entries seen per metric name, newest first
/// (a repeat of a known entry moves it to the front), like Prometheus' list
/// over all targets that expose the metric.
class metadata_registry {
public:
  /// Bounds the memory a stream of distinct names can claim: names beyond
  /// `max_metrics` are dropped (existing names still update), and each name
  /// keeps its `max_entries_per_metric` newest entries.
  static constexpr std::size_t default_max_metrics = 100000;
  static constexpr std::size_t default_max_entries_per_metric = 8;

  explicit metadata_registry(std::size_t max_metrics = default_max_metrics,
                             std::size_t max_entries_per_metric = default_max_entries_per_metric);

  /// Records every item with a non-empty name, in order (so the last one of
  /// a name ends up first).
  void record(std::span<const metric_metadata> items);

  /// The whole response body of /api/v1/metadata for `q`:
  /// {"status":"success","data":{"name":[{"type":"counter","help":"…","unit":""}]}},
  /// names sorted (as Go marshals a map), entries newest first.
  std::string render(const metadata_query& q) const;

  /// Number of metric names held.
  std::size_t size() const;

private:
  struct entry {
    metric_type type;
    std::string help;
    std::string unit;
  };
  void record_one(const metric_metadata& m);

  const std::size_t max_metrics_;
  const std::size_t max_entries_;
  mutable std::mutex mu_;
  std::map<std::string, std::vector<entry>, std::less<>> by_name_; ///< guarded by mu_
};

} // namespace vigil::api
