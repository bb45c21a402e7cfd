// bench/dataset.cpp - see dataset.hpp.
#include "bench/dataset.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace vigil::bench {

namespace {

constexpr const char* job_names[] = {"api",      "checkout", "search", "auth",  "cart",
                                     "payments", "frontend", "inventory", "shipping", "users"};
constexpr const char* method_names[] = {"GET", "POST"};
constexpr const char* status_names[] = {"200", "404", "500", "503"};
constexpr const char* le_names[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                                    "0.5",   "1",    "2.5",   "5",    "10",  "+Inf"};
constexpr double le_ms[] = {5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};
// A representative latency (ms) of the observations falling into each bucket.
constexpr double bucket_mid_ms[] = {3, 7, 16, 35, 71, 158, 354, 707, 1581, 3536, 7071, 15000};
constexpr const char* mode_names[] = {"idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"};
// Shares of busy time per mode (iowait .. user); idle takes the rest.
constexpr int busy_share_permille[] = {50, 10, 50, 40, 30, 220, 600};

std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  rng r(a ^ (b * 0x9e3779b97f4a7c15ULL));
  r.next();
  return r.next();
}

} // namespace

std::string job_name(int j) {
  if (j < static_cast<int>(std::size(job_names))) return job_names[j];
  return "svc-" + std::to_string(j);
}

instance_generator::instance_generator(const dataset_options& o, int job, int index)
    : cpus_(o.cpus), steps_(o.steps()), start_ms_(o.start_ms()), step_ms_(o.step_ms), rng_(mix(o.seed, static_cast<std::uint64_t>(job) * 100003 + index)) {
  const std::string jn = job_name(job);
  const std::string inst = "10." + std::to_string(job) + "." + std::to_string(index) + ".1:8080";
  auto add = [&](std::string name, std::vector<label> extra) {
    extra.push_back({"__name__", std::move(name)});
    extra.push_back({"job", jn});
    extra.push_back({"instance", inst});
    labels_.emplace_back(std::move(extra));
  };
  for (int m = 0; m < methods; ++m)
    for (int s = 0; s < statuses; ++s) add("http_requests_total", {{"method", method_names[m]}, {"status", status_names[s]}});
  for (int m = 0; m < methods; ++m) {
    for (int b = 0; b < buckets; ++b)
      add("http_request_duration_seconds_bucket", {{"method", method_names[m]}, {"le", le_names[b]}});
    add("http_request_duration_seconds_sum", {{"method", method_names[m]}});
    add("http_request_duration_seconds_count", {{"method", method_names[m]}});
  }
  for (int c = 0; c < cpus_; ++c)
    for (int md = 0; md < modes; ++md) add("node_cpu_seconds_total", {{"cpu", std::to_string(c)}, {"mode", mode_names[md]}});
  add("node_memory_MemAvailable_bytes", {});
  add("node_memory_MemTotal_bytes", {});
  add("up", {});

  rng job_rng(mix(o.seed, 0xabcdefULL + static_cast<std::uint64_t>(job)));
  phase_ = job_rng.uniform() * 2 * std::numbers::pi;
  base_rps_ = 2 + 18 * rng_.uniform();
  median_ms_ = 15 + 90 * rng_.uniform();
  cpu_base_ = 0.1 + 0.5 * rng_.uniform();
  offset_ms_ = static_cast<timestamp_ms>(rng_.uniform() * 15) * 1000;
  restart_at_ = rng_.uniform() < 0.3 ? static_cast<int>(rng_.uniform() * steps_) : -1;
  // Counters do not start at zero: the process has been up for a while.
  for (int m = 0; m < methods; ++m)
    for (int s = 0; s < statuses; ++s) req_[m][s] = static_cast<std::uint64_t>(rng_.uniform() * (s == 0 ? 1e6 : 1e3));
  cpu_cs_.resize(static_cast<std::size_t>(cpus_) * modes);
  for (auto& c : cpu_cs_) c = static_cast<std::uint64_t>(rng_.uniform() * 1e7);
  mem_total_ = (rng_.uniform() < 0.5 ? 8LL : 16LL) << 30;
  mem_avail_ = static_cast<std::int64_t>(mem_total_ * (0.3 + 0.4 * rng_.uniform())) / 4096 * 4096;
}

