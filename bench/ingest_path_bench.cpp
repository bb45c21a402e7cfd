// bench/ingest_path_bench.cpp - CPU per sample of the pure parts of the
// remote-write ingest path, on the ingest benchmark's realistic requests
// (bench/ingest_gen.hpp: 96 hosts, ~2,100 samples a request, every series
// known after the first step):
//  - decode: snappy + protobuf + label sets (api/remote_write.hpp);
//  - decode_split: + the router's split into 8 shard batches;
//  - decode_split_append: + store::shard appends, one group commit per shard
//    per request as the shard actors do (fsync never, so the figure is CPU).
// What the server spends beyond decode_split_append per sample is its
// plumbing: HTTP, thread hand-offs, actor messages, fsync.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "api/remote_write.hpp"
#include "bench/ingest_gen.hpp"
#include "store/shard.hpp"
#include "tests/support/temp_dir.hpp"

using namespace vigil;

namespace {

constexpr std::uint32_t shard_count = 8;
constexpr int warm_steps = 2; // the first creates every series

/// `steps` scrapes of the default fleet, one request per host batch.
std::vector<bench::ingest_request> make_requests(int steps) {
  bench::ingest_options o;
  o.steps = steps;
  o.end_ms = 1'790'000'000'000;
  bench::ingest_generator gen(o);
  std::vector<bench::ingest_request> out;
  while (gen.encode_steps(16, out) > 0) {
  }
  return out;
}

/// As the router's split_by_shard (actors/router_actor.cpp), which this
/// binary does not link.
std::vector<write_batch> split(write_batch&& b) {
  std::vector<write_batch> parts(shard_count);
  const std::size_t share = b.items.size() / shard_count;
  for (auto& p : parts) p.items.reserve(share + share / 4 + 4);
  for (auto& s : b.items) parts[s.lbls.hash() % shard_count].items.push_back(std::move(s));
  return parts;
}

/// Decodes every request, and splits each batch by shard with `split_too`.
void decode_requests(benchmark::State& state, bool split_too) {
  const auto reqs = make_requests(40);
  api::remote_write_decoder dec;
  std::size_t samples = 0;
  for (auto _ : state)
    for (const auto& r : reqs) {
      auto b = dec.decode(r.body);
      if (split_too) {
        auto parts = split(std::move(*b));
        benchmark::DoNotOptimize(parts);
      }
      samples += r.samples;
      benchmark::DoNotOptimize(b);
    }
  state.SetItemsProcessed(static_cast<std::int64_t>(samples));
}

void decode(benchmark::State& state) { decode_requests(state, false); }
void decode_split(benchmark::State& state) { decode_requests(state, true); }

void decode_split_append(benchmark::State& state) {
  test::temp_dir dir;
  std::vector<std::unique_ptr<store::shard>> shards;
  for (std::uint32_t i = 0; i < shard_count; ++i) {
    store::shard_options o;
    o.dir = dir.str() + "/shard-" + std::to_string(i);
    o.map_size = std::uint64_t{4} << 30;
    o.sync = store::fsync_policy::never;
    auto sh = store::shard::open(o);
    if (!sh) {
      state.SkipWithError(sh.error().to_string().c_str());
      return;
    }
    shards.push_back(std::move(*sh));
  }
  // Enough steps that the timed loop never re-sends a timestamp (each
  // iteration takes the next slice of steps).
  const int per_iter = 4;
  const auto reqs = make_requests(warm_steps + per_iter * 60);
  const std::size_t batches = reqs.size() / static_cast<std::size_t>(warm_steps + per_iter * 60);
  api::remote_write_decoder dec;
  auto send = [&](const bench::ingest_request& r) -> bool {
    auto parts = split(std::move(*dec.decode(r.body)));
    for (std::uint32_t i = 0; i < shard_count; ++i) {
      if (parts[i].items.empty()) continue;
      auto a = shards[i]->append(parts[i]);
      if (!a) {
        state.SkipWithError(a.error().to_string().c_str());
        return false;
      }
    }
    return true;
  };
  std::size_t next = 0;
  for (; next < batches * warm_steps; ++next)
    if (!send(reqs[next])) return;
  std::size_t samples = 0;
  for (auto _ : state) {
    if (next + batches * per_iter > reqs.size()) {
      state.SkipWithError("out of steps: raise the generated count");
      return;
    }
    for (std::size_t k = 0; k < batches * per_iter; ++k, ++next) {
      if (!send(reqs[next])) return;
      samples += reqs[next].samples;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(samples));
}

} // namespace

BENCHMARK(decode)->Unit(benchmark::kMillisecond);
BENCHMARK(decode_split)->Unit(benchmark::kMillisecond);
BENCHMARK(decode_split_append)->Unit(benchmark::kMillisecond)->Iterations(50);
