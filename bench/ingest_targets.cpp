// bench/ingest_targets.cpp - see ingest_targets.hpp.
#include "bench/ingest_targets.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <utility>

namespace vigil::bench {

namespace {

using label_list = std::vector<std::pair<std::string, std::string>>;

constexpr const char* cpu_modes[] = {"idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"};
constexpr int busy_share_permille[] = {50, 10, 50, 40, 30, 220, 600}; // iowait .. user
constexpr const char* le_names[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                                    "0.5",   "1",    "2.5",   "5",    "10",  "+Inf"};
constexpr double le_ms[] = {5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};
constexpr const char* services[] = {"api", "checkout", "search", "auth", "cart", "payments", "frontend", "inventory"};

std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  rng r(a ^ (b * 0x9e3779b97f4a7c15ULL));
  r.next();
  return r.next();
}

double gauss(rng& r) { return std::sqrt(-2 * std::log(1 - r.uniform())) * std::cos(2 * std::numbers::pi * r.uniform()); }

/// Stochastic rounding of a non-negative mean count.
std::uint64_t draw(rng& r, double mean) { return static_cast<std::uint64_t>(std::max(0.0, mean + r.uniform())); }

double quantize(double x, double q) {
  if (q <= 0) return x;
  if (q >= 1) return std::round(x / q) * q;
  const double inv = std::round(1 / q); // 0.01 -> divide by 100: the double nearest the decimal
  return std::round(x * inv) / inv;
}

void put_varint(std::string& out, std::uint64_t v) {
  for (; v >= 0x80; v >>= 7) out.push_back(static_cast<char>(v | 0x80));
  out.push_back(static_cast<char>(v));
}

void put_bytes(std::string& out, int field, const std::string& s) {
  out.push_back(static_cast<char>(field << 3 | 2));
  put_varint(out, s.size());
  out += s;
}

/// prompb.TimeSeries' labels (field 1, one entry per label), sorted by name.
std::string encode_labels(label_list l) {
  std::sort(l.begin(), l.end());
  std::string out;
  for (const auto& [n, v] : l) {
    std::string one;
    put_bytes(one, 1, n);
    put_bytes(one, 2, v);
    put_bytes(out, 1, one);
  }
  return out;
}

/// Adds series (label sets) and their value models to one target.
class builder {
public:
  builder(target& t, std::string job, std::string instance) : t_(t), job_(std::move(job)), inst_(std::move(instance)) {}
  rng& r() { return t_.random(); }
  void series(const std::string& name, label_list extra = {}) {
    extra.emplace_back("__name__", name);
    extra.emplace_back("job", job_);
    extra.emplace_back("instance", inst_);
    t_.labels_pb.push_back(encode_labels(std::move(extra)));
    t_.names.push_back(name);
  }
  void add(const std::string& name, element e, label_list extra = {}) {
    t_.elements.push_back(std::move(e));
    series(name, std::move(extra));
  }
  void add_element(element e) { t_.elements.push_back(std::move(e)); }
  void gauge(const std::string& name, gauge_model g, label_list extra = {}) {
    g.x = g.mean;
    add(name, g, std::move(extra));
  }
  void constant(const std::string& name, double v, label_list extra = {}) {
    gauge(name, {.mean = v, .p_change = 0}, std::move(extra));
  }
  void counter(const std::string& name, counter_model c, label_list extra = {}) {
    c.c = static_cast<std::uint64_t>(r().uniform() * c.per_step * 20000); // up for days
    add(name, c, std::move(extra));
  }
  void scrape_series(double scraped) {
    constant("up", 1);
    gauge("scrape_duration_seconds",
          {.mean = 0.005 + 0.03 * r().uniform(), .sd = 0.002, .keep = 0, .lo = 0.001, .quantum = 1e-9}); // ns
    constant("scrape_samples_scraped", scraped);
    constant("scrape_samples_post_metric_relabeling", scraped);
    constant("scrape_series_added", 0);
  }

private:
  target& t_;
  std::string job_, inst_;
};

std::string host_ip(int h) {
  const int rack = h / 40;
  return "10." + std::to_string(16 + rack / 200) + "." + std::to_string(rack % 200) + "." + std::to_string(10 + h % 40);
}

// ------------------------------------------------------------------ value steps

struct stepper {
  rng& r;
  timestamp_ms t;
  double load;
  std::vector<double>& out;

