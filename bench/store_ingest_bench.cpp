// bench/store_ingest_bench.cpp - samples/s through store::shard::append with
// remote-write-shaped batches: 20,000 series scraped every 15 s, sent as
// batches of 2,000 series x 1 sample, one write transaction per batch.
// Variants: fsync per commit (always) or MDB_NOSYNC (never); each *_encrypted
// variant runs the same with encryption at rest (store/crypto.hpp).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "store/shard.hpp"

using namespace vigil;
using namespace vigil::store;

namespace {

constexpr int series_total = 20'000;
constexpr int batch_series = 2'000;
constexpr timestamp_ms interval = 15'000;

struct temp_dir {
  std::string path;
  temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "vigil-bench-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

std::vector<labels> make_labels() {
  std::vector<labels> out;
  for (int i = 0; i < series_total; ++i)
    out.push_back(labels{{"__name__", std::string("node_metric_").append(std::to_string(i % 200))},
                         {"instance", std::string("host-").append(std::to_string(i / 200)).append(":9100")},
                         {"job", "node"},
                         {"cpu", std::to_string(i % 8)}});
  return out;
}

shard_options options(const std::string& dir, fsync_policy sync, bool encrypted) {
  shard_options o;
  o.dir = dir;
  o.map_size = std::uint64_t{8} << 30;
  o.sync = sync;
  if (encrypted) {
    encryption_key k;
    for (std::size_t i = 0; i < k.bytes.size(); ++i) k.bytes[i] = static_cast<std::uint8_t>(i * 37 + 11);
    k.source = "bench.key";
    o.encryption = k;
  }
  return o;
}

/// Batches of one scrape round (values: a slowly moving gauge).
std::vector<write_batch> make_round(const std::vector<labels>& ls, int round) {
  std::vector<write_batch> out(series_total / batch_series);
  for (int i = 0; i < series_total; ++i) {
    const timestamp_ms t = round * interval + i % 1000;
    out[static_cast<std::size_t>(i / batch_series)].items.push_back(
        {ls[static_cast<std::size_t>(i)], {{t, static_cast<double>((i + round) % 100)}}});
  }
  return out;
}

void ingest(benchmark::State& state, fsync_policy sync, bool encrypted = false) {
  temp_dir dir;
  auto sh = shard::open(options(dir.path, sync, encrypted));
  if (!sh) {
    state.SkipWithError(sh.error().to_string().c_str());
    return;
  }
  const auto ls = make_labels();
  int round = 0;
  for (const auto& b : make_round(ls, round++)) (void)(*sh)->append(b); // creates the series
  std::size_t samples = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const auto batches = make_round(ls, round++);
    state.ResumeTiming();
    for (const auto& b : batches) {
      auto r = (*sh)->append(b);
      if (!r) {
        state.SkipWithError(r.error().to_string().c_str());
        return;
      }
      samples += r->appended;
    }
  }
  const auto st = (*sh)->stats();
  state.SetItemsProcessed(static_cast<std::int64_t>(samples));
  state.counters["rounds"] = round;
  state.counters["disk_bytes/sample"] =
      static_cast<double>(st.bytes_on_disk) / static_cast<double>(st.samples_appended + series_total);
}

void ingest_fsync_always(benchmark::State& state) { ingest(state, fsync_policy::always); }
void ingest_fsync_never(benchmark::State& state) { ingest(state, fsync_policy::never); }
void ingest_fsync_always_encrypted(benchmark::State& state) { ingest(state, fsync_policy::always, true); }
void ingest_fsync_never_encrypted(benchmark::State& state) { ingest(state, fsync_policy::never, true); }

/// First round: every series is new (index inserts + postings).
void new_series(benchmark::State& state, bool encrypted) {
  const auto ls = make_labels();
  std::size_t samples = 0;
  for (auto _ : state) {
    state.PauseTiming();
    temp_dir dir;
    auto sh = shard::open(options(dir.path, fsync_policy::never, encrypted));
    const auto batches = make_round(ls, 0);
    state.ResumeTiming();
    for (const auto& b : batches) samples += (*sh)->append(b)->appended;
    state.PauseTiming();
    sh->reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(samples));
}

void ingest_new_series(benchmark::State& state) { new_series(state, false); }
void ingest_new_series_encrypted(benchmark::State& state) { new_series(state, true); }

/// First append after reopen: each series resumes its chunk from LMDB.
void after_reopen(benchmark::State& state, bool encrypted) {
  temp_dir dir;
  const auto ls = make_labels();
  int round = 0;
  {
    auto sh = shard::open(options(dir.path, fsync_policy::never, encrypted));
    for (; round < 30; ++round)
      for (const auto& b : make_round(ls, round)) (void)(*sh)->append(b);
  }
  std::size_t samples = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const auto batches = make_round(ls, round++);
    auto sh = shard::open(options(dir.path, fsync_policy::never, encrypted));
    state.ResumeTiming();
    for (const auto& b : batches) samples += (*sh)->append(b)->appended;
    state.PauseTiming();
    sh->reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(samples));
}

void ingest_after_reopen(benchmark::State& state) { after_reopen(state, false); }
void ingest_after_reopen_encrypted(benchmark::State& state) { after_reopen(state, true); }

/// Select of one metric (100 series) over the last hour, after 2 h of data.
void select_metric(benchmark::State& state, bool encrypted) {
  temp_dir dir;
  const auto ls = make_labels();
  auto sh = shard::open(options(dir.path, fsync_policy::never, encrypted));
  const int rounds = 480;
  for (int round = 0; round < rounds; ++round)
    for (const auto& b : make_round(ls, round)) (void)(*sh)->append(b);
  const matchers ms{*matcher::make(match_type::equal, "__name__", "node_metric_7")};
  std::size_t samples = 0;
  for (auto _ : state) {
    auto r = (*sh)->select(ms, {(rounds - 240) * interval, rounds * interval});
    for (const auto& s : *r) samples += s.samples.size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(samples));
  const auto st = (*sh)->stats();
  state.counters["disk_bytes/sample"] =
      static_cast<double>(st.bytes_on_disk) / static_cast<double>(st.samples_appended);
  state.counters["chunks"] = static_cast<double>(st.chunks);
}

void select_one_metric(benchmark::State& state) { select_metric(state, false); }
void select_one_metric_encrypted(benchmark::State& state) { select_metric(state, true); }

} // namespace

BENCHMARK(ingest_fsync_always)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(ingest_fsync_never)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(ingest_new_series)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(ingest_after_reopen)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(select_one_metric)->Unit(benchmark::kMillisecond);
BENCHMARK(ingest_fsync_always_encrypted)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(ingest_fsync_never_encrypted)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(ingest_new_series_encrypted)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(ingest_after_reopen_encrypted)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(select_one_metric_encrypted)->Unit(benchmark::kMillisecond);
