// bench/chunk_codec_bench.cpp - sealed-chunk codecs compared: XOR (xor_v1)
// against packed (packed_v1), bytes per sample and encode/decode time per
// sample, on 120-sample chunks (and 240-sample packed blocks) of
//  - realistic series: the ingest benchmark's node_exporter and service
//    targets (bench/ingest_gen.hpp; 15 s scrapes, 0-19 ms jitter), grouped as
//    counters, gauges, near-constant gauges (< 10 % of scrapes change),
//    classic histograms (_bucket, _sum, _count), and all series together;
//  - the synthetic shapes of bench/xor_chunk_bench.cpp.
// Decode is the query fast path (decode_chunk_range of a whole chunk).
//
// store_bytes/hosts:H/steps:S/packed:P/sealed_open:O ingests the realistic
// series (H x 212 series, S scrapes, batches of 10 hosts per transaction, as
// the ingest benchmark sends them) through store::head into a fresh LMDB
// environment, with sealed chunks packed (P=1) or XOR (P=0, the format before
// packed_v1), then (O=1) head::seal_open_chunks as a flush would, and reports
// bytes per sample: data.mdb in use, the chunks sub-database's pages, the
// index's pages (series, label_hash, postings), free pages, the chunk keys +
// values themselves, a compacting copy (MDB_CP_COMPACT) and a dense copy
// (every record rewritten in key order), and the CPU time of the appends.
#include <benchmark/benchmark.h>

#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "store/chunk.hpp"
#include "store/head.hpp"
#include "store/lmdb.hpp"
#include "store/packed_chunk.hpp"
#include "store/schema.hpp"
#include "store/series_index.hpp"
#include "store/xor_chunk.hpp"

#ifdef VIGIL_HAVE_INGEST_GEN
#include "bench/ingest_gen.hpp"
#include "bench/ingest_targets.hpp"
#endif

using namespace vigil;
using namespace vigil::store;

