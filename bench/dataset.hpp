// bench/dataset.hpp - a deterministic, seeded generator of dashboard-like
// metrics: jobs x instances, each instance exposing what a service host
// exposes (HTTP request counters, a classic latency histogram, node CPU
// counters, memory gauges, up). Scraped every 15 s over the last H hours.
//
// The values depend only on the seed, the scale and the step index (never on
// the wall clock), so two runs with the same options produce the same data,
// only shifted in time; every system in one benchmark run gets the same
// timestamps (the caller passes one end time).
//
// Timestamps: as Prometheus spreads its targets over the scrape interval,
// each instance has a fixed offset of whole seconds (0..14 s) before the
// 15 s grid that ends at `end_ms`, plus 0..19 ms of jitter per scrape. So
// sample k of an instance lies in [grid_k - offset, grid_k - offset + 20 ms),
// never at a x.5 s time: windows whose ends are at x.5 s hold exactly one
// sample per 15 s of length, however a system treats the window's ends.
//
// Per instance (with `cpus` CPUs; 71 series at the default 4):
//   http_requests_total{method=GET|POST, status=200|404|500|503}        8
//   http_request_duration_seconds_bucket{method, le=0.005..10,+Inf}   2x12
//   http_request_duration_seconds_sum / _count{method}                 2x2
//   node_cpu_seconds_total{cpu, mode=idle|iowait|irq|nice|softirq|steal|system|user}  cpus x 8
//   node_memory_MemAvailable_bytes, node_memory_MemTotal_bytes           2
//   up                                                                   1
// All carry job="<job name>" and instance="10.<job>.<index>.1:8080".
// Counters grow by integers (requests) or by 0.01 s (CPU, as node_exporter's
// USER_HZ=100); about a third of the instances restart once (their HTTP
// counters reset); 5xx come in occasional bursts.
//
// Thread-safety: an instance_generator is a plain value; use each from one
// thread at a time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/labels.hpp"
#include "core/sample.hpp"
#include "core/series.hpp"

namespace vigil::bench {

struct dataset_options {
  int jobs = 4;              ///< distinct `job` values
  int instances_per_job = 5; ///< instances of every job
  int cpus = 4;              ///< node_cpu_seconds_total cpus per instance
  int hours = 24;            ///< the span the queries look at
  int lead_in_steps = 40;    ///< extra steps before the span (so its first 5m windows are full)
  timestamp_ms step_ms = 15000;
  timestamp_ms end_ms = 0; ///< timestamp of the last sample (align it to the query steps)
  std::uint64_t seed = 42;

  int instances() const noexcept { return jobs * instances_per_job; }
  int steps() const noexcept { return static_cast<int>(hours * 3600000LL / step_ms) + lead_in_steps; }
  timestamp_ms start_ms() const noexcept { return end_ms - (steps() - 1) * step_ms; }
  /// The 15 s grid point of `step` (an instance's samples lie up to 15 s before it).
  timestamp_ms grid_time(int step) const noexcept { return start_ms() + step * step_ms; }
  std::size_t series_per_instance() const noexcept { return 8 + 2 * 14 + static_cast<std::size_t>(cpus) * 8 + 3; }
  std::size_t series() const noexcept { return series_per_instance() * static_cast<std::size_t>(instances()); }
  std::uint64_t samples() const noexcept { return static_cast<std::uint64_t>(series()) * static_cast<std::uint64_t>(steps()); }
};

/// The name of job `j` ("api", "checkout", ...; "svc-12" beyond the list).
std::string job_name(int j);

/// splitmix64: a small, fast, portable PRNG (the standard distributions are
/// implementation-defined, so the generator uses only this).
class rng {
public:
  explicit rng(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() noexcept {
    std::uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, 1).
  double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1p-53; }

private:
  std::uint64_t s_;
};

/// One scrape target of job `job`, index `index` within the job.
class instance_generator {
public:
  instance_generator(const dataset_options& o, int job, int index);

  /// The label sets of this instance's series, in the order next() emits values.
  const std::vector<labels>& series_labels() const noexcept { return labels_; }

  /// Advances one step (the first call yields step 0), writes the value of
  /// every series, in series_labels() order, to `out` (resized), and
  /// returns the step's timestamp (the same for all of this instance's series).
  timestamp_ms next(std::vector<double>& out);

private:
  static constexpr int methods = 2, statuses = 4, buckets = 12, modes = 8;
  int cpus_;
  int steps_;
  timestamp_ms start_ms_, step_ms_, offset_ms_;
  int step_ = 0;
  rng rng_;
  std::vector<labels> labels_;
  double phase_;        // diurnal phase of the job
  double base_rps_;     // GET requests per second at the diurnal mean
  double median_ms_;    // latency median
  double cpu_base_;     // busy fraction at the diurnal mean
  int restart_at_;      // step at which HTTP counters reset; -1: never
  std::uint64_t req_[methods][statuses] = {};
  std::uint64_t bucket_[methods][buckets] = {}; // cumulative, as exposed
  std::uint64_t sum_ms_[methods] = {};
  std::vector<std::uint64_t> cpu_cs_; // centiseconds, [cpu * modes + mode]
  std::int64_t mem_total_;
  std::int64_t mem_avail_;
};

/// Appends, for every generator in `group`, its series with the samples of
/// its next `n_steps` steps to `batch` (advancing the generators).
void append_steps(std::vector<instance_generator>& group, int n_steps, write_batch& batch);

} // namespace vigil::bench
