// Status routes: /-/healthy, /-/ready, /metrics, /api/v1/status/buildinfo,
// /runtimeinfo, /tsdb, and the endpoints answered with empty shapes.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <limits>
#include <memory>
#include <system_error>
#include <thread>

#include <caf/typed_event_based_actor.hpp>

#include "actors/defaults.hpp"
#include "actors/errors.hpp"
#include "actors/inline_queries.hpp"
#include "api/codec_util.hpp"
#include "api/endpoint_params.hpp"
#include "api/prom_json.hpp"
#include "api/routes_detail.hpp"
#include "api/status_json.hpp"
#include "api/tsdb_status.hpp"
#include "messages/series_codec.hpp"

#ifndef VIGIL_VERSION
#define VIGIL_VERSION "0.0.0"
#endif
#ifndef VIGIL_REVISION
#define VIGIL_REVISION ""
#endif
#ifndef VIGIL_BRANCH
#define VIGIL_BRANCH ""
#endif
#ifndef VIGIL_BUILD_DATE
#define VIGIL_BUILD_DATE ""
#endif

namespace vigil::api::detail {

namespace {

/// Number of OS threads of this process (Prometheus reports goroutines).
std::int64_t thread_count() {
  std::error_code ec;
  std::int64_t n = 0;
  for (std::filesystem::directory_iterator it{"/proc/self/task", ec}, end; !ec && it != end; it.increment(ec))
    ++n;
  return n;
}

/// What Prometheus calls goVersion: "C++20, g++ 12.2.0".
std::string toolchain() {
#if defined(__clang__)
  return "C++20, clang " __clang_version__;
#elif defined(__GNUC__)
  return "C++20, g++ " __VERSION__;
#else
  return "C++20";
#endif
}

std::string current_dir() {
  std::error_code ec;
  auto p = std::filesystem::current_path(ec);
  return ec ? std::string{} : p.string();
}

/// Collects a tsdb status from the shards' stats and every series' labels;
/// answers once both arrived, or at the first failure.
struct tsdb_gather {
  tsdb_gather(responder d, std::size_t top) : done(std::move(d)), top_n(top) {}

  void fail(const status& st) {
    if (!std::exchange(finished, true)) done(error_response(st));
  }
  void add_shard(const messages::shard_stats_msg& s) {
    num_series += s.series;
    chunks += s.chunks;
    min_time = std::min(min_time, s.min_time);
    max_time = std::max(max_time, s.max_time);
    part_done();
  }
  void part_done() {
    if (finished || --pending > 0) return;
    finished = true;
    auto st = compute_tsdb_status(sets, top_n);
    st.num_series = num_series;
    st.chunk_count = chunks;
    st.min_time = min_time;
    st.max_time = max_time;
    done(json(200, render_tsdb_status(st)));
  }