namespace {

constexpr std::size_t chunk_samples = 120;

enum set_id { counters, gauges, near_constant, histograms, all_series, syn_gauge, syn_counter, syn_decimal, syn_random, n_sets };
const char* const set_names[] = {"counters", "gauges", "near_constant", "histograms", "all",
                                 "syn_gauge_pages", "syn_counter", "syn_decimal", "syn_random_bits"};

using chunk = std::vector<sample>;

bool ends_with(const std::string& s, const char* suffix) {
  const std::string x(suffix);
  return s.size() >= x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0;
}

std::vector<std::vector<chunk>> make_sets() {
  std::vector<std::vector<chunk>> sets(n_sets);
  auto add = [&](int set, const std::vector<sample>& xs) {
    for (std::size_t i = 0; i + chunk_samples <= xs.size(); i += chunk_samples)
      sets[static_cast<std::size_t>(set)].emplace_back(xs.begin() + static_cast<std::ptrdiff_t>(i),
                                                       xs.begin() + static_cast<std::ptrdiff_t>(i + chunk_samples));
  };
#ifdef VIGIL_HAVE_INGEST_GEN
  bench::ingest_options o;
  o.hosts = 8;
  o.steps = 480;
  o.end_ms = 1'700'000'000'000;
  std::vector<double> vals;
  for (int h = 0; h < o.hosts; ++h) {
    for (int k = 0; k < 2; ++k) {
      auto tg = k == 0 ? bench::make_node_target(o, h) : bench::make_service_target(o, h);
      std::vector<std::vector<sample>> series(tg->names.size());
      for (int step = 0; step < o.steps; ++step) {
        const timestamp_ms t = tg->next(o, step, vals);
        for (std::size_t i = 0; i < vals.size(); ++i) series[i].push_back({t, vals[i]});
      }
      for (std::size_t i = 0; i < series.size(); ++i) {
        const std::string& name = tg->names[i];
        std::size_t changes = 0;
        for (std::size_t j = 1; j < series[i].size(); ++j)
          changes += std::bit_cast<std::uint64_t>(series[i][j].v) != std::bit_cast<std::uint64_t>(series[i][j - 1].v);
        int set = gauges;
        if (name.rfind("http_request_duration_seconds", 0) == 0) set = histograms;
        else if (ends_with(name, "_total") || ends_with(name, "_count") || ends_with(name, "_sum")) set = counters;
        else if (changes * 10 < series[i].size()) set = near_constant;
        add(set, series[i]);
        add(all_series, series[i]);
      }
    }
  }
#endif
  // The shapes of bench/xor_chunk_bench.cpp.
  for (int s = syn_gauge; s <= syn_random; ++s) {
    std::mt19937_64 rng(1);
    for (int c = 0; c < 64; ++c) {
      std::vector<sample> xs;
      timestamp_ms t = 1'700'000'000'000;
      double v = 1 << 30;
      for (std::size_t i = 0; i < chunk_samples; ++i) {
        t += 15'000 + static_cast<timestamp_ms>(rng() % 100) - 50;
        switch (s) {
          case syn_gauge:
            if (rng() % 3 == 0) v += static_cast<double>((static_cast<int>(rng() % 64) - 32) * 4096);
            break;
          case syn_counter: v += static_cast<double>(rng() % 50); break;
          case syn_decimal: v = static_cast<double>(rng() % 1000) / 10; break;
          default: v = std::bit_cast<double>(rng() >> 2); break;
        }
        xs.push_back({t, v});
      }
      add(s, xs);
    }
  }
  return sets;
}

const std::vector<std::vector<chunk>>& sets() {
  static const auto s = make_sets();
  return s;
}

std::vector<std::uint8_t> xor_bytes(const chunk& c) {
  std::vector<std::uint8_t> buf;
  auto app = xor_appender::create(buf);
  for (const auto& x : c) app.append(x.t, x.v);
  return buf;
}

std::size_t samples_of(const std::vector<chunk>& cs) { return cs.size() * chunk_samples; }

void set_counters(benchmark::State& state, const std::vector<chunk>& cs, std::size_t bytes) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * samples_of(cs)));
  state.counters["bytes/sample"] = static_cast<double>(bytes) / static_cast<double>(samples_of(cs));
  state.counters["ns/sample"] = benchmark::Counter(static_cast<double>(samples_of(cs)),
                                                   benchmark::Counter::kIsIterationInvariantRate |
                                                       benchmark::Counter::kInvert);
}

void xor_encode(benchmark::State& state) {
  const auto& cs = sets()[static_cast<std::size_t>(state.range(0))];
  if (cs.empty()) return state.SkipWithError("no data");
  std::vector<std::uint8_t> buf;
  buf.reserve(4096);
  std::size_t bytes = 0;
  for (auto _ : state) {
    bytes = 0;
    for (const auto& c : cs) {
      auto app = xor_appender::create(buf);
      for (const auto& x : c) app.append(x.t, x.v);
      bytes += buf.size();
    }
    benchmark::DoNotOptimize(buf.data());
  }
  set_counters(state, cs, bytes);
}

/// Packed blocks of 120 samples (one head chunk each), or of 240 (block:240,
/// two consecutive chunks of a series, as sealed records hold them).
void packed_encode(benchmark::State& state) {
  const auto& cs = sets()[static_cast<std::size_t>(state.range(0))];
  if (cs.empty()) return state.SkipWithError("no data");
  const bool pairs = state.range(1) == 2 * static_cast<std::int64_t>(chunk_samples);
  packed_encoder enc;
  std::vector<std::uint8_t> buf;
  std::vector<sample> two;
  buf.reserve(8192);
  std::size_t bytes = 0;
  for (auto _ : state) {
    bytes = 0;
    for (std::size_t i = 0; i < cs.size(); i += pairs ? 2 : 1) {
      buf.clear();
      if (pairs && i + 1 < cs.size()) {
        two = cs[i];
        two.insert(two.end(), cs[i + 1].begin(), cs[i + 1].end());
        enc.encode(two, two.size(), buf);
      } else {
        enc.encode(cs[i], chunk_samples, buf);
      }
      bytes += buf.size();
    }
    benchmark::DoNotOptimize(buf.data());
  }
  set_counters(state, cs, bytes);
  if (pairs) return;
  // How much of it is timestamps.
  intseq_encoder ts;
  std::vector<std::uint64_t> t;
  std::size_t t_bytes = 0;
  for (const auto& c : cs) {
    buf.clear();
    t.clear();
    for (const auto& x : c) t.push_back(static_cast<std::uint64_t>(x.t));
    ts.encode(t, buf);
    t_bytes += buf.size();
  }
  state.counters["t_bytes/sample"] = static_cast<double>(t_bytes) / static_cast<double>(samples_of(cs));
}