timestamp_ms instance_generator::next(std::vector<double>& out) {
  out.clear();
  const timestamp_ms t = start_ms_ + step_ * step_ms_ - offset_ms_ + static_cast<timestamp_ms>(rng_.uniform() * 20);
  const double day_steps = 86400.0 * 1000 / 15000; // diurnal period in steps
  const double diurnal = 1 + 0.6 * std::sin(2 * std::numbers::pi * step_ / day_steps + phase_);
  if (step_ == restart_at_) {
    for (auto& m : req_)
      for (auto& s : m) s = 0;
    for (auto& m : bucket_)
      for (auto& b : m) b = 0;
    for (auto& s : sum_ms_) s = 0;
  }
  for (int m = 0; m < methods; ++m) {
    const double weight = m == 0 ? 1.0 : 0.25;
    const auto n = static_cast<std::uint64_t>(base_rps_ * 15 * weight * diurnal * (0.85 + 0.3 * rng_.uniform()) +
                                              rng_.uniform());
    std::uint64_t n404 = static_cast<std::uint64_t>(n * 0.03 * rng_.uniform() + rng_.uniform());
    std::uint64_t n500 = rng_.uniform() < 0.03 ? 1 + static_cast<std::uint64_t>(n * 0.2 * rng_.uniform()) : 0;
    std::uint64_t n503 = rng_.uniform() < 0.01 ? 1 + static_cast<std::uint64_t>(3 * rng_.uniform()) : 0;
    n404 = std::min(n404, n);
    n500 = std::min(n500, n - n404);
    n503 = std::min(n503, n - n404 - n500);
    req_[m][0] += n - n404 - n500 - n503;
    req_[m][1] += n404;
    req_[m][2] += n500;
    req_[m][3] += n503;
    // Latencies: lognormal (sigma 0.8) around the instance's median; one
    // shared uniform for the stochastic rounding keeps the buckets cumulative.
    const double u = rng_.uniform();
    const double median = median_ms_ * (0.9 + 0.2 * rng_.uniform()) * (n500 > 0 ? 1.5 : 1.0);
    std::uint64_t prev = 0, sum = 0;
    for (int b = 0; b < buckets; ++b) {
      std::uint64_t cum = n;
      if (b < buckets - 1) {
        const double p = 0.5 * std::erfc(-(std::log(le_ms[b] / median) / 0.8) / std::numbers::sqrt2);
        cum = std::min<std::uint64_t>(n, static_cast<std::uint64_t>(n * p + u));
      }
      cum = std::max(cum, prev);
      sum += static_cast<std::uint64_t>(std::llround((cum - prev) * bucket_mid_ms[b]));
      bucket_[m][b] += cum;
      prev = cum;
    }
    sum_ms_[m] += sum;
  }
  for (int c = 0; c < cpus_; ++c) {
    const double busy = std::clamp(cpu_base_ * diurnal * (0.8 + 0.4 * rng_.uniform()), 0.02, 0.98);
    const auto busy_cs = static_cast<std::uint64_t>(std::llround(1500 * busy));
    std::uint64_t given = 0;
    auto* cs = &cpu_cs_[static_cast<std::size_t>(c) * modes];
    for (int md = 1; md < modes - 1; ++md) {
      const std::uint64_t d = busy_cs * static_cast<std::uint64_t>(busy_share_permille[md - 1]) / 1000;
      cs[md] += d;
      given += d;
    }
    cs[modes - 1] += busy_cs - given; // user
    cs[0] += 1500 - busy_cs;          // idle
  }
  mem_avail_ += static_cast<std::int64_t>((rng_.uniform() - 0.5) * (64 << 20)) / 4096 * 4096;
  mem_avail_ = std::clamp(mem_avail_, mem_total_ / 10 / 4096 * 4096, mem_total_ * 9 / 10 / 4096 * 4096);

  for (auto& m : req_)
    for (auto s : m) out.push_back(static_cast<double>(s));
  for (int m = 0; m < methods; ++m) {
    for (auto b : bucket_[m]) out.push_back(static_cast<double>(b));
    out.push_back(static_cast<double>(sum_ms_[m]) / 1000.0);
    out.push_back(static_cast<double>(bucket_[m][buckets - 1]));
  }
  for (auto c : cpu_cs_) out.push_back(static_cast<double>(c) / 100.0);
  out.push_back(static_cast<double>(mem_avail_));
  out.push_back(static_cast<double>(mem_total_));
  out.push_back(1.0);
  ++step_;
  return t;
}

void append_steps(std::vector<instance_generator>& group, int n_steps, write_batch& batch) {
  std::vector<double> values;
  for (auto& g : group) {
    const std::size_t base = batch.items.size();
    for (const auto& l : g.series_labels()) batch.items.push_back({l, {}});
    for (std::size_t i = base; i < batch.items.size(); ++i) batch.items[i].samples.reserve(static_cast<std::size_t>(n_steps));
    for (int k = 0; k < n_steps; ++k) {
      const timestamp_ms t = g.next(values);
      for (std::size_t i = 0; i < values.size(); ++i) batch.items[base + i].samples.push_back({t, values[i]});
    }
  }
}

} // namespace vigil::bench