  responder done;
  std::size_t top_n;
  std::size_t pending = 2; ///< the shard table and the series list
  bool finished = false;
  std::vector<labels> sets;
  std::uint64_t num_series = 0;
  std::uint64_t chunks = 0;
  timestamp_ms min_time = std::numeric_limits<timestamp_ms>::max();
  timestamp_ms max_time = std::numeric_limits<timestamp_ms>::min();
};

/// Asks every shard of `t` for its stats; fails when a slot is empty.
void request_shard_stats(bridge_ptr self, const std::shared_ptr<tsdb_gather>& g, const shard_table& t,
                         std::chrono::milliseconds timeout) {
  for (std::size_t i = 0; i < t.shards.size(); ++i)
    if (!t.shards[i]) return g->fail(unavailable("shard " + std::to_string(i) + " is unavailable"));
  g->pending += t.shards.size();
  for (const auto& s : t.shards)
    self->request(s, timeout, atom::stats_v)
      .then([=](const messages::shard_stats_msg& m) { g->add_shard(m); },
            [=](caf::error& err) { g->fail(to_status(err)); });
  g->part_done(); // the table itself
}

void request_all_series(bridge_ptr self, const std::shared_ptr<tsdb_gather>& g,
                        const query_service_actor& q, std::chrono::milliseconds timeout) {
  auto all = matcher::make(match_type::regex, std::string(metric_name_label), ".+");
  if (!all) return g->fail(all.error());
  auto sel = messages::make_select(matchers{std::move(*all)}, time_range::all());
  self->request(q, timeout, atom::series_v, sel)
    .then(
      [=](const messages::series_payload& p) {
        auto got = messages::decode_series_set(p.bytes);
        if (!got) return g->fail(got.error());
        for (auto& s : *got) g->sets.push_back(std::move(s.lbls));
        g->part_done();
      },
      [=](caf::error& err) { g->fail(to_status(err)); });
}

/// Storage self-metrics from every shard's stats: per-shard gauges, the
/// commit-latency histogram over all shards, retention counters.
std::string render_storage_metrics(const std::vector<messages::shard_stats_msg>& shards, std::size_t total) {
  std::string out;
  auto head = [&out](const char* name, const char* type, const char* help) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  };
  auto per_shard = [&](const char* name, const char* type, const char* help, auto value, const char* extra = "") {
    head(name, type, help);
    for (const auto& s : shards)
      out += std::string(name) + "{shard=\"" + std::to_string(s.shard_id) + "\"" + extra + "} " +
             std::to_string(value(s)) + "\n";
  };
  head("vigil_storage_shards_up", "gauge", "Shards that answered (of vigil_storage_shards).");
  out += "vigil_storage_shards_up " + std::to_string(shards.size()) + "\n";
  head("vigil_storage_shards", "gauge", "Shards of this node.");
  out += "vigil_storage_shards " + std::to_string(total) + "\n";
  using S = const messages::shard_stats_msg&;
  per_shard("vigil_storage_series", "gauge", "Series in the shard's index.", [](S s) { return s.series; });
  per_shard("vigil_storage_chunks", "gauge", "Chunk records in the shard.", [](S s) { return s.chunks; });
  per_shard("vigil_storage_bytes", "gauge",
            "Bytes the shard uses on disk, by tier (hot: its LMDB environment; cold: its segment files).",
            [](S s) { return s.bytes_on_disk; }, ",tier=\"hot\"");
  for (const auto& s : shards) // the same metric, tier="cold": the shard's segment files
    out += "vigil_storage_bytes{shard=\"" + std::to_string(s.shard_id) + "\",tier=\"cold\"} " +
           std::to_string(s.cold_bytes) + "\n";
  per_shard("vigil_storage_cold_segments", "gauge", "Segment files in the shard's cold tier.",
            [](S s) { return s.cold_segments; });
  per_shard("vigil_storage_cold_moved_records_total", "counter",
            "Chunk records moved from LMDB into cold segments since start.", [](S s) { return s.cold_records_moved; });
  per_shard("vigil_storage_checkpoints_total", "counter",
            "Head checkpoints since start (open chunks written, the head's log emptied).",
            [](S s) { return s.checkpoints; });
  per_shard("vigil_storage_unflushed_samples", "gauge",
            "Logged samples not yet in chunk records that the shard keeps in memory for readers.",
            [](S s) { return s.unflushed_samples; });
  per_shard("vigil_storage_samples_appended_total", "counter", "Samples committed since start.",
            [](S s) { return s.samples_appended; });
  per_shard("vigil_storage_retention_deleted_chunks_total", "counter", "Chunks deleted by retention since start.",
            [](S s) { return s.retention_chunks_deleted; });
  per_shard("vigil_storage_retention_deleted_series_total", "counter",
            "Series removed by retention (no samples left) since start.", [](S s) { return s.retention_series_deleted; });
  per_shard("vigil_storage_rollup_records", "gauge", "Downsampling window and watermark records in the shard.",
            [](S s) { return s.rollup_records; });
  per_shard("vigil_storage_rollup_reads_total", "counter",
            "Pushed-down range functions answered from rollups since start.", [](S s) { return s.rollup_reads; });
  per_shard("vigil_storage_sealed_samples_total", "counter", "Samples the head sealed into packed chunks since start.",
            [](S s) { return s.sealed_samples; });
  per_shard("vigil_storage_sealed_bytes_total", "counter", "Bytes the sealed chunk payloads of those samples took.",
            [](S s) { return s.sealed_bytes; });
  {
    std::uint64_t samples = 0, bytes = 0;
    for (const auto& s : shards) samples += s.sealed_samples, bytes += s.sealed_bytes;
    if (samples > 0 && bytes > 0) {
      head("vigil_storage_compression_ratio", "gauge",
           "16 bytes per raw sample (timestamp + value) over the sealed payload bytes per sample, since start.");
      std::string v;
      append_go_float_g(v, 16.0 * static_cast<double>(samples) / static_cast<double>(bytes));
      out += "vigil_storage_compression_ratio " + v + "\n";
    }
  }
  // One histogram over all shards.
  constexpr std::size_t nb = std::size(messages::commit_buckets_s);
  std::vector<std::uint64_t> buckets(nb + 1);
  std::uint64_t count = 0;
  double sum = 0;
  for (const auto& s : shards) {
    count += s.commits;
    sum += s.commit_seconds;
    for (std::size_t i = 0; i < s.commit_buckets.size() && i <= nb; ++i) buckets[i] += s.commit_buckets[i];
  }
  head("vigil_storage_commit_duration_seconds", "histogram", "Shard write transactions (append + commit + fsync).");
  std::uint64_t cum = 0;
  for (std::size_t i = 0; i <= nb; ++i) {
    cum += buckets[i];
    std::string le;
    if (i == nb) le = "+Inf";
    else append_go_float_g(le, messages::commit_buckets_s[i]);
    out += "vigil_storage_commit_duration_seconds_bucket{le=\"" + le + "\"} " + std::to_string(cum) + "\n";
  }
  std::string sum_text;
  append_go_float_g(sum_text, sum);
  out += "vigil_storage_commit_duration_seconds_sum " + sum_text + "\n";
  out += "vigil_storage_commit_duration_seconds_count " + std::to_string(count) + "\n";
  return out;
}

/// Appends the storage metrics (shards that do not answer in time are left out).
void append_storage_metrics(const ctx& c, std::string text, std::function<void(std::string)> next) {
  struct gather {
    std::string text;
    std::function<void(std::string)> next;
    std::vector<messages::shard_stats_msg> got;
    std::size_t pending = 0, total = 0;
    void done_one() {
      if (--pending == 0) {
        std::sort(got.begin(), got.end(), [](const auto& a, const auto& b) { return a.shard_id < b.shard_id; });
        next(text + render_storage_metrics(got, total));
      }
    }
  };
  const auto timeout = std::chrono::seconds(2);
  c.run([=](bridge_ptr self, const api_handles& h) {
    self->request(h.node, timeout, atom::get_v, atom::shards_v)
      .then(
        [=](const shard_table& t) {
          auto g = std::make_shared<gather>();
          g->text = text;
          g->next = next;
          g->total = t.shards.size();
          g->pending = 1;
          for (const auto& s : t.shards) {
            if (!s) continue;
            ++g->pending;
            self->request(s, timeout, atom::stats_v)
              .then([=](const messages::shard_stats_msg& m) {
                      g->got.push_back(m);
                      g->done_one();
                    },
                    [=](caf::error&) { g->done_one(); });
          }
          g->done_one();
        },
        [=](caf::error&) { next(text); });
  });
}

} // namespace