  void operator()(counter_model& m) {
    if (m.p_inc >= 1 || r.uniform() < m.p_inc)
      m.c += draw(r, m.per_step * (m.follows_load ? load : 1) * (1 + m.jitter * (2 * r.uniform() - 1)));
    out.push_back(static_cast<double>(m.c * m.mul) / m.div);
  }
  void operator()(float_counter_model& m) {
    m.v += m.per_step * load * (1 + m.jitter * (2 * r.uniform() - 1));
    out.push_back(m.v);
  }
  void operator()(gauge_model& m) {
    if (m.p_change >= 1 || (m.p_change > 0 && r.uniform() < m.p_change)) {
      const double mean = m.follows_load ? m.mean * load : m.mean;
      m.x = std::clamp(mean + m.keep * (m.x - mean) + m.sd * gauss(r), m.lo, m.hi);
    }
    out.push_back(quantize(m.x, m.quantum));
  }
  void operator()(clock_model&) { out.push_back((static_cast<double>(t) + r.uniform()) / 1000); }
  void operator()(cpu_model& m) {
    for (int c = 0; c < m.cpus; ++c) {
      const double busy = std::clamp(m.busy * load * (0.8 + 0.4 * r.uniform()), 0.01, 0.99);
      const auto busy_ticks = static_cast<std::uint64_t>(std::llround(1500 * busy));
      auto* ticks = &m.ticks[static_cast<std::size_t>(c) * 8];
      std::uint64_t given = 0;
      for (int md = 1; md < 7; ++md) {
        const std::uint64_t d = draw(r, busy_ticks * busy_share_permille[md - 1] / 1000.0 - 0.5);
        ticks[md] += d;
        given += d;
      }
      ticks[7] += busy_ticks - std::min(given, busy_ticks); // user
      ticks[0] += 1500 - busy_ticks;                        // idle
    }
    for (auto v : m.ticks) out.push_back(static_cast<double>(v) / 100);
  }
  void operator()(http_model& m) {
    const bool burst = r.uniform() < 0.02; // an incident: more errors, slower
    const std::uint64_t n = draw(r, m.rps * 15 * load * (0.85 + 0.3 * r.uniform()));
    std::uint64_t left = n;
    for (std::size_t k = m.codes.size(); k-- > 1;) {
      const double share = m.code_share[k] * (burst ? 20 : 1);
      const std::uint64_t d = std::min(left, draw(r, n * share * (0.5 + r.uniform()) - 0.5));
      m.codes[k] += d;
      left -= d;
    }
    m.codes[0] += left;
    const double median = m.median_ms * (0.9 + 0.2 * r.uniform()) * (burst ? 1.5 : 1);
    const double u = r.uniform(); // one rounding draw keeps the buckets cumulative
    std::uint64_t prev = 0;
    for (int b = 0; b < 12; ++b) {
      std::uint64_t cum = n;
      if (b < 11) {
        const double p = 0.5 * std::erfc(-(std::log(le_ms[b] / median) / 0.7) / std::numbers::sqrt2);
        cum = std::max(prev, std::min<std::uint64_t>(n, static_cast<std::uint64_t>(n * p + u)));
      }
      const double mid_s = (b == 0 ? le_ms[0] / 2 : b < 11 ? (le_ms[b - 1] + le_ms[b]) / 2 : 15000) / 1000;
      m.sum += static_cast<double>(cum - prev) * mid_s * (0.8 + 0.4 * r.uniform());
      m.buckets[b] += cum;
      prev = cum;
    }
    m.count += n;
    for (auto c : m.codes) out.push_back(static_cast<double>(c));
    for (auto b : m.buckets) out.push_back(static_cast<double>(b));
    out.push_back(m.sum);
    out.push_back(static_cast<double>(m.count));
  }
};

} // namespace

timestamp_ms target::next(const ingest_options& o, int step, std::vector<double>& out) {
  out.clear();
  const timestamp_ms grid = o.grid_time(step);
  const timestamp_ms t = grid - offset_ms + static_cast<timestamp_ms>(rng_.uniform() * 20);
  const double day = 2 * std::numbers::pi * static_cast<double>(grid % 86400000) / 86400000;
  const double load = (1 + 0.4 * std::sin(day + phase)) * (0.9 + 0.2 * rng_.uniform());
  stepper s{rng_, t, load, out};
  for (auto& e : elements) std::visit(s, e);
  return t;
}

// ------------------------------------------------------------------ node_exporter