void decode(benchmark::State& state, chunk_encoding enc) {
  const auto& cs = sets()[static_cast<std::size_t>(state.range(0))];
  if (cs.empty()) return state.SkipWithError("no data");
  std::vector<std::vector<std::uint8_t>> payloads;
  std::size_t bytes = 0;
  packed_encoder pe;
  for (const auto& c : cs) {
    if (enc == chunk_encoding::xor_v1) {
      payloads.push_back(xor_bytes(c));
    } else {
      payloads.emplace_back();
      pe.encode(c, chunk_samples, payloads.back());
    }
    bytes += payloads.back().size();
  }
  std::vector<sample> out;
  out.reserve(chunk_samples);
  for (auto _ : state) {
    for (const auto& p : payloads) {
      out.clear();
      const chunk_view v{enc, 0, p};
      if (!decode_chunk_range(v, INT64_MIN, INT64_MAX, out)) return state.SkipWithError("decode failed");
      benchmark::DoNotOptimize(out.data());
    }
  }
  set_counters(state, cs, bytes);
}

void xor_decode(benchmark::State& state) { decode(state, chunk_encoding::xor_v1); }
void packed_decode(benchmark::State& state) { decode(state, chunk_encoding::packed_v1); }

/// The generic iterator (what has_samples and late-sample merges use).
void packed_iterate(benchmark::State& state) {
  const auto& cs = sets()[static_cast<std::size_t>(state.range(0))];
  if (cs.empty()) return state.SkipWithError("no data");
  std::vector<std::vector<std::uint8_t>> payloads;
  std::size_t bytes = 0;
  packed_encoder pe;
  for (const auto& c : cs) {
    payloads.emplace_back();
    pe.encode(c, chunk_samples, payloads.back());
    bytes += payloads.back().size();
  }
  packed_iterator it;
  for (auto _ : state) {
    double sum = 0;
    for (const auto& p : payloads) {
      it.reset(p);
      while (it.next()) sum += it.v();
    }
    benchmark::DoNotOptimize(sum);
  }
  set_counters(state, cs, bytes);
}

#ifdef VIGIL_HAVE_INGEST_GEN

/// prompb.Label entries (field 1 of TimeSeries) -> labels.
labels decode_labels(const std::string& pb) {
  std::vector<label> out;
  std::size_t p = 0;
  auto varint = [&](std::size_t& at) {
    std::uint64_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
      const auto b = static_cast<std::uint8_t>(pb[at++]);
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
  };
  while (p < pb.size()) {
    ++p; // 0x0a: one label
    const std::size_t len = varint(p);
    const std::size_t end = p + len;
    std::string name, value;
    while (p < end) {
      const auto tag = static_cast<std::uint8_t>(pb[p++]);
      const std::size_t n = varint(p);
      (tag == 0x0a ? name : value) = pb.substr(p, n);
      p += n;
    }
    out.push_back({name, value});
  }
  return labels(std::move(out));
}

std::uint64_t pages_of(const lmdb::txn& t, MDB_dbi dbi) {
  auto st = t.stat(dbi);
  return st ? st->ms_branch_pages + st->ms_leaf_pages + st->ms_overflow_pages : 0;
}