void get_healthy(const ctx&, call&, responder done) { done(text(200, "vigil is Healthy.\n")); }

void get_ready(const ctx& c, call&, responder done) {
  c.run([=](bridge_ptr self, const api_handles& h) {
    self->request(h.node, std::chrono::seconds(2), atom::status_v)
      .then([=](bool ready) {
              done(ready ? text(200, "vigil is Ready.\n")
                         : text(503, "vigil is not ready: some shards are unavailable.\n"));
            },
            [=](caf::error&) { done(text(503, "vigil is not ready.\n")); });
  });
}

void get_self_metrics(const ctx& c, call&, responder done) {
  const counters& s = *c.stats;
  std::string out;
  auto counter = [&out](const char* name, const char* help, std::uint64_t v) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n" + name + " " +
           std::to_string(v) + "\n";
  };
  counter("vigil_ingest_samples_total", "Samples committed to shards.", s.samples_ingested);
  counter("vigil_ingest_duplicate_samples_total", "Samples skipped: same timestamp as newest.",
          s.samples_duplicate);
  counter("vigil_ingest_out_of_order_samples_total", "Late samples rejected: older than storage.out_of_order_window.",
          s.samples_out_of_order);
  counter("vigil_ingest_limited_samples_total", "Samples of new series rejected by a cardinality limit.",
          s.samples_limited);
  counter("vigil_ingest_rejected_requests_total", "Ingest requests rejected as malformed.",
          s.requests_rejected);
  counter("vigil_ingest_rate_limited_requests_total", "Ingest requests refused (429) by a per-service rate limit.",
          s.requests_rate_limited);
  counter("vigil_ingest_rate_limited_samples_total", "Samples of ingest requests refused by a rate limit.",
          s.samples_rate_limited);
  counter("vigil_queries_total", "PromQL queries received.", s.queries);
  counter("vigil_queries_failed_total", "PromQL queries that failed.", s.queries_failed);
  counter("vigil_queries_memoized_total",
          "Range queries answered with the rendered answer of an identical earlier one (no evaluation).",
          s.queries_memoized);
  if (c.settings.shortcut)
    counter("vigil_queries_inline_total",
            "Instant queries run on the HTTP thread that received them (cheap, every shard in this process).",
            c.settings.shortcut->answered());
  if (c.settings.memo) {
    auto gauge = [&out](const char* name, const char* help, std::uint64_t v) {
      out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " gauge\n" + name + " " +
             std::to_string(v) + "\n";
    };
    gauge("vigil_query_response_memo_bytes", "Bytes held by rendered answers of range queries kept for identical repeats.",
          c.settings.memo->bytes());
    gauge("vigil_query_response_memo_entries", "Rendered range-query answers kept for identical repeats.",
          c.settings.memo->entries());
  }
  append_notify_metrics(c, std::move(out), [c, done](std::string text) {
    append_storage_metrics(c, std::move(text), [c, done](std::string with_storage) {
      append_rule_metrics(c, std::move(with_storage), done);
    });
  });
}

