// Encryption at rest of a shard: an encrypted shard answers exactly as an
// unencrypted one fed the same writes, its files hold no label value or
// sample bytes in plain text, altered records are corruption, and a wrong,
// missing or extra key is refused at open (store/FORMAT.md §6).
#include <algorithm>
#include <bit>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "store/chunk_reader.hpp"
#include "store/head.hpp"
#include "store/keys.hpp"
#include "store/lmdb.hpp"
#include "store/schema.hpp"
#include "store/series_index.hpp"
#include "store/shard.hpp"
#include "tests/store/shard_test_util.hpp"

using namespace vigil;
using namespace vigil::store;
using namespace vigil::store::testing;

namespace {

constexpr std::string_view secret = "zebra-secret-7391";
constexpr double secret_value = 1234567.891;
constexpr timestamp_ms base = 1'700'000'000'000;
/// The newest sample of the secret series, in its first (open) chunk, and no
/// chunk's first time (those are in keys, which stay plain).
constexpr timestamp_ms secret_time = base + 49 * 15'000 + 4'321;
constexpr timestamp_ms interval = 15'000;

encryption_key key_of(std::uint8_t fill, std::string source = "k1.key") {
  encryption_key k;
  for (std::size_t i = 0; i < k.bytes.size(); ++i) k.bytes[i] = static_cast<std::uint8_t>(fill + i * 7);
  k.source = std::move(source);
  return k;
}

const std::string long_value = std::string(600, 'L') + "-end"; // hashed postings key when plain

std::vector<labels> make_series() {
  std::vector<labels> out;
  for (int i = 0; i < 40; ++i)
    out.push_back(labels{{"__name__", "metric_" + std::to_string(i % 5)},
                         {"job", "j" + std::to_string(i % 3)},
                         {"instance", "host-" + std::to_string(i)},
                         {"tenant", i == 0 ? std::string(secret) : "t" + std::to_string(i % 4)}});
  out.push_back(labels{{"__name__", "metric_long"}, {"long", long_value}});
  return out;
}

/// Rounds of writes with in-order samples plus duplicates, overwrites,
/// out-of-order samples and backfills, from a fixed seed.
std::vector<write_batch> make_batches(int rounds, int first_round = 0) {
  std::mt19937_64 rng(42 + static_cast<unsigned>(first_round));
  const auto all = make_series();
  std::vector<write_batch> out;
  for (int r = first_round; r < first_round + rounds; ++r) {
    write_batch b;
    for (std::size_t i = 1; i < all.size(); ++i) {
      const timestamp_ms t = base + r * interval + static_cast<timestamp_ms>(rng() % 20);
      series s{all[i], {{t, static_cast<double>(rng() % 1000) / 10}}};
      if (rng() % 20 == 0) s.samples.push_back({t - interval * static_cast<timestamp_ms>(1 + rng() % 50), 7.5});
      if (rng() % 40 == 0) s.samples.push_back(s.samples.front()); // duplicate
      b.items.push_back(std::move(s));
    }
    out.push_back(std::move(b));
  }
  return out;
}

/// The secret series: a distinctive first value of its (open) chunk and a
/// distinctive newest time, which an unencrypted record holds verbatim.
write_batch secret_batch() {
  series s{make_series()[0], {}};
  s.samples.push_back({base, secret_value});
  for (int i = 1; i < 50; ++i) s.samples.push_back({base + i * interval, static_cast<double>(i)});
  s.samples.push_back({secret_time, 2.5});
  return write_batch{{s}};
}

const std::vector<matchers>& selectors() {
  static const std::vector<matchers> all = {
      {eq("__name__", "metric_1")},
      {eq("__name__", "metric_1"), neq("job", "j1")},
      {re("job", "j[0-1]")},
      {re("tenant", ".*secret.*")},
      {eq("tenant", std::string(secret))},
      {eq("__name__", "metric_2"), nre("tenant", "t1|")},
      {eq("__name__", "metric_3"), eq("missing", "")},
      {re("__name__", ".+")},
      {eq("long", long_value)},
      {re("long", "L+-end")},
      {eq("tenant", "no-such-value")},
  };
  return all;
}

const std::vector<time_range>& ranges() {
  static const std::vector<time_range> all = {time_range::all(),
                                              {base, base + 10 * interval},
                                              {base + 100 * interval, base + 105 * interval},
                                              {base + 1000 * interval, base + 2000 * interval}};
  return all;
}

/// An unencrypted and an encrypted shard that get the same writes.
struct twin_shards {
  shard_fixture plain{fsync_policy::never};
  shard_fixture enc{fsync_policy::never, std::uint64_t{1} << 30, key_of(1)};

