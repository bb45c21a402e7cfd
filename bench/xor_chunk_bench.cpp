// bench/xor_chunk_bench.cpp - XOR chunk encode/decode cost per sample and
// bytes per sample, on 120-sample chunks shaped like scraped data.
#include <benchmark/benchmark.h>

#include <bit>
#include <cstdint>
#include <random>
#include <vector>

#include "store/xor_chunk.hpp"

using namespace vigil;
using namespace vigil::store;

namespace {

constexpr int chunk_samples = 120;

enum shape { gauge = 0, counter = 1, decimal = 2, random_bits = 3 };

/// 15 s scrapes with +-50 ms jitter; values by shape.
std::vector<sample> make_samples(int s, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<sample> out;
  timestamp_ms t = 1'700'000'000'000;
  double v = 1 << 30;
  for (int i = 0; i < chunk_samples; ++i) {
    t += 15'000 + static_cast<timestamp_ms>(rng() % 100) - 50;
    switch (s) {
      case gauge: // memory-like: changes by whole pages now and then
        if (rng() % 3 == 0) v += static_cast<double>((static_cast<int>(rng() % 64) - 32) * 4096);
        break;
      case counter: v += static_cast<double>(rng() % 50); break;
      case decimal: v = static_cast<double>(rng() % 1000) / 10; break; // random, one decimal
      default: v = std::bit_cast<double>(rng() >> 2); break;           // incompressible
    }
    out.push_back({t, v});
  }
  return out;
}

void xor_encode(benchmark::State& state) {
  const auto xs = make_samples(static_cast<int>(state.range(0)), 1);
  std::vector<std::uint8_t> buf;
  buf.reserve(2048);
  for (auto _ : state) {
    auto app = xor_appender::create(buf);
    for (const auto& x : xs) app.append(x.t, x.v);
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetItemsProcessed(state.iterations() * chunk_samples);
  state.counters["bytes/sample"] = static_cast<double>(buf.size()) / chunk_samples;
}

void xor_decode(benchmark::State& state) {
  const auto xs = make_samples(static_cast<int>(state.range(0)), 1);
  std::vector<std::uint8_t> buf;
  auto app = xor_appender::create(buf);
  for (const auto& x : xs) app.append(x.t, x.v);
  xor_iterator it;
  for (auto _ : state) {
    it.reset(buf);
    double sum = 0;
    while (it.next()) sum += it.v();
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * chunk_samples);
}

/// What a restart costs per series: re-create the appender from stored bytes.
void xor_appender_resume(benchmark::State& state) {
  const auto xs = make_samples(gauge, 1);
  std::vector<std::uint8_t> stored;
  auto app = xor_appender::create(stored);
  for (const auto& x : xs) app.append(x.t, x.v);
  std::vector<std::uint8_t> buf;
  for (auto _ : state) {
    buf = stored;
    auto r = xor_appender::resume(buf);
    benchmark::DoNotOptimize(r.has_value());
  }
}

/// A 5-minute window (the last 20 samples) of a 120-sample open chunk, as an
/// instant query's rate(x[5m]) reads it: arg 0 decodes from the chunk's
/// start, 1 from where a read of the window one scrape earlier stopped
/// (store/xor_resume_cache.hpp; the cache's lookup not included).
void xor_decode_window(benchmark::State& state) {
  const auto xs = make_samples(counter, 1);
  std::vector<std::uint8_t> buf;
  auto app = xor_appender::create(buf);
  for (const auto& x : xs) app.append(x.t, x.v);
  const timestamp_ms lo = xs[chunk_samples - 20].t, hi = xs.back().t;
  std::vector<sample> out;
  xor_resume stop;
  xor_decode_range(buf, xs[chunk_samples - 21].t, hi, out, nullptr, &stop); // the read before
  const bool resume = state.range(0) == 1;
  for (auto _ : state) {
    out.clear();
    xor_decode_range(buf, lo, hi, out, resume ? &stop : nullptr, nullptr);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 20);
}

} // namespace

BENCHMARK(xor_encode)->DenseRange(gauge, random_bits)->ArgName("shape");
BENCHMARK(xor_decode)->DenseRange(gauge, random_bits)->ArgName("shape");
BENCHMARK(xor_appender_resume);
BENCHMARK(xor_decode_window)->Arg(0)->Arg(1)->ArgName("from_stop");