namespace {

void node_system(builder& b, double busy, double mem) {
  auto& r = b.r();
  cpu_model cpu{.cpus = 4, .busy = busy};
  for (int i = 0; i < 32; ++i) cpu.ticks.push_back(static_cast<std::uint64_t>(r.uniform() * 1e8));
  b.add_element(std::move(cpu));
  for (int c = 0; c < 4; ++c)
    for (const char* md : cpu_modes) b.series("node_cpu_seconds_total", {{"cpu", std::to_string(c)}, {"mode", md}});
  const double keeps[] = {0.7, 0.93, 0.98}, sds[] = {0.15, 0.04, 0.015};
  const char* loads[] = {"node_load1", "node_load5", "node_load15"};
  for (int i = 0; i < 3; ++i)
    b.gauge(loads[i], {.mean = 4 * busy, .sd = sds[i], .keep = keeps[i], .quantum = 0.01, .follows_load = true});
  b.constant("node_memory_MemTotal_bytes", mem);
  const double swap = r.uniform() < 0.5 ? 0 : 2.0 * (1 << 30);
  b.constant("node_memory_SwapTotal_bytes", swap);
  b.gauge("node_memory_SwapFree_bytes",
          {.mean = swap * 0.95, .sd = 1 << 20, .keep = 0.99, .hi = swap, .quantum = 4096, .p_change = swap > 0 ? 0.02 : 0});
  struct { const char* name; double share, sd, keep, p; } mems[] = {
    {"node_memory_MemFree_bytes", 0.1, 0.002, 0.95, 1}, {"node_memory_MemAvailable_bytes", 0.45, 0.004, 0.97, 1},
    {"node_memory_Buffers_bytes", 0.02, 0.0002, 0.9, 0.5}, {"node_memory_Cached_bytes", 0.3, 0.002, 0.98, 1},
    {"node_memory_Active_bytes", 0.35, 0.002, 0.95, 1}, {"node_memory_Inactive_bytes", 0.25, 0.002, 0.95, 1},
    {"node_memory_Dirty_bytes", 0.0003, 0.0002, 0.2, 1}};
  for (const auto& m : mems)
    b.gauge(m.name, {.mean = mem * m.share, .sd = mem * m.sd, .keep = m.keep, .hi = mem, .quantum = 4096, .p_change = m.p});
  b.counter("node_context_switches_total", {.per_step = 15 * 4000 * (0.2 + busy)});
  b.counter("node_intr_total", {.per_step = 15 * 2500 * (0.2 + busy)});
  b.counter("node_forks_total", {.per_step = 15 * 3, .jitter = 0.8});
  b.gauge("node_procs_running", {.mean = 1 + 4 * busy, .sd = 1, .keep = 0.3, .lo = 1, .quantum = 1, .follows_load = true});
  b.gauge("node_procs_blocked", {.mean = 0, .sd = 0.4, .keep = 0, .quantum = 1});
  b.gauge("node_filefd_allocated", {.mean = 2000 + 3000 * r.uniform(), .sd = 15, .keep = 0.95, .quantum = 1});
  b.gauge("node_sockstat_TCP_inuse", {.mean = 40 + 200 * r.uniform(), .sd = 4, .keep = 0.9, .quantum = 1});
  b.gauge("node_netstat_Tcp_CurrEstab", {.mean = 30 + 150 * r.uniform(), .sd = 4, .keep = 0.9, .quantum = 1});
  b.constant("node_entropy_available_bits", 256);
}

void node_devices(builder& b, double busy) {
  auto& r = b.r();
  const double traffic = 0.2 + 2 * r.uniform();
  for (const char* dev : {"eth0", "lo"}) {
    const double bps = (dev[0] == 'e' ? 2e6 : 1e5) * traffic;
    for (const char* dir : {"receive", "transmit"}) {
      const std::string p = std::string("node_network_") + dir + "_";
      b.counter(p + "bytes_total", {.per_step = 15 * bps}, {{"device", dev}});
      b.counter(p + "packets_total", {.per_step = 15 * bps / 900}, {{"device", dev}});
      b.counter(p + "errs_total", {.per_step = 1, .p_inc = 0.002}, {{"device", dev}});
      b.counter(p + "drop_total", {.per_step = 2, .p_inc = dir[0] == 'r' ? 0.01 : 0}, {{"device", dev}});
    }
  }
  for (const char* dev : {"nvme0n1", "nvme1n1"}) {
    const double iops = 20 + 200 * r.uniform();
    b.counter("node_disk_reads_completed_total", {.per_step = 15 * iops * 0.3}, {{"device", dev}});
    b.counter("node_disk_writes_completed_total", {.per_step = 15 * iops}, {{"device", dev}});
    b.counter("node_disk_read_bytes_total", {.per_step = 15 * iops * 0.3 * 8, .mul = 4096}, {{"device", dev}});
    b.counter("node_disk_written_bytes_total", {.per_step = 15 * iops * 4, .mul = 4096}, {{"device", dev}});
    b.counter("node_disk_io_time_seconds_total", {.per_step = 15000 * 0.2 * busy, .div = 1000}, {{"device", dev}});
  }
  struct { const char* dev; const char* fs; const char* mp; double size, files, p; } fss[] = {
    {"/dev/nvme0n1p2", "ext4", "/", 50.0 * (1 << 30), 3276800, 0.3},
    {"/dev/nvme0n1p1", "vfat", "/boot/efi", 512.0 * (1 << 20), 0, 0},
    {"/dev/nvme1n1", "xfs", "/var/lib/data", 1024.0 * (1 << 30), 536870912, 0.6}};
  for (const auto& f : fss) {
    const label_list l{{"device", f.dev}, {"fstype", f.fs}, {"mountpoint", f.mp}};
    const double used = 0.2 + 0.6 * r.uniform();
    b.constant("node_filesystem_size_bytes", f.size, l);
    const gauge_model space{.sd = f.size * 1e-5, .keep = 0.999, .quantum = 4096, .p_change = f.p};
    auto free_space = space, avail = space;
    free_space.mean = f.size * (1 - used);
    avail.mean = f.size * (0.95 - used); // ext4 reserves 5 % for root
    b.gauge("node_filesystem_free_bytes", free_space, l);
    b.gauge("node_filesystem_avail_bytes", avail, l);
    b.constant("node_filesystem_files", f.files, l);
    b.gauge("node_filesystem_files_free",
            {.mean = f.files * (1 - used / 4), .sd = 30, .keep = 0.999, .quantum = 1, .p_change = f.p}, l);
  }
}

} // namespace