  void append(const write_batch& b) {
    const auto a = plain.append(b);
    const auto e = enc.append(b);
    BOOST_TEST(a.appended == e.appended);
    BOOST_TEST(a.duplicates == e.duplicates);
    BOOST_TEST(a.new_series == e.new_series);
  }
  void reopen() {
    plain.reopen();
    enc.reopen();
  }

  /// Every query gives the same answer on both; label lists are sorted.
  void expect_same_answers() {
    for (const auto& r : ranges()) {
      for (const auto& ms : selectors()) {
        const auto a = plain.select(ms, r);
        const auto e = enc.select(ms, r);
        BOOST_TEST((a == e), "select " << ms.size() << " matchers, range " << r.min << ".." << r.max);
        auto la = plain.sh->series_labels(ms, r);
        auto le = enc.sh->series_labels(ms, r);
        BOOST_REQUIRE(la.has_value() && le.has_value());
        BOOST_TEST((*la == *le));
        auto na = plain.sh->label_names(ms, r);
        auto ne = enc.sh->label_names(ms, r);
        BOOST_REQUIRE(na.has_value() && ne.has_value());
        BOOST_TEST((*na == *ne));
      }
      auto na = plain.sh->label_names({}, r);
      auto ne = enc.sh->label_names({}, r);
      BOOST_REQUIRE(na.has_value() && ne.has_value());
      BOOST_TEST((*na == *ne));
      for (const char* name : {"__name__", "job", "instance", "tenant", "long", "missing"}) {
        auto va = plain.sh->label_values(name, {}, r);
        auto ve = enc.sh->label_values(name, {}, r);
        BOOST_REQUIRE(va.has_value() && ve.has_value());
        BOOST_TEST((*va == *ve), name);
        BOOST_TEST(std::is_sorted(ve->begin(), ve->end()), name);
        auto vm = enc.sh->label_values(name, {re("job", "j[02]")}, r);
        auto vp = plain.sh->label_values(name, {re("job", "j[02]")}, r);
        BOOST_REQUIRE(vm.has_value() && vp.has_value());
        BOOST_TEST((*vm == *vp), name);
      }
    }
    BOOST_TEST(plain.sh->stats().series == enc.sh->stats().series);
    BOOST_TEST(plain.sh->stats().chunks == enc.sh->stats().chunks);
  }
};

/// Every byte of every file under `dir`.
std::string all_file_bytes(const std::string& dir) {
  std::string out;
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir)) {
    if (!f.is_regular_file()) continue;
    std::ifstream in(f.path(), std::ios::binary);
    out.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return out;
}

std::string be64(std::uint64_t v) {
  std::string s(8, '\0');
  put_u64_be(reinterpret_cast<std::uint8_t*>(s.data()), v);
  return s;
}

std::string le64(std::uint64_t v) {
  std::string s = be64(v);
  std::reverse(s.begin(), s.end());
  return s;
}

/// What an unencrypted shard stores verbatim of the secret series.
std::vector<std::pair<std::string, std::string>> needles() {
  const auto bits = std::bit_cast<std::uint64_t>(secret_value);
  return {{"label value", std::string(secret)},
          {"value bits (big-endian)", be64(bits)},
          {"value bits (little-endian)", le64(bits)},
          {"newest time (key order)", be64(encode_time(secret_time))},
          {"newest time (int64 big-endian)", be64(static_cast<std::uint64_t>(secret_time))},
          {"newest time (int64 little-endian)", le64(static_cast<std::uint64_t>(secret_time))}};
}

std::size_t count_found(const std::string& hay) {
  std::size_t n = 0;
  for (const auto& [what, needle] : needles())
    if (hay.find(needle) != std::string::npos) ++n;
  return n;
}

