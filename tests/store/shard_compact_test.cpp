// Tests for store::compact_dense (vigil compact): offline, every sample
// stays, open chunks are sealed, the file holds only full pages.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "store/lmdb.hpp"
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

/// meta["format_version"] of the (closed) shard in `dir`.
int format_of(const std::string& dir) {
  auto e = lmdb::env::open_read_only(dir);
  BOOST_REQUIRE(e.has_value());
  auto t = lmdb::txn::begin(*e, true);
  BOOST_REQUIRE(t.has_value());
  auto meta = t->open_dbi("meta", 0u);
  BOOST_REQUIRE(meta.has_value());
  lmdb::bytes v;
  BOOST_REQUIRE(t->get(*meta, lmdb::as_bytes(meta_format_key), &v).is_ok());
  BOOST_REQUIRE_EQUAL(v.size(), 1u);
  return v[0];
}

} // namespace

BOOST_AUTO_TEST_SUITE(shard_compact)

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
  BOOST_TEST(format_of(f.opts.dir) == int{format_version_dict}); // series records against a dictionary
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