std::unique_ptr<target> make_node_target(const ingest_options& o, int host) {
  auto t = std::make_unique<target>(mix(o.seed, static_cast<std::uint64_t>(host) * 2));
  builder b(*t, "node", host_ip(host) + ":9100");
  auto& r = b.r();
  t->offset_ms = static_cast<timestamp_ms>(r.uniform() * 15) * 1000;
  t->phase = r.uniform() * 2 * std::numbers::pi;
  const double busy = 0.05 + 0.5 * r.uniform();
  const double mem = static_cast<double>(std::int64_t{8} << (30 + static_cast<int>(r.uniform() * 4)));
  node_system(b, busy, mem);
  node_devices(b, busy);
  b.constant("node_boot_time_seconds", std::floor(static_cast<double>(o.end_ms) / 1000 - 1e5 - 3e6 * r.uniform()));
  b.add("node_time_seconds", clock_model{});
  char name[16];
  std::snprintf(name, sizeof name, "web-%04d", host);
  b.constant("node_uname_info", 1,
             {{"domainname", "(none)"}, {"machine", "x86_64"}, {"nodename", name}, {"release", "6.1.0-13-amd64"},
              {"sysname", "Linux"}, {"version", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.55-1 (2023-09-29)"}});
  for (const char* s : {"temp1", "temp2"})
    b.gauge("node_hwmon_temp_celsius", {.mean = 40 + 30 * busy, .sd = 1, .keep = 0.8, .quantum = 1, .follows_load = true},
            {{"chip", "platform_coretemp_0"}, {"sensor", s}});
  b.scrape_series(1000 + static_cast<int>(r.uniform() * 300));
  return t;
}

// ------------------------------------------------------------------ service

namespace {

void service_http(builder& b, double rps) {
  auto& r = b.r();
  struct handler {
    const char* path;
    const char* method;
    double weight, median_ms;
    std::vector<std::pair<const char*, double>> codes; // code, share (the first takes the rest)
  };
  const handler hs[] = {
    {"/api/v1/users", "GET", 1, 20, {{"200", 0}, {"304", 0.03}, {"404", 0.019}, {"500", 0.001}}},
    {"/api/v1/users", "POST", 0.2, 60, {{"201", 0}, {"400", 0.025}, {"500", 0.005}}},
    {"/api/v1/orders", "GET", 0.5, 35, {{"200", 0}, {"404", 0.019}, {"500", 0.001}}},
    {"/api/v1/search", "GET", 0.8, 120, {{"200", 0}, {"400", 0.03}, {"500", 0.005}, {"503", 0.005}}},
    {"/healthz", "GET", 0.02, 1, {{"200", 0}}}};
  for (const auto& h : hs) {
    http_model m{.rps = rps * h.weight, .median_ms = h.median_ms * (0.7 + 0.6 * r.uniform())};
    for (const auto& [code, share] : h.codes) {
      m.code_share.push_back(share);
      m.codes.push_back(draw(r, m.rps * 1e5 * (share > 0 ? share : 1)));
      b.series("http_requests_total", {{"code", code}, {"handler", h.path}, {"method", h.method}});
    }
    b.add_element(std::move(m));
    const label_list hl{{"handler", h.path}, {"method", h.method}};
    for (const char* le : le_names) {
      auto l = hl;
      l.emplace_back("le", le);
      b.series("http_request_duration_seconds_bucket", std::move(l));
    }
    b.series("http_request_duration_seconds_sum", hl);
    b.series("http_request_duration_seconds_count", hl);
  }
}

// client_golang's process and Go collectors.
void service_runtime(builder& b, timestamp_ms end_ms) {
  auto& r = b.r();
  const double cpu = 0.05 + 0.5 * r.uniform();
  b.counter("process_cpu_seconds_total", {.per_step = 1500 * cpu, .div = 100});
  b.gauge("process_resident_memory_bytes", {.mean = 2e8 + 8e8 * r.uniform(), .sd = 2e6, .keep = 0.98, .quantum = 4096});
  b.gauge("process_virtual_memory_bytes",
          {.mean = 2e9 + 2e9 * r.uniform(), .sd = 1.6e7, .keep = 0.99, .quantum = 4096, .p_change = 0.05});
  b.gauge("process_open_fds", {.mean = 40 + 100 * r.uniform(), .sd = 3, .keep = 0.9, .quantum = 1, .p_change = 0.3});
  b.constant("process_max_fds", 1048576);
  b.constant("process_start_time_seconds", std::round(static_cast<double>(end_ms) / 10 - 1e8 * r.uniform()) / 100);
  b.gauge("go_goroutines", {.mean = 50 + 400 * r.uniform(), .sd = 10, .keep = 0.7, .quantum = 1, .follows_load = true});
  b.gauge("go_threads", {.mean = 12 + 20 * r.uniform(), .sd = 1, .keep = 0.9, .quantum = 1, .p_change = 0.02});
  b.gauge("go_memstats_heap_alloc_bytes",
          {.mean = 5e7 + 3e8 * r.uniform(), .sd = 2e7, .keep = 0.3, .lo = 1e6, .quantum = 1});
  b.counter("go_memstats_alloc_bytes_total", {.per_step = 15 * 5e6 * (0.2 + r.uniform())});
  const double gc = 2e-5 + 1e-4 * r.uniform();
  const std::pair<const char*, double> qs[] = {{"0", 0.3}, {"0.25", 0.7}, {"0.5", 1}, {"0.75", 1.5}, {"1", 6}};
  for (const auto& [q, f] : qs)
    b.gauge("go_gc_duration_seconds",
            {.mean = gc * f, .sd = gc * f * 0.2, .keep = 0.5, .lo = 1e-6, .quantum = 1e-9, .p_change = 0.5},
            {{"quantile", q}});
  b.add("go_gc_duration_seconds_sum", float_counter_model{.v = 1e4 * gc * r.uniform(), .per_step = 15 * 0.36 * gc});
  b.counter("go_gc_duration_seconds_count", {.per_step = 15 * 0.3, .jitter = 0.8});
}

} // namespace

std::unique_ptr<target> make_service_target(const ingest_options& o, int host) {
  auto t = std::make_unique<target>(mix(o.seed, static_cast<std::uint64_t>(host) * 2 + 1));
  builder b(*t, services[(host / 12) % std::size(services)], host_ip(host) + ":8080");
  auto& r = b.r();
  t->offset_ms = static_cast<timestamp_ms>(r.uniform() * 15) * 1000;
  t->phase = r.uniform() * 2 * std::numbers::pi;
  service_http(b, 5 + 60 * r.uniform());
  service_runtime(b, o.end_ms);
  b.scrape_series(400 + static_cast<int>(r.uniform() * 100));
  return t;
}

} // namespace vigil::bench