/// Rewrites every value of sub-database `db_name` in the environment at `dir` with `edit`.
template <class Edit>
void edit_values(const std::string& dir, const char* db_name, Edit edit) {
  auto e = lmdb::env::open(dir, {std::uint64_t{1} << 30, 16, false});
  BOOST_REQUIRE(e.has_value());
  auto t = lmdb::txn::begin(*e, false);
  BOOST_REQUIRE(t.has_value());
  auto dbi = t->open_dbi(db_name, 0);
  BOOST_REQUIRE(dbi.has_value());
  std::vector<std::pair<std::vector<std::uint8_t>, std::vector<std::uint8_t>>> kvs;
  {
    auto c = lmdb::cursor::open(*t, *dbi);
    BOOST_REQUIRE(c.has_value());
    for (auto at = c->move(MDB_FIRST); at && *at; at = c->move(MDB_NEXT))
      kvs.emplace_back(std::vector<std::uint8_t>(c->key().begin(), c->key().end()),
                       std::vector<std::uint8_t>(c->value().begin(), c->value().end()));
  }
  BOOST_REQUIRE(!kvs.empty());
  edit(kvs);
  for (const auto& [k, v] : kvs) BOOST_REQUIRE(t->put(*dbi, k, v).is_ok());
  BOOST_REQUIRE(t->commit().is_ok());
}

shard_options options_in(const std::string& dir, std::optional<encryption_key> key) {
  shard_options o;
  o.dir = dir;
  o.map_size = std::uint64_t{1} << 30;
  o.encryption = std::move(key);
  return o;
}

std::string open_error(const shard_options& o) {
  auto r = shard::open(o);
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().code() == errc::invalid_argument);
  auto check = shard::check_encryption(o);
  BOOST_TEST(check.message() == r.error().message()); // the start-up check says the same
  return r.error().message();
}

} // namespace

BOOST_AUTO_TEST_SUITE(shard_encryption)

BOOST_AUTO_TEST_CASE(answers_as_an_unencrypted_shard_across_reopens) {
  twin_shards s;
  s.append(secret_batch());
  const auto first = make_batches(150);
  for (const auto& b : first) s.append(b);
  s.expect_same_answers();
  s.reopen(); // a new session: older records stay readable, the open chunks resume
  const auto second = make_batches(150, 150);
  for (const auto& b : second) s.append(b);
  s.expect_same_answers();
  s.reopen();
  s.expect_same_answers();
  const auto got = s.enc.select({eq("tenant", std::string(secret))});
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(got[0].samples.front().v == secret_value);
  BOOST_TEST(got[0].samples.back().t == secret_time);
}

BOOST_AUTO_TEST_CASE(out_of_order_merges_and_retention_work_encrypted) {
  twin_shards s;
  for (const auto& b : make_batches(400)) s.append(b);
  // A backfill far before every chunk and a merge into sealed chunks.
  write_batch late;
  for (const auto& ls : make_series())
    late.items.push_back(series{ls, {{base - 3'600'000, 1}, {base + 7 * interval + 1, 2}, {base + 300 * interval + 3, 3}}});
  s.append(late);
  s.expect_same_answers();
  // Retention: metric_1 kept for 30 min, the rest for 1 h before `now`.
  retention_policy p;
  p.default_keep_ms = 60 * 60 * 1000;
  p.rules.push_back({{eq("__name__", "metric_1")}, 30 * 60 * 1000});
  const timestamp_ms now = base + 400 * interval;
  for (auto* f : {&s.plain, &s.enc}) {
    series_ref from = 0;
    std::uint64_t chunks = 0;
    do {
      auto r = f->sh->retention_step(p, now, from, 7);
      BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().to_string()));
      chunks += r->chunks_deleted;
      from = r->next;
    } while (from != 0);
    BOOST_TEST(chunks > 0u);
  }
  s.expect_same_answers();
  // Retention of a whole series drops its label values (and their records).
  p.rules.insert(p.rules.begin(), retention_rule{{eq("tenant", "t1")}, 1});
  for (auto* f : {&s.plain, &s.enc}) BOOST_REQUIRE(f->sh->retention_step(p, now, 0, 1000).has_value());
  auto tenants = s.enc.sh->label_values("tenant", {}, time_range::all());
  BOOST_REQUIRE(tenants.has_value());
  BOOST_TEST((std::find(tenants->begin(), tenants->end(), "t1") == tenants->end()));
  s.expect_same_answers();
  s.reopen();
  for (const auto& b : make_batches(20, 400)) s.append(b); // t1 series come back as new series
  s.expect_same_answers();
}