void get_build_info(const ctx&, call&, responder done) {
  build_info b{VIGIL_VERSION, VIGIL_REVISION, VIGIL_BRANCH, "", VIGIL_BUILD_DATE, toolchain()};
  done(json(200, render_build_info(b)));
}

void get_runtime_info(const ctx& c, call&, responder done) {
  runtime_info r;
  r.start_time = c.start_time;
  r.cwd = current_dir();
  r.last_config_time = c.start_time; // the configuration is read once, at start
  r.goroutine_count = thread_count();
  r.gomaxprocs = std::thread::hardware_concurrency();
  r.storage_retention = "unlimited";
  done(json(200, render_runtime_info(r)));
}

void get_tsdb_status(const ctx& c, call& r, responder done) {
  auto top_n = parse_tsdb_limit(r.params);
  if (!top_n) return done(error_response(top_n.error()));
  // Costs one series fan-out over all shards: see api/tsdb_status.hpp.
  auto timeout = defaults::metadata_timeout + std::chrono::seconds(1);
  c.run([=, top = *top_n](bridge_ptr self, const api_handles& h) {
    auto g = std::make_shared<tsdb_gather>(done, top);
    self->request(h.node, timeout, atom::get_v, atom::shards_v)
      .then([=](const shard_table& t) { request_shard_stats(self, g, t, timeout); },
            [=](caf::error& err) { g->fail(to_status(err)); });
    request_all_series(self, g, h.queries, timeout);
  });
}

void get_empty_shape(const ctx&, call& r, responder done) {
  done(json(200, std::string(empty_shape_body(r.path))));
}

} // namespace vigil::api::detail
