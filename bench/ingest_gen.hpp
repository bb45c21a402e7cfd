// bench/ingest_gen.hpp - the ingest benchmark's data (bench/README.md, part 2):
// a deterministic, seeded fleet of hosts, each scraped as two targets every
// 15 s, pre-encoded as Prometheus remote-write requests (protobuf
// WriteRequest, snappy block format), so that the sender only sends bytes.
//
// Per host (212 series):
//  - job="node", instance="10.a.b.c:9100": node_exporter's usual families
//    (105 series): node_cpu_seconds_total{cpu, mode} (4 x 8, 0.01 s steps),
//    node_load1/5/15 (2 decimals), node_memory_*_bytes (4 KiB pages, two
//    constant), network/disk counters by device (integers; errs/drop rarely
//    move), node_filesystem_* by device/fstype/mountpoint (sizes constant,
//    free space slowly moving), context switches/interrupts/forks, small
//    integer gauges (procs, fds, sockets), node_time_seconds (a float clock),
//    node_boot_time_seconds, node_uname_info, node_hwmon_temp_celsius;
//  - job=<service> (api, checkout, ...), instance="10.a.b.c:8080": an HTTP
//    server (107 series): http_requests_total{handler, method, code} and a
//    classic histogram http_request_duration_seconds{handler, method} (12
//    buckets + _sum + _count) for 5 handler/method pairs, consistent with
//    each other (the codes add up to _count); process_* and go_* collector
//    series (float counters, noisy byte gauges, summary quantiles);
//  - both targets: up, scrape_duration_seconds, scrape_samples_scraped,
//    scrape_samples_post_metric_relabeling, scrape_series_added.
// So the mix is: counters with integer increments, float counters, noisy float
// gauges, near-constant gauges and classic histograms.
//
// Timestamps: step k's grid time is end_ms - (steps - 1 - k) x 15 s; each target
// scrapes at a fixed whole-second offset (0..14 s) before the grid, plus 0..19
// ms of jitter per scrape (as Prometheus spreads targets over the interval).
// No sample lies at x.5 s, so a window whose ends are at x.5 s counts exactly.
//
// Requests: one request holds one scrape (step) of one batch of
// `hosts_per_request` consecutive hosts (both targets), ~2,100 samples at the
// default 10: between Prometheus 2.42's max_samples_per_send (500) and
// vmagent's -remoteWrite.maxRowsPerBlock (10,000). A series' samples are in
// time order across the requests of its batch; a sender must not have two
// requests of one batch in flight at once.
//
// Values depend only on the seed and the step index (never on the clock or
// on how requests are batched); only timestamps shift with end_ms.
//
// Thread-safety: an ingest_generator is a plain stateful value; use it from
// one thread at a time.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/sample.hpp"

namespace vigil::bench {

struct ingest_options {
  int hosts = 96;            ///< each one node_exporter and one service target
  int steps = 160;           ///< scrapes per series
  int hosts_per_request = 10;
  timestamp_ms step_ms = 15000;
  timestamp_ms end_ms = 0; ///< grid time of the last step (a whole second)
  std::uint64_t seed = 42;

  int batches() const noexcept { return (hosts + hosts_per_request - 1) / hosts_per_request; }
  timestamp_ms grid_time(int step) const noexcept { return end_ms - (steps - 1 - step) * step_ms; }
};

/// One encoded remote-write request: scrape `step` of host batch `batch`.
struct ingest_request {
  int step = 0;
  int batch = 0;
  std::uint32_t samples = 0;
  std::uint32_t raw_bytes = 0; ///< protobuf size before snappy
  std::string body;            ///< snappy-compressed WriteRequest
};

class target; // one scrape target's series and value state (ingest_gen.cpp)

class ingest_generator {
public:
  /// @pre o.hosts, o.steps, o.hosts_per_request >= 1; o.end_ms set.
  explicit ingest_generator(const ingest_options& o);
  ~ingest_generator();
  ingest_generator(const ingest_generator&) = delete;
  ingest_generator& operator=(const ingest_generator&) = delete;

  const ingest_options& options() const noexcept { return opts_; }
  std::size_t series() const noexcept { return series_; }
  std::uint64_t samples() const noexcept { return static_cast<std::uint64_t>(series_) * opts_.steps; }
  /// Series per metric name, over all hosts.
  const std::map<std::string, std::size_t>& series_per_name() const noexcept { return per_name_; }
  /// The earliest and latest timestamp any step may carry.
  timestamp_ms min_time() const noexcept { return opts_.grid_time(0) - 15000; }
  timestamp_ms max_time() const noexcept { return opts_.grid_time(opts_.steps - 1) + 20; }
  /// Steps generated so far (the next encode_steps() starts there).
  int next_step() const noexcept { return next_step_; }

  /// Encodes the next `n` steps (fewer at the end), appending to `out` one
  /// request per (step, batch), step-major: out[k * batches() + b].
  /// @returns the number of steps encoded.
  int encode_steps(int n, std::vector<ingest_request>& out);

private:
  ingest_options opts_;
  std::vector<std::unique_ptr<target>> targets_; // 2 per host: node, service
  std::map<std::string, std::size_t> per_name_;
  std::size_t series_ = 0;
  int next_step_ = 0;
  std::string raw_;            // reused protobuf buffer
  std::vector<double> values_; // reused
};

} // namespace vigil::bench