/// Bytes of a copy of every sub-database written in key order with
/// MDB_APPEND: full leaf pages (what a rewriting compaction would reach).
std::uint64_t dense_copy_bytes(const lmdb::env& src, const schema& sdb, const std::string& dir) {
  auto env = lmdb::env::open(dir, {std::uint64_t{8} << 30, 8, true});
  auto db = open_schema(*env);
  auto from = lmdb::txn::begin(src, true);
  auto to = lmdb::txn::begin(*env, false);
  const std::pair<MDB_dbi, MDB_dbi> pairs[] = {
      {sdb.series, db->series}, {sdb.label_hash, db->label_hash}, {sdb.postings, db->postings}, {sdb.chunks, db->chunks}};
  for (const auto& [s, d] : pairs) {
    auto c = lmdb::cursor::open(*from, s);
    unsigned flags = 0;
    mdb_dbi_flags(from->get(), s, &flags);
    const unsigned put_flags = (flags & MDB_DUPSORT) != 0 ? MDB_APPENDDUP : MDB_APPEND;
    for (auto at = c->move(MDB_FIRST); at && *at; at = c->move(MDB_NEXT))
      if (!to->put(d, c->key(), c->value(), put_flags).is_ok()) return 0;
  }
  if (!to->commit().is_ok()) return 0;
  return env->used_bytes();
}

void store_bytes(benchmark::State& state) {
  const int steps = static_cast<int>(state.range(1));
  bench::ingest_options o;
  o.hosts = static_cast<int>(state.range(0));
  o.steps = steps;
  o.end_ms = 1'700'000'000'000;
  for (auto _ : state) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "vigil-codec-XXXXXX").string();
    const std::string dir = ::mkdtemp(tmpl.data());
    auto env = lmdb::env::open(dir, {std::uint64_t{8} << 30, 8, true});
    auto db = open_schema(*env);
    if (!env || !db) return state.SkipWithError("cannot open LMDB");
    series_index index(*db);
    chunk_limits limits;
    if (state.range(2) == 0) limits.sealed_encoding = chunk_encoding::xor_v1;
    head hd(*db, limits);
    std::vector<std::unique_ptr<bench::target>> targets;
    std::vector<std::vector<labels>> lbls;
    for (int h = 0; h < o.hosts; ++h)
      for (int k = 0; k < 2; ++k) {
        targets.push_back(k == 0 ? bench::make_node_target(o, h) : bench::make_service_target(o, h));
        lbls.emplace_back();
        for (const auto& pb : targets.back()->labels_pb) lbls.back().push_back(decode_labels(pb));
      }
    std::uint64_t samples = 0;
    std::vector<double> vals;
    double append_s = 0; // CPU time in append + commit
    for (int step = 0; step < steps; ++step) {
      for (int b = 0; b < o.batches(); ++b) {
        write_batch batch;
        for (int h = b * o.hosts_per_request; h < std::min(o.hosts, (b + 1) * o.hosts_per_request); ++h)
          for (int k = 0; k < 2; ++k) {
            const auto i = static_cast<std::size_t>(2 * h + k);
            const timestamp_ms t = targets[i]->next(o, step, vals);
            for (std::size_t j = 0; j < vals.size(); ++j) batch.items.push_back({lbls[i][j], {{t, vals[j]}}});
          }
        const std::clock_t c0 = std::clock();
        auto t = lmdb::txn::begin(*env, false);
        auto st = hd.append(*t, index, batch);
        if (!st || !index.flush(*t).is_ok() || !t->commit().is_ok()) return state.SkipWithError("append failed");
        hd.on_commit();
        index.on_commit();
        append_s += static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
        samples += st->appended;
      }
    }
    if (state.range(3) == 1) { // flushed: open chunks sealed too
      auto t = lmdb::txn::begin(*env, false);
      if (!hd.seal_open_chunks(*t, std::numeric_limits<timestamp_ms>::max()) || !t->commit().is_ok())
        return state.SkipWithError("seal failed");
    }
    auto t = lmdb::txn::begin(*env, true);
    std::uint64_t kv = 0;
    auto c = lmdb::cursor::open(*t, db->chunks);
    for (auto at = c->move(MDB_FIRST); at && *at; at = c->move(MDB_NEXT)) kv += c->key().size() + c->value().size();
    const double n = static_cast<double>(samples), page = 4096;
    state.counters["disk_B/sample"] = static_cast<double>(env->used_bytes()) / n;
    state.counters["chunks_B/sample"] = static_cast<double>(pages_of(*t, db->chunks)) * page / n;
    state.counters["index_B/sample"] =
        static_cast<double>(pages_of(*t, db->series) + pages_of(*t, db->label_hash) + pages_of(*t, db->postings)) *
        page / n;
    // Free pages: each freelist record is an ID list whose first word is its length.
    std::uint64_t free_pages = 0;
    auto fc = lmdb::cursor::open(*t, 0);
    for (auto at = fc->move(MDB_FIRST); at && *at; at = fc->move(MDB_NEXT)) {
      std::uint64_t len = 0;
      std::memcpy(&len, fc->value().data(), sizeof len);
      free_pages += len;
    }
    state.counters["free_B/sample"] = static_cast<double>(free_pages) * page / n;
    // What a compacting copy (mdb_env_copy2 MDB_CP_COMPACT) would leave.
    const std::string copy = dir + "/compact";
    std::filesystem::create_directory(copy);
    if (mdb_env_copy2(env->get(), copy.c_str(), MDB_CP_COMPACT) == 0)
      state.counters["compact_B/sample"] = static_cast<double>(std::filesystem::file_size(copy + "/data.mdb")) / n;
    state.counters["chunk_kv_B/sample"] = static_cast<double>(kv) / n;
    std::filesystem::create_directory(dir + "/dense");
    state.counters["dense_B/sample"] = static_cast<double>(dense_copy_bytes(*env, *db, dir + "/dense")) / n;
    state.counters["records"] = static_cast<double>(t->stat(db->chunks)->ms_entries);
    state.counters["samples"] = n;
    state.counters["append_cpu_ns/sample"] = append_s * 1e9 / n;
    t->abort();
    std::filesystem::remove_all(dir);
  }
}

