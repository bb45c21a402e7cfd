#include "store/lmdb.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tests/store/test_print.hpp"

#include "tests/support/temp_dir.hpp"

using namespace vigil;
namespace mdb = vigil::store::lmdb;

namespace {

struct env_fixture {
  test::temp_dir dir;
  mdb::env env;
  MDB_dbi dbi = 0;

  explicit env_fixture(std::uint64_t map_size = std::uint64_t{1} << 30) {
    mdb::env_options o;
    o.map_size = map_size;
    o.no_sync = true; // tests need no durability; fsyncs would dominate their time
    auto e = mdb::env::open(dir.str(), o);
    BOOST_REQUIRE_MESSAGE(e.has_value(), (e ? std::string() : e.error().to_string()));
    env = std::move(*e);
    auto t = mdb::txn::begin(env, false);
    BOOST_REQUIRE(t.has_value());
    auto d = t->open_dbi("kv", 0);
    BOOST_REQUIRE(d.has_value());
    dbi = *d;
    BOOST_REQUIRE(t->commit().is_ok());
  }

  bool has(std::string_view key) {
    auto t = mdb::txn::begin(env, true);
    BOOST_REQUIRE(t.has_value());
    mdb::bytes v;
    return t->get(dbi, mdb::as_bytes(key), &v).is_ok();
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(lmdb)

BOOST_AUTO_TEST_CASE(txn_aborts_in_destructor_unless_committed) {
  env_fixture f;
  {
    auto t = mdb::txn::begin(f.env, false);
    BOOST_REQUIRE(t.has_value());
    BOOST_REQUIRE(t->put(f.dbi, mdb::as_bytes("dropped"), mdb::as_bytes("x")).is_ok());
  }
  BOOST_TEST(!f.has("dropped"));
  {
    auto t = mdb::txn::begin(f.env, false);
    BOOST_REQUIRE(t->put(f.dbi, mdb::as_bytes("kept"), mdb::as_bytes("y")).is_ok());
    BOOST_REQUIRE(t->commit().is_ok());
    BOOST_TEST(!t->active());
    BOOST_TEST(t->commit().code() == errc::io_error); // already finished
  }
  BOOST_TEST(f.has("kept"));
}

BOOST_AUTO_TEST_CASE(a_read_txns_id_names_the_snapshot_it_reads) {
  // Every commit stores its own txn id; readers beside it (more threads
  // than cores, so that some are preempted inside mdb_txn_begin) check that
  // the value they read is mdb_txn_id() of their txn. LMDB 0.9 alone gives
  // a reader preempted there the roots of a commit two ids newer than the
  // id it reports (txn::begin retries then).
  env_fixture f;
  std::atomic<bool> done{false};
  std::atomic<long> mismatches{0}, reads{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 4; ++r)
    readers.emplace_back([&] {
      while (!done.load(std::memory_order_relaxed)) {
        auto t = mdb::txn::begin(f.env, true);
        if (!t) continue;
        mdb::bytes v;
        if (!t->get(f.dbi, mdb::as_bytes("txn"), &v).is_ok() || v.size() != 8) continue;
        std::uint64_t stored = 0;
        std::memcpy(&stored, v.data(), 8);
        if (stored != mdb_txn_id(t->get())) ++mismatches;
        ++reads;
      }
    });
  for (int c = 0; c < 20'000; ++c) {
    auto t = mdb::txn::begin(f.env, false);
    BOOST_REQUIRE(t.has_value());
    const std::uint64_t id = mdb_txn_id(t->get());
    std::uint8_t bytes[8];
    std::memcpy(bytes, &id, 8);
    BOOST_REQUIRE(t->put(f.dbi, mdb::as_bytes("txn"), std::span<const std::uint8_t>(bytes, 8)).is_ok());
    BOOST_REQUIRE(t->commit().is_ok());
  }
  done = true;
  for (auto& r : readers) r.join();
  BOOST_TEST(reads.load() > 0);
  BOOST_TEST(mismatches.load() == 0);
}

BOOST_AUTO_TEST_CASE(a_reused_read_txn_reads_the_newest_commit_and_holds_no_snapshot_while_idle) {
  // Ended read txns are kept reset and renewed by the next begin: a renewed
  // one must see every commit before it, and an idle one must not pin its old
  // snapshot (a writer then reuses the pages freed since).
  env_fixture f;
  auto put = [&](std::string_view k, std::string_view v) {
    auto w = mdb::txn::begin(f.env, false);
    BOOST_REQUIRE(w.has_value());
    BOOST_REQUIRE(w->put(f.dbi, mdb::as_bytes(k), mdb::as_bytes(v)).is_ok());
    BOOST_REQUIRE(w->commit().is_ok());
  };
  MDB_txn* first = nullptr;
  for (int round = 0; round < 50; ++round) {
    put("k", std::to_string(round));
    auto r = mdb::txn::begin(f.env, true);
    BOOST_REQUIRE(r.has_value());
    if (round == 0) first = r->get();
    BOOST_TEST((r->get() == first)); // the same txn, renewed
    BOOST_TEST(mdb_txn_id(r->get()) == f.env.last_txn_id());
    mdb::bytes v;
    BOOST_REQUIRE(r->get(f.dbi, mdb::as_bytes("k"), &v).is_ok());
    BOOST_TEST(std::string(v.begin(), v.end()) == std::to_string(round));
  }
  // Many at once (more than are kept idle), then all ended.
  {
    std::vector<mdb::txn> open;
    for (int i = 0; i < 40; ++i) {
      auto r = mdb::txn::begin(f.env, true);
      BOOST_REQUIRE(r.has_value());
      open.push_back(std::move(*r));
    }
    std::vector<MDB_txn*> handles;
    for (auto& t : open) handles.push_back(t.get());
    std::sort(handles.begin(), handles.end());
    BOOST_TEST((std::adjacent_find(handles.begin(), handles.end()) == handles.end())); // no txn handed out twice
  }
  // Idle txns hold no snapshot: rewriting one value many times does not grow
  // the file (each commit frees the previous pages; a pinned snapshot would
  // keep them from reuse).
  const std::string big(3000, 'x');
  put("big", big);
  const auto used = f.env.used_bytes();
  for (int i = 0; i < 300; ++i) put("big", big + std::to_string(i));
  BOOST_TEST(f.env.used_bytes() <= used + 16 * 4096);
}

BOOST_AUTO_TEST_CASE(get_reports_not_found_for_absent_keys) {
  env_fixture f;
  auto t = mdb::txn::begin(f.env, true);
  mdb::bytes v;
  BOOST_TEST(t->get(f.dbi, mdb::as_bytes("nope"), &v).code() == errc::not_found);
}

BOOST_AUTO_TEST_CASE(maps_mdb_codes_to_status) {
  BOOST_TEST(mdb::to_status(MDB_SUCCESS, "x").is_ok());
  BOOST_TEST(mdb::to_status(MDB_NOTFOUND, "x").code() == errc::not_found);
  BOOST_TEST(mdb::to_status(MDB_MAP_FULL, "x").code() == errc::resource_exhausted);
  BOOST_TEST(mdb::to_status(MDB_READERS_FULL, "x").code() == errc::resource_exhausted);
  BOOST_TEST(mdb::to_status(MDB_TXN_FULL, "x").code() == errc::resource_exhausted);
  BOOST_TEST(mdb::to_status(ENOMEM, "x").code() == errc::resource_exhausted);
  BOOST_TEST(mdb::to_status(MDB_CORRUPTED, "x").code() == errc::corruption);
  BOOST_TEST(mdb::to_status(MDB_PAGE_NOTFOUND, "x").code() == errc::corruption);
  BOOST_TEST(mdb::to_status(MDB_INVALID, "x").code() == errc::corruption);
  BOOST_TEST(mdb::to_status(MDB_VERSION_MISMATCH, "x").code() == errc::corruption);
  BOOST_TEST(mdb::to_status(MDB_INCOMPATIBLE, "x").code() == errc::corruption);
  BOOST_TEST(mdb::to_status(MDB_BAD_VALSIZE, "x").code() == errc::invalid_argument);
  BOOST_TEST(mdb::to_status(MDB_PANIC, "x").code() == errc::io_error);
  BOOST_TEST(mdb::to_status(EACCES, "x").code() == errc::io_error);
  BOOST_TEST(mdb::to_status(ENOSPC, "open data.mdb").message().starts_with("open data.mdb: "));
}

BOOST_AUTO_TEST_CASE(full_map_is_resource_exhausted) {
  env_fixture f(std::uint64_t{1} << 20); // 1 MiB map
  const std::vector<std::uint8_t> value(1000, 0x5a);
  status st;
  for (int i = 0; i < 10000 && st.is_ok(); ++i) {
    auto t = mdb::txn::begin(f.env, false);
    BOOST_REQUIRE(t.has_value());
    const std::string key = std::string("k").append(std::to_string(i));
    st = t->put(f.dbi, mdb::as_bytes(key), value);
    if (st.is_ok()) st = t->commit();
  }
  BOOST_TEST(st.code() == errc::resource_exhausted);
  BOOST_TEST(f.has("k0")); // earlier commits survive
}

BOOST_AUTO_TEST_CASE(oversized_key_is_invalid_argument) {
  env_fixture f;
  auto t = mdb::txn::begin(f.env, false);
  const std::string key(600, 'k');
  BOOST_TEST(t->put(f.dbi, mdb::as_bytes(key), mdb::as_bytes("v")).code() == errc::invalid_argument);
}

BOOST_AUTO_TEST_CASE(cursor_seeks_and_steps_in_key_order) {
  env_fixture f;
  {
    auto t = mdb::txn::begin(f.env, false);
    for (std::string k : {"b", "d", "f"}) BOOST_REQUIRE(t->put(f.dbi, mdb::as_bytes(k), mdb::as_bytes(k)).is_ok());
    BOOST_REQUIRE(t->commit().is_ok());
  }
  auto t = mdb::txn::begin(f.env, true);
  auto c = mdb::cursor::open(*t, f.dbi);
  BOOST_REQUIRE(c.has_value());
  auto at = c->seek(mdb::as_bytes("c"));
  BOOST_REQUIRE(at.has_value() && *at);
  BOOST_TEST(std::string(c->key().begin(), c->key().end()) == "d");
  at = c->move(MDB_PREV);
  BOOST_TEST(std::string(c->value().begin(), c->value().end()) == "b");
  at = c->seek(mdb::as_bytes("g"));
  BOOST_REQUIRE(at.has_value());
  BOOST_TEST(!*at);
  at = c->move(MDB_LAST);
  BOOST_TEST(std::string(c->key().begin(), c->key().end()) == "f");
  at = c->find(mdb::as_bytes("e"));
  BOOST_TEST(!*at);
}

BOOST_AUTO_TEST_CASE(open_fails_with_io_error_on_a_file_path) {
  test::temp_dir dir;
  const std::string file = dir.str() + "/file";
  { std::FILE* fp = std::fopen(file.c_str(), "w"); std::fclose(fp); }
  auto e = mdb::env::open(file + "/sub", {});
  BOOST_REQUIRE(!e.has_value());
  BOOST_TEST(e.error().code() == errc::io_error);
}

BOOST_AUTO_TEST_SUITE_END()
