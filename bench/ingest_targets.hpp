// bench/ingest_targets.hpp - the ingest benchmark's scrape targets: which
// series a node_exporter and a service target expose, and how their values
// move from one scrape to the next (ingest_gen.hpp lists them). Internal to
// ingest_gen.cpp.
//
// A target is a list of value models ("elements"); an element yields one
// value (a counter, a gauge) or a fixed group of values (all CPU modes, an
// HTTP handler's code counters plus its histogram) per scrape, in the order
// the target's label sets were added.
//
// Thread-safety: plain values; one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "bench/dataset.hpp" // rng (splitmix64)
#include "bench/ingest_gen.hpp"

namespace vigil::bench {

/// A counter of whole units: value = c * mul / div (so 0.01 s CPU ticks are
/// the doubles nearest to the decimals, as node_exporter's ticks / 100).
struct counter_model {
  std::uint64_t c = 0;
  double per_step = 1;   ///< mean increment in units at load 1
  double jitter = 0.3;   ///< relative noise of an increment
  double p_inc = 1;      ///< probability that a scrape sees any increment
  std::uint32_t mul = 1, div = 1;
  bool follows_load = true;
};

/// A counter with fractional increments (seconds spent, *_sum of histograms).
struct float_counter_model {
  double v = 0, per_step = 1, jitter = 0.3;
};

/// A gauge: an AR(1) walk around `mean` (x' = mean + keep (x - mean) + sd N(0,1)),
/// clamped to [lo, hi], shown rounded to `quantum` (0: full precision); it
/// moves only with probability p_change per scrape (near-constant gauges).
struct gauge_model {
  double x = 0, mean = 0, sd = 0, keep = 0.9, lo = 0, hi = 1e300, quantum = 0, p_change = 1;
  bool follows_load = false; ///< mean scales with the target's load
};

/// node_time_seconds: the scrape time with sub-millisecond digits.
struct clock_model {};

/// node_cpu_seconds_total for `cpus` CPUs x 8 modes, in 0.01 s ticks that add
/// up to 15 s per CPU and scrape.
struct cpu_model {
  int cpus = 4;
  double busy = 0.2;
  std::vector<std::uint64_t> ticks = {}; // [cpu * 8 + mode]
};

/// One HTTP handler/method: http_requests_total per code, then the classic
/// histogram's 12 cumulative buckets, _sum and _count (codes add up to _count).
struct http_model {
  double rps = 10, median_ms = 40;
  std::vector<double> code_share = {}; // per code, summing to 1 (the first: the rest)
  std::vector<std::uint64_t> codes = {};
  std::uint64_t buckets[12] = {};
  double sum = 0;
  std::uint64_t count = 0;
};

using element = std::variant<counter_model, float_counter_model, gauge_model, clock_model, cpu_model, http_model>;

class target {
public:
  explicit target(std::uint64_t seed) : rng_(seed) {}

  /// Values of every series for scrape `step`, in labels_pb order, into `out`;
  /// @returns the scrape's timestamp. @pre called once per step, in order.
  timestamp_ms next(const ingest_options& o, int step, std::vector<double>& out);

  std::vector<std::string> labels_pb; ///< per series: encoded prompb.Label entries
  std::vector<std::string> names;     ///< per series: the metric name
  std::vector<element> elements;
  timestamp_ms offset_ms = 0; ///< scrape offset before the 15 s grid
  double phase = 0;           ///< diurnal phase of the load
  rng& random() noexcept { return rng_; }

private:
  rng rng_;
};

std::unique_ptr<target> make_node_target(const ingest_options& o, int host);
std::unique_ptr<target> make_service_target(const ingest_options& o, int host);

} // namespace vigil::bench