BOOST_AUTO_TEST_CASE(files_hold_no_label_value_or_sample_bytes_when_encrypted) {
  for (const bool encrypted : {false, true}) {
    test::temp_dir dir;
    const auto o = options_in(dir.str() + "/shard-003", encrypted ? std::optional(key_of(1)) : std::nullopt);
    std::string logged; // the files while the samples are in the head's log (a crash image)
    {
      auto sh = shard::open(o);
      BOOST_REQUIRE(sh.has_value());
      BOOST_REQUIRE((*sh)->append(secret_batch()).has_value());
      for (const auto& b : make_batches(30)) BOOST_REQUIRE((*sh)->append(b).has_value());
      BOOST_TEST((*sh)->stats().unflushed_samples > 0u);
      logged = all_file_bytes(o.dir);
    }
    if (encrypted) BOOST_TEST(count_found(logged) == 0u);
    else BOOST_TEST(count_found(logged) >= 2u); // the label value and the first value's bits
    const std::string bytes = all_file_bytes(o.dir);
    for (const auto& [what, needle] : needles()) {
      const bool found = bytes.find(needle) != std::string::npos;
      if (encrypted) BOOST_TEST(!found, what << " found in an encrypted shard");
    }
    // The scan works: the unencrypted files hold the label value, the first
    // value's bits and the newest time.
    if (!encrypted) BOOST_TEST(count_found(bytes) >= 3u);
    else BOOST_TEST(count_found(bytes) == 0u);
  }
}

BOOST_AUTO_TEST_CASE(a_wrong_missing_or_extra_key_is_refused_at_open) {
  test::temp_dir dir;
  const std::string enc_dir = dir.str() + "/shard-003", plain_dir = dir.str() + "/shard-004";
  BOOST_TEST(shard::check_encryption(options_in(enc_dir, key_of(1))).is_ok()); // nothing there yet
  BOOST_TEST(!std::filesystem::exists(enc_dir + "/data.mdb"));
  {
    auto sh = shard::open(options_in(enc_dir, key_of(1)));
    BOOST_REQUIRE(sh.has_value());
    BOOST_REQUIRE((*sh)->append(secret_batch()).has_value());
    auto p = shard::open(options_in(plain_dir, std::nullopt));
    BOOST_REQUIRE(p.has_value());
    BOOST_REQUIRE((*p)->append(secret_batch()).has_value());
  }
  BOOST_TEST(open_error(options_in(enc_dir, key_of(2, "/etc/vigil/other.key"))) ==
             "shard-003: encryption key does not match this data (key file /etc/vigil/other.key)");
  BOOST_TEST(open_error(options_in(enc_dir, std::nullopt)).find(
                 "shard-003: the data is encrypted, but no encryption key is configured") == 0u);
  BOOST_TEST(open_error(options_in(plain_dir, key_of(1))).find(
                 "shard-004: the data is not encrypted, but an encryption key is configured (key file k1.key)") == 0u);
  // Nothing was changed by the refused opens.
  BOOST_TEST(shard::check_encryption(options_in(enc_dir, key_of(1))).is_ok());
  BOOST_TEST(shard::check_encryption(options_in(plain_dir, std::nullopt)).is_ok());
  for (const auto& o : {options_in(enc_dir, key_of(1)), options_in(plain_dir, std::nullopt)}) {
    auto sh = shard::open(o);
    BOOST_REQUIRE(sh.has_value());
    auto got = (*sh)->select({eq("tenant", std::string(secret))}, time_range::all());
    BOOST_REQUIRE(got.has_value());
    BOOST_REQUIRE_EQUAL(got->size(), 1u);
    BOOST_TEST(got->front().samples.size() == 51u);
  }
}

BOOST_AUTO_TEST_CASE(format_version_and_encryption_records_must_agree) {
  // An encrypted shard is format 2; stripping its encryption records (or
  // marking a plain shard 2) does not make it open as something else.
  test::temp_dir dir;
  const std::string enc_dir = dir.str() + "/shard-001", plain_dir = dir.str() + "/shard-002";
  for (const auto& o : {options_in(enc_dir, key_of(1)), options_in(plain_dir, std::nullopt)}) {
    auto sh = shard::open(o);
    BOOST_REQUIRE(sh.has_value());
    BOOST_REQUIRE((*sh)->append(secret_batch()).has_value());
  }
  auto edit_meta = [](const std::string& d, auto fn) {
    auto e = lmdb::env::open(d, {std::uint64_t{1} << 30, 16, false});
    BOOST_REQUIRE(e.has_value());
    auto t = lmdb::txn::begin(*e, false);
    BOOST_REQUIRE(t.has_value());
    auto meta = t->open_dbi("meta", 0);
    BOOST_REQUIRE(meta.has_value());
    lmdb::bytes v;
    BOOST_REQUIRE(t->get(*meta, lmdb::as_bytes("format_version"), &v).is_ok());
    BOOST_TEST(v[0] == (d.ends_with("1") ? 2 : 1));
    fn(*t, *meta);
    BOOST_REQUIRE(t->commit().is_ok());
  };
  edit_meta(enc_dir, [](lmdb::txn& t, MDB_dbi meta) {
    BOOST_REQUIRE(t.del(meta, lmdb::as_bytes("encryption")).is_ok());
  });
  edit_meta(plain_dir, [](lmdb::txn& t, MDB_dbi meta) {
    const std::uint8_t two[1] = {2};
    BOOST_REQUIRE(t.put(meta, lmdb::as_bytes("format_version"), two).is_ok());
  });
  for (const auto& d : {enc_dir, plain_dir}) {
    auto r = shard::open(options_in(d, std::nullopt));
    BOOST_REQUIRE(!r.has_value());
    BOOST_TEST(r.error().code() == errc::corruption);
    BOOST_TEST(r.error().message().find("format_version 2 disagrees") != std::string::npos, r.error().message());
    BOOST_TEST(shard::check_encryption(options_in(d, std::nullopt)).code() == errc::corruption);
  }
}

