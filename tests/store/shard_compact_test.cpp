// Tests for store::compact_dense (vigil compact): offline, every sample
// stays, open chunks are sealed, the file holds only full pages.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>

#include "store/lmdb.hpp"
#include "store/chunk.hpp"
#include "store/schema.hpp"
#include "tests/store/shard_test_util.hpp"

using namespace vigil;
using namespace vigil::store;
using namespace vigil::store::testing;
namespace fs = std::filesystem;

namespace {

constexpr timestamp_ms t0 = 1'700'000'000'000;

/// `n` series scraped `scrapes` times every 15 s, one scrape per batch (as
/// remote write sends them), noisy values; then late samples into the
/// middle of a few series.
void scrape(shard_fixture& f, int n, int scrapes, int first = 0) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> noise(0, 100);
  for (int k = first; k < first + scrapes; ++k) {
    write_batch b;
    for (int i = 0; i < n; ++i)
      b.items.push_back({labels{{"__name__", i % 3 ? "node_cpu_seconds_total" : "temp_celsius"},
                                {"instance", "host-" + std::to_string(i / 10) + ":9100"},
                                {"cpu", std::to_string(i % 10)}},
                         {{t0 + k * 15'000, i % 3 ? double(k * (i + 1)) : noise(rng)}}});
    f.append(b);
  }
  write_batch late;
  for (int i = 0; i < n; i += 17)
    late.items.push_back({labels{{"__name__", "temp_celsius"}, {"instance", "host-late"}, {"cpu", std::to_string(i)}},
                          {{t0 + 7'500, 1.5}, {t0 + 3'000, 0.5}}});
  f.append(late);
}

std::vector<series> everything(shard_fixture& f) { return f.select({re("__name__", ".+")}); }

/// A read txn on the (closed) shard in `dir`.
struct closed_shard {
  lmdb::env e;
  lmdb::txn t; ///< after e: ends first
  explicit closed_shard(const std::string& dir) {
    auto env = lmdb::env::open_read_only(dir);
    BOOST_REQUIRE(env.has_value());
    e = std::move(*env);
    auto txn = lmdb::txn::begin(e, true);
    BOOST_REQUIRE(txn.has_value());
    t = std::move(*txn);
  }
};

/// meta["format_version"] of the (closed) shard in `dir`.
int format_of(const std::string& dir) {
  closed_shard s(dir);
  auto meta = s.t.open_dbi("meta", 0u);
  BOOST_REQUIRE(meta.has_value());
  lmdb::bytes v;
  BOOST_REQUIRE(s.t.get(*meta, lmdb::as_bytes(meta_format_key), &v).is_ok());
  BOOST_REQUIRE_EQUAL(v.size(), 1u);
  return v[0];
}

/// Entries of sub-database `name` of the (closed) shard in `dir` (0 when it
/// has none).
std::size_t entries_of(const std::string& dir, const char* name) {
  closed_shard s(dir);
  auto d = s.t.open_dbi(name, 0u);
  if (!d) return 0;
  auto st = s.t.stat(*d);
  BOOST_REQUIRE(st.has_value());
  return st->ms_entries;
}

/// Chunk records of each encoding in the (closed) shard in `dir`.
std::map<int, std::size_t> encodings_of(const std::string& dir) {
  closed_shard s(dir);
  auto d = s.t.open_dbi("chunks", 0u);
  BOOST_REQUIRE(d.has_value());
  auto c = lmdb::cursor::open(s.t, *d);
  BOOST_REQUIRE(c.has_value());
  std::map<int, std::size_t> out;
  for (auto at = c->move(MDB_FIRST); at && *at; at = c->move(MDB_NEXT)) ++out[c->value()[1]];
  return out;
}

/// Scrapes k in [from, to) of `targets` targets with `per_target` series
/// each (m<i>{target}): a target's series share one jittered timestamp per
/// scrape (0-19 ms), the targets differ; the value of series i of target g
/// at scrape k is value(k, i, g).
template <class Value>
void scrape_targets(shard_fixture& f, std::mt19937_64& rng, int from, int to, int targets, int per_target,
                    Value value) {
  for (int k = from; k < to; ++k) {
    write_batch b;
    for (int target = 0; target < targets; ++target) {
      const timestamp_ms t = t0 + k * 15'000 + target * 1000 + static_cast<timestamp_ms>(rng() % 20);
      for (int i = 0; i < per_target; ++i)
        b.items.push_back({labels{{"__name__", "m" + std::to_string(i)}, {"target", std::to_string(target)}},
                           {{t, value(k, i, target)}}});
    }
    f.append(b);
  }
}

} // namespace

BOOST_AUTO_TEST_SUITE(shard_compact)

BOOST_AUTO_TEST_CASE(scrape_targets_keep_their_timestamps_once_and_every_path_reads_them_back) {
  // 12 targets of 25 series each, scraped with per-target jitter: each
  // target's series share their timestamp column, the targets' differ.
  shard_fixture f(fsync_policy::never);
  std::mt19937_64 rng(3);
  auto scrape_range = [&](int from, int to) {
    scrape_targets(f, rng, from, to, 12, 25, [](int k, int i, int g) { return double(k * (i + 1) + g); });
  };
  scrape_range(0, 200);
  const auto want = everything(f);
  BOOST_REQUIRE_EQUAL(want.size(), 300u);
  f.close();
  const auto before = fs::file_size(fs::path(f.opts.dir) / "data.mdb");
  auto r = compact_dense(f.opts);
  BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().to_string()));
  BOOST_TEST(format_of(f.opts.dir) == int{format_version_shared_ts});
  const auto columns = entries_of(f.opts.dir, "tscols");
  BOOST_TEST(columns >= 12u);
  BOOST_TEST(columns <= 12u * 4u); // per target and block, not per series
  const auto enc = encodings_of(f.opts.dir);
  BOOST_TEST(enc.count(int(chunk_encoding::packed_shared_ts_v1)) == 1u);
  BOOST_TEST_MESSAGE("data.mdb " << before << " -> " << r->bytes_after << " bytes, " << columns << " columns");
  f.reopen();
  BOOST_TEST(everything(f) == want); // chunk_reader
  // New scrapes: the series resume after their sealed records (the last
  // record becomes the open chunk again); compacted again, the older
  // samples sit in shared-column records before the series' last one.
  scrape_range(200, 330);
  f.close();
  BOOST_REQUIRE(compact_dense(f.opts).has_value());
  f.reopen();
  scrape_range(330, 331);
  // Late samples into such a record (merged: decoded, re-encoded).
  write_batch late;
  for (int target = 0; target < 12; ++target)
    late.items.push_back({labels{{"__name__", "m3"}, {"target", std::to_string(target)}}, {{t0 + 7 * 15'000 + 7'777, -1.0}}});
  f.append(late);
  auto got = everything(f);
  BOOST_REQUIRE_EQUAL(got.size(), 300u);
  for (std::size_t i = 0; i < got.size(); ++i) {
    const bool m3 = got[i].lbls.get("__name__") == "m3";
    BOOST_REQUIRE_EQUAL(got[i].samples.size(), want[i].samples.size() + 131u + (m3 ? 1u : 0u));
    auto w = want[i].samples;
    if (m3) {
      w.push_back({t0 + 7 * 15'000 + 7'777, -1.0});
      std::sort(w.begin(), w.end(), [](const sample& a, const sample& b) { return a.t < b.t; });
    }
    BOOST_REQUIRE(std::equal(w.begin(), w.end(), got[i].samples.begin()));
  }
  // Compacted again: the same samples, and again fewer bytes than plain.
  f.close();
  BOOST_REQUIRE(compact_dense(f.opts).has_value());
  f.reopen();
  BOOST_TEST(everything(f) == got);
  // Into the cold tier (segments hold plain packed records) and back.
  f.close();
  f.opts.cold.after_ms = 1;
  f.opts.cold.every_ms = 1;
  f.opts.cold.dir = f.dir.str() + "/cold";
  f.reopen();
  std::uint64_t moved = 0;
  for (int steps = 0;; ++steps) {
    BOOST_REQUIRE(steps < 10'000);
    auto r = f.sh->cold_step(retention_policy{}, t0 + 1'000 * 15'000, 50);
    BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().to_string()));
    moved += r->records_moved;
    if (!r->more) break;
  }
  BOOST_TEST(moved >= 300u);
  BOOST_TEST(everything(f) == got);
  f.close();
  f.reopen();
  BOOST_TEST(everything(f) == got);
}