#endif

} // namespace

#ifdef VIGIL_HAVE_INGEST_GEN
// The ingest benchmark's small scale (96 hosts = 20,352 series, 160 scrapes);
// with CHUNK_CODEC_BENCH_LONG=1 also 8 h of 24 hosts (a steadier state: 16
// head chunks per series; ~2 minutes, so not part of `make bench`).
const bool store_bytes_registered = [] {
  auto* b = benchmark::RegisterBenchmark("store_bytes", store_bytes)
                ->Args({96, 160, 0, 0})
                ->Args({96, 160, 1, 0})
                ->Args({96, 160, 1, 1});
  if (const char* e = std::getenv("CHUNK_CODEC_BENCH_LONG"); e != nullptr && *e == '1')
    b->Args({24, 1920, 0, 0})->Args({24, 1920, 1, 0})->Args({24, 1920, 1, 1});
  b->ArgNames({"hosts", "steps", "packed", "sealed_open"})->Iterations(1)->Unit(benchmark::kMillisecond);
  return true;
}();
#endif
BENCHMARK(xor_encode)->DenseRange(counters, syn_random)->ArgName("set");
BENCHMARK(packed_encode)->ArgsProduct({benchmark::CreateDenseRange(counters, syn_random, 1), {120}})
    ->ArgNames({"set", "block"});
BENCHMARK(packed_encode)->ArgsProduct({benchmark::CreateDenseRange(counters, all_series, 1), {240}})
    ->ArgNames({"set", "block"});
BENCHMARK(xor_decode)->DenseRange(counters, syn_random)->ArgName("set");
BENCHMARK(packed_decode)->DenseRange(counters, syn_random)->ArgName("set");
BENCHMARK(packed_iterate)->Arg(all_series)->ArgName("set");