BOOST_AUTO_TEST_CASE(altered_or_moved_records_are_corruption) {
  struct tamper_case {
    const char* db;
    bool swap; ///< swap two records' values instead of flipping a bit
  };
  for (const tamper_case tc : {tamper_case{"chunks", false}, tamper_case{"chunks", true},
                               tamper_case{"heads", false}, tamper_case{"heads", true},
                               tamper_case{"series", false}, tamper_case{"series", true},
                               tamper_case{"values", false}, tamper_case{"values", true}}) {
    test::temp_dir dir;
    const auto o = options_in(dir.str() + "/shard", key_of(1));
    {
      auto sh = shard::open(o);
      BOOST_REQUIRE(sh.has_value());
      BOOST_REQUIRE((*sh)->append(secret_batch()).has_value());
      for (const auto& b : make_batches(130)) BOOST_REQUIRE((*sh)->append(b).has_value()); // sealed chunks too
    }
    edit_values(o.dir, tc.db, [&](auto& kvs) {
      if (tc.swap) std::swap(kvs[0].second, kvs[1].second);
      else for (auto& kv : kvs) kv.second[kv.second.size() / 2] ^= 0x01;
    });
    auto sh = shard::open(o);
    BOOST_REQUIRE(sh.has_value()); // open reads only meta
    auto got = (*sh)->select({re("__name__", ".+")}, time_range::all());
    auto values = (*sh)->label_values("tenant", {}, time_range::all());
    const bool failed = (!got && got.error().code() == errc::corruption) ||
                        (!values && values.error().code() == errc::corruption);
    BOOST_TEST(failed, tc.db << (tc.swap ? " swapped" : " flipped"));
    if (!got) BOOST_TEST(got.error().message().find("authentication failed") != std::string::npos,
                         got.error().message());
  }
}

BOOST_AUTO_TEST_CASE(sealing_open_chunks_keeps_records_encrypted) {
  test::temp_dir dir;
  auto e = lmdb::env::open(dir.str(), {std::uint64_t{1} << 30, 16, true});
  BOOST_REQUIRE(e.has_value());
  cipher crypt(key_of(1));
  auto db = open_schema(*e, &crypt, "h");
  BOOST_REQUIRE(db.has_value());
  BOOST_REQUIRE(db->crypt == &crypt);
  series_index index(*db);
  head hd(*db);
  {
    auto t = lmdb::txn::begin(*e, false);
    BOOST_REQUIRE(t.has_value());
    BOOST_REQUIRE(hd.append(*t, index, secret_batch()).has_value());
    BOOST_REQUIRE(index.flush(*t).is_ok());
    BOOST_REQUIRE(t->commit().is_ok());
    hd.on_commit();
  }
  {
    auto t = lmdb::txn::begin(*e, false);
    BOOST_REQUIRE(t.has_value());
    auto n = hd.seal_open_chunks(*t, std::numeric_limits<timestamp_ms>::max());
    BOOST_REQUIRE(n.has_value());
    BOOST_TEST(*n == 1u);
    BOOST_REQUIRE(t->commit().is_ok());
    hd.on_commit();
  }
  auto t = lmdb::txn::begin(*e, true);
  BOOST_REQUIRE(t.has_value());
  auto r = chunk_reader::open(*t, *db);
  BOOST_REQUIRE(r.has_value());
  std::vector<sample> got;
  BOOST_REQUIRE(r->samples(1, time_range::all(), got).is_ok());
  BOOST_TEST((got == secret_batch().items[0].samples));
  BOOST_TEST(count_found(all_file_bytes(dir.str())) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