BOOST_AUTO_TEST_CASE(a_late_sample_lands_in_an_older_shared_column_record) {
  // 700 scrapes: a series' samples span two sealed records (at most 480 a
  // record), the first of shared columns after compaction; a late sample in
  // it is merged (the record decoded - columns resolved - and rewritten).
  shard_fixture f(fsync_policy::never);
  std::mt19937_64 rng(5);
  scrape_targets(f, rng, 0, 700, 4, 10, [](int k, int i, int) { return double(k + i); });
  const auto want = everything(f);
  f.close();
  BOOST_REQUIRE(compact_dense(f.opts).has_value());
  BOOST_TEST(format_of(f.opts.dir) == int{format_version_shared_ts});
  f.reopen();
  BOOST_REQUIRE(everything(f) == want);
  write_batch late;
  for (int i = 0; i < 10; ++i)
    late.items.push_back({labels{{"__name__", "m" + std::to_string(i)}, {"target", "0"}}, {{t0 + 10 * 15'000 + 500, -2.0}}});
  const auto st = f.append(late);
  BOOST_TEST(st.appended == 10u);
  const auto got = everything(f);
  BOOST_REQUIRE_EQUAL(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    auto w = want[i].samples;
    if (got[i].lbls.get("target") == "0") {
      w.push_back({t0 + 10 * 15'000 + 500, -2.0});
      std::sort(w.begin(), w.end(), [](const sample& a, const sample& b) { return a.t < b.t; });
    }
    BOOST_REQUIRE(got[i].samples == w);
  }
  f.close();
  f.reopen();
  BOOST_TEST(everything(f) == got);
}

BOOST_AUTO_TEST_CASE(every_sample_stays_and_the_file_shrinks) {
  shard_fixture f(fsync_policy::never);
  scrape(f, 300, 200); // 120-sample cuts: every series has a sealed and an open chunk
  const auto want = everything(f);
  BOOST_REQUIRE_EQUAL(want.size(), 300u + 18u);
  f.close();
  auto r = compact_dense(f.opts);
  BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().to_string()));
  BOOST_TEST_MESSAGE("data.mdb " << r->bytes_before << " -> " << r->bytes_after << " bytes, " << r->sealed << " open chunks sealed");
  BOOST_TEST(r->sealed >= 300u); // every open chunk was XOR
  BOOST_TEST(r->bytes_after * 2 < r->bytes_before, r->bytes_before << " -> " << r->bytes_after << " bytes");
  BOOST_TEST(r->bytes_after == fs::file_size(fs::path(f.opts.dir) / "data.mdb"));
  BOOST_TEST(!fs::exists(fs::path(f.opts.dir) / "compact.tmp"));
  // Series records against a dictionary. Every series here is scraped at the
  // same exact 15 s steps: a timestamp column of a few bytes, not worth
  // sharing (next test), so format 3.
  BOOST_TEST(format_of(f.opts.dir) == int{format_version_dict});
  BOOST_TEST(entries_of(f.opts.dir, "tscols") == 0u);
  f.reopen();
  BOOST_TEST(everything(f) == want);
  // Sealed series resume: new samples append after the packed ones; new
  // series and late samples land as usual.
  scrape(f, 310, 1, 200);
  f.close();
  f.reopen();
  auto got = everything(f);
  BOOST_REQUIRE_EQUAL(got.size(), 310u + 19u); // (one more late series: 306)
  std::size_t resumed = 0;
  for (const auto& s : got) {
    const auto it = std::find_if(want.begin(), want.end(), [&](const series& w) { return w.lbls == s.lbls; });
    if (it == want.end()) continue; // a new series
    const bool late = s.lbls.get("instance") == "host-late"; // (its samples again: duplicates)
    if (s.samples.size() == it->samples.size() + (late ? 0u : 1u)) ++resumed;
  }
  BOOST_TEST(resumed == want.size());
  // Compacting a compacted shard (records of both versions, an old
  // dictionary) changes nothing it holds.
  f.close();
  auto again = compact_dense(f.opts);
  BOOST_REQUIRE(again.has_value());
  f.reopen();
  BOOST_TEST(everything(f) == got);
}

BOOST_AUTO_TEST_CASE(an_encrypted_shard_stays_encrypted_and_readable) {
  encryption_key key;
  key.bytes.fill(0x5a);
  key.source = "test-key";
  shard_fixture f(fsync_policy::never, std::uint64_t{1} << 30, key);
  scrape(f, 40, 150);
  const auto want = everything(f);
  f.close();
  auto r = compact_dense(f.opts);
  BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().to_string()));
  BOOST_TEST(format_of(f.opts.dir) == int{format_version_encrypted}); // no dictionary: records stay encrypted
  f.reopen();
  BOOST_TEST(everything(f) == want);
  // The copy kept the key check: another key is refused.
  f.close();
  auto other = f.opts;
  other.encryption->bytes.fill(0x5b);
  BOOST_TEST(!shard::open(other).has_value());
  // Label values are not in the file in the clear.
  std::ifstream in(f.opts.dir + "/data.mdb", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  BOOST_TEST(bytes.find("node_cpu_seconds_total") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_small_shard_does_not_grow) {
  shard_fixture f(fsync_policy::never);
  scrape(f, 3, 2);
  f.close();
  auto r = compact_dense(f.opts);
  BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().to_string()));
  // One txn for the whole copy: no page it replaced is left free.
  BOOST_TEST(r->bytes_after <= r->bytes_before, r->bytes_before << " -> " << r->bytes_after << " bytes");
  BOOST_TEST(format_of(f.opts.dir) == int{format_version}); // too few series for a dictionary
  f.reopen();
  BOOST_TEST(everything(f).size() == 3u + 1u);
}

BOOST_AUTO_TEST_CASE(a_missing_shard_is_an_error_not_a_new_shard) {
  test::temp_dir dir;
  shard_options o;
  o.dir = dir.str() + "/none";
  auto r = compact_dense(o);
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().code() == errc::not_found);
  BOOST_TEST(!fs::exists(o.dir));
}

BOOST_AUTO_TEST_SUITE_END()
