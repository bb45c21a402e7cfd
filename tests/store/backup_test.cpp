#include "store/backup.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "store/backup_io.hpp"
#include "store/lmdb.hpp"
#include "store/shard.hpp"
#include "tests/store/store_test_util.hpp"
#include "tests/support/temp_dir.hpp"

using namespace vigil;
using namespace vigil::store;
using namespace vigil::store::testing;
namespace bk = vigil::store::backup;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t t0_ms = 1'750'000'000'000;

/// A data directory of `shards` shard-NNN environments plus `alerts`, which
/// is opened only while data is written (LMDB: never twice in a process).
struct data_fixture {
  test::temp_dir root;
  std::string data = root.str() + "/data";
  std::string backups = root.str() + "/backups";
  int shards;
  std::optional<encryption_key> key; ///< encryption at rest of every shard

  explicit data_fixture(int n = 3, std::optional<encryption_key> k = std::nullopt) : shards(n), key(std::move(k)) {
    for (int s = 0; s < n; ++s) append(s, 0, 50);
    put_alert("group-a", "state-1");
  }

  std::string shard_dir(int s) const {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "/shard-%03d", s);
    return data + buf;
  }

  std::unique_ptr<shard> open_shard(const std::string& dir) const {
    shard_options o;
    o.dir = dir;
    o.map_size = std::uint64_t{1} << 30;
    o.encryption = key;
    auto r = shard::open(o);
    BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().to_string()));
    return std::move(*r);
  }

  /// Appends samples [from, from + n) of a few series to shard `s`.
  void append(int s, int from, int n) const {
    auto sh = open_shard(shard_dir(s));
    write_batch b;
    for (int k = 0; k < 4; ++k) {
      series x{labels{{"__name__", "m"}, {"shard", std::to_string(s)}, {"k", std::to_string(k)}}, {}};
      for (int i = from; i < from + n; ++i) x.samples.push_back({i * 15'000, i * 0.5 + k});
      b.items.push_back(std::move(x));
    }
    BOOST_REQUIRE(sh->append(b).has_value());
  }

  void put_alert(const std::string& key, const std::string& value) const {
    auto e = lmdb::env::open(data + "/alerts", {});
    BOOST_REQUIRE(e.has_value());
    auto t = lmdb::txn::begin(*e, false);
    BOOST_REQUIRE(t.has_value());
    auto dbi = t->open_dbi("states", 0);
    BOOST_REQUIRE(dbi.has_value());
    BOOST_REQUIRE(t->put(*dbi, lmdb::as_bytes(key), lmdb::as_bytes(value)).is_ok());
    BOOST_REQUIRE(t->commit().is_ok());
  }

  /// Every series of every shard under `dir`, by shard name.
  std::map<std::string, std::vector<series>> everything(const std::string& dir) const {
    std::map<std::string, std::vector<series>> out;
    for (int s = 0; s < shards; ++s) {
      const auto name = fs::path(shard_dir(s)).filename().string();
      auto sh = open_shard(dir + "/" + name);
      auto got = sh->select({re("__name__", ".+")}, time_range::all());
      BOOST_REQUIRE(got.has_value());
      out[name] = *got;
    }
    return out;
  }

  bk::backup_result backup(std::int64_t now_ms, std::vector<bk::progress>* events = nullptr) const {
    bk::progress_fn f;
    if (events != nullptr) f = [events](const bk::progress& p) { events->push_back(p); };
    auto r = bk::create({data, backups, "test", now_ms, f, {}});
    BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().to_string()));
    return *r;
  }

  result<bk::restore_result> restore(const std::string& from, const std::string& to, bool force = false) const {
    return bk::restore({from, to, force, {}});
  }
};

const bk::env_result& env_named(const bk::backup_result& r, const std::string& name) {
  for (const auto& e : r.envs)
    if (e.name == name) return e;
  BOOST_FAIL("no environment " + name);
  return r.envs.front();
}

void flip_byte(const std::string& path, std::uint64_t at) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(at));
  char c = 0;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(at));
  f.put(static_cast<char>(c ^ 0x5a));
}

bk::manifest sample_manifest() {
  return {"20250102T030405.123Z", t0_ms, "0.1.0", 2, "/var/lib/vigil data",
          {{"shard-000", {7, 2049, 12, 99}, {}}, {"shard-001", {9, 2049, 13, 0}, "20250101T000000.000Z"}},
          {{"shard-000/data.mdb", 4096, std::string(64, 'a'), {}},
           {"shard-001/data.mdb", 8192, std::string(64, 'b'), "20250101T000000.000Z"}}};
}

} // namespace

BOOST_AUTO_TEST_SUITE(backup_manifest)

BOOST_AUTO_TEST_CASE(round_trips) {
  const auto m = sample_manifest();
  auto back = bk::decode(bk::encode(m), "MANIFEST");
  BOOST_REQUIRE_MESSAGE(back.has_value(), (back ? std::string() : back.error().to_string()));
  BOOST_TEST((*back == m));
}

BOOST_AUTO_TEST_CASE(rejects_altered_truncated_and_future_manifests) {
  auto text = bk::encode(sample_manifest());
  auto altered = text;
  altered[altered.find("8192")] = '9';
  auto r = bk::decode(altered, "MANIFEST");
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().code() == errc::corruption);
  BOOST_TEST(r.error().message().find("checksum mismatch") != std::string::npos);
  r = bk::decode(text.substr(0, text.size() / 2), "MANIFEST");
  BOOST_TEST((!r.has_value() && r.error().code() == errc::corruption));
  auto future = "vigil-backup 2\n" + text.substr(text.find('\n') + 1);
  future = future.substr(0, future.rfind("end ")); // re-seal with a valid checksum
  future += "end " + bk::sha256::of(future) + "\n";
  r = bk::decode(future, "MANIFEST");
  BOOST_TEST((!r.has_value() && r.error().code() == errc::invalid_argument));
}

BOOST_AUTO_TEST_CASE(accepts_only_safe_paths) {
  BOOST_TEST(bk::valid_path("shard-000/data.mdb"));
  BOOST_TEST(bk::valid_path("cold/seg-000001.lz4"));
  BOOST_TEST(!bk::valid_path("../etc/passwd"));
  BOOST_TEST(!bk::valid_path("/abs"));
  BOOST_TEST(!bk::valid_path("a//b"));
  BOOST_TEST(!bk::valid_path("a b"));
  BOOST_TEST(bk::backup_name(t0_ms) == "20250615T150640.000Z");
  BOOST_TEST(bk::is_backup_name(bk::backup_name(t0_ms + 123)));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(backup)

BOOST_AUTO_TEST_CASE(records_size_and_sha256_of_every_file) {
  data_fixture f;
  std::vector<bk::progress> events;
  const auto r = f.backup(t0_ms, &events);
  BOOST_TEST(r.name == bk::backup_name(t0_ms));
  BOOST_TEST(r.shards == 3u);
  BOOST_TEST(r.envs.size() == 4u); // 3 shards + alerts
  auto m = bk::load_manifest(r.dir);
  BOOST_REQUIRE(m.has_value());
  BOOST_TEST(m->shards == 3u);
  BOOST_TEST(m->vigil_version == "test");
  BOOST_REQUIRE_EQUAL(m->files.size(), 4u);
  for (const auto& file : m->files) {
    auto d = bk::hash_file(r.dir + "/" + file.path, nullptr);
    BOOST_REQUIRE(d.has_value());
    BOOST_TEST(d->size == file.size);
    BOOST_TEST(d->sha256 == file.sha256);
    BOOST_TEST(file.origin.empty());
  }
  int finished = 0;
  for (const auto& e : events) finished += e.finished && e.what == bk::phase::copy ? 1 : 0;
  BOOST_TEST(finished == 4);
  BOOST_TEST((events.front().what == bk::phase::plan));
}

BOOST_AUTO_TEST_CASE(restore_gives_identical_series_and_samples) {
  data_fixture f;
  const auto before = f.everything(f.data);
  f.backup(t0_ms);
  const std::string target = f.root.str() + "/restored";
  auto r = f.restore(f.backups, target);
  BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().to_string()));
  BOOST_TEST(r->shards == 3u);
  BOOST_TEST(r->files == 4u);
  const auto after = f.everything(target);
  BOOST_TEST((after == before));
  BOOST_TEST(after.at("shard-002").size() == 4u);
  BOOST_TEST(after.at("shard-002")[0].samples.size() == 50u);
  BOOST_TEST(fs::exists(target + "/alerts/data.mdb"));
  BOOST_TEST(!fs::exists(target + "/.restore.partial"));
}

BOOST_AUTO_TEST_CASE(restores_an_encrypted_node_that_opens_with_its_key_only) {
  encryption_key k;
  k.bytes.fill(0x42);
  k.source = "node.key";
  data_fixture f(2, k);
  const auto before = f.everything(f.data);
  f.backup(t0_ms);
  const std::string target = f.root.str() + "/restored";
  auto r = f.restore(f.backups, target);
  BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().to_string()));
  BOOST_TEST((f.everything(target) == before)); // opened with the same key
  shard_options o;
  o.dir = target + "/shard-001";
  BOOST_TEST(shard::check_encryption(o).message().find("shard-001: the data is encrypted") == 0u);
  o.encryption = k;
  o.encryption->bytes[0] ^= 1;
  o.encryption->source = "other.key";
  auto wrong = shard::open(o);
  BOOST_REQUIRE(!wrong.has_value());
  BOOST_TEST(wrong.error().message() == "shard-001: encryption key does not match this data (key file other.key)");
  // The original and the restored copy both keep writing (each open draws a
  // new session salt, so equal session numbers never share a key).
  f.append(1, 50, 10);
  data_fixture restored_view(0, k);
  restored_view.data = target;
  restored_view.shards = 2;
  restored_view.append(1, 50, 20);
  const auto after = restored_view.everything(target);
  BOOST_TEST(after.at("shard-001").front().samples.size() == 70u);
  BOOST_TEST((after.at("shard-000") == before.at("shard-000")));
  BOOST_TEST(f.everything(f.data).at("shard-001").front().samples.size() == 60u);
}

BOOST_AUTO_TEST_CASE(reuses_unchanged_environments_and_copies_changed_ones) {
  data_fixture f;
  const auto first = f.backup(t0_ms);
  f.append(1, 50, 30);
  const auto second = f.backup(t0_ms + 60'000);
  BOOST_TEST(env_named(second, "shard-001").reused_from.empty());
  for (const char* name : {"shard-000", "shard-002", "alerts"}) {
    BOOST_TEST(env_named(second, name).reused_from == first.name);
    // Hard-linked: one copy of the bytes on disk.
    const auto a = fs::path(first.dir) / name / "data.mdb", b = fs::path(second.dir) / name / "data.mdb";
    BOOST_TEST(fs::equivalent(a, b));
  }
  BOOST_TEST(second.bytes_copied == env_named(second, "shard-001").bytes);
  const auto third = f.backup(t0_ms + 120'000);
  for (const auto& e : third.envs) BOOST_TEST(e.reused_from == second.name);
  const auto before = f.everything(f.data);
  const std::string target = f.root.str() + "/restored";
  BOOST_REQUIRE(f.restore(f.backups, target).has_value()); // the newest: third
  BOOST_TEST((f.everything(target) == before));
  BOOST_TEST(f.everything(target).at("shard-001")[0].samples.size() == 80u);
}

BOOST_AUTO_TEST_CASE(restores_files_referenced_from_an_earlier_backup) {
  data_fixture f;
  const auto first = f.backup(t0_ms);
  f.append(0, 50, 10);
  const auto second = f.backup(t0_ms + 1000);
  // As where hard links fail: the file lives only in the first backup.
  auto m = bk::load_manifest(second.dir);
  BOOST_REQUIRE(m.has_value());
  for (auto& file : m->files)
    if (file.path == "shard-002/data.mdb") {
      file.origin = first.name;
      fs::remove(second.dir + "/" + file.path);
    }
  BOOST_REQUIRE(bk::write_file(second.dir + "/MANIFEST", bk::encode(*m)).is_ok());
  const auto before = f.everything(f.data);
  const std::string target = f.root.str() + "/restored";
  auto r = f.restore(second.dir, target);
  BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().to_string()));
  BOOST_TEST((f.everything(target) == before));
}

BOOST_AUTO_TEST_CASE(corrupted_file_fails_restore_naming_it_and_writes_nothing) {
  data_fixture f;
  const auto r = f.backup(t0_ms);
  const std::string victim = r.dir + "/shard-001/data.mdb";
  flip_byte(victim, fs::file_size(victim) - 100);
  const std::string target = f.root.str() + "/restored";
  auto got = f.restore(f.backups, target);
  BOOST_REQUIRE(!got.has_value());
  BOOST_TEST(got.error().code() == errc::corruption);
  BOOST_TEST(got.error().message().find(victim) != std::string::npos, got.error().message());
  BOOST_TEST(!fs::exists(target));
}

BOOST_AUTO_TEST_CASE(missing_file_fails_restore_naming_it) {
  data_fixture f;
  const auto r = f.backup(t0_ms);
  const std::string victim = r.dir + "/alerts/data.mdb";
  fs::remove(victim);
  const std::string target = f.root.str() + "/restored";
  fs::create_directories(target);
  auto got = f.restore(r.dir, target);
  BOOST_REQUIRE(!got.has_value());
  BOOST_TEST(got.error().code() == errc::corruption);
  BOOST_TEST(got.error().message().find(victim) != std::string::npos, got.error().message());
  BOOST_TEST(fs::is_empty(target));
}

BOOST_AUTO_TEST_CASE(refuses_a_non_empty_target_unless_forced) {
  data_fixture f;
  f.backup(t0_ms);
  const std::string target = f.root.str() + "/restored";
  fs::create_directories(target + "/shard-009");
  std::ofstream(target + "/keep.txt") << "mine";
  auto got = f.restore(f.backups, target);
  BOOST_REQUIRE(!got.has_value());
  BOOST_TEST(got.error().code() == errc::invalid_argument);
  BOOST_TEST(got.error().message().find("not empty") != std::string::npos);
  BOOST_TEST(!fs::exists(target + "/shard-000"));
  got = f.restore(f.backups, target, true);
  BOOST_REQUIRE_MESSAGE(got.has_value(), (got ? std::string() : got.error().to_string()));
  BOOST_TEST(!fs::exists(target + "/shard-009")); // a shard the backup lacks would mix in
  BOOST_TEST(fs::exists(target + "/keep.txt"));
  BOOST_TEST((f.everything(target) == f.everything(f.data)));
}

BOOST_AUTO_TEST_CASE(ignores_incomplete_backups_and_takes_the_newest) {
  data_fixture f;
  const auto first = f.backup(t0_ms);
  fs::create_directories(f.backups + "/" + bk::backup_name(t0_ms + 5000) + ".partial/shard-000");
  fs::create_directories(f.backups + "/" + bk::backup_name(t0_ms + 6000)); // no MANIFEST
  auto dir = bk::resolve(f.backups);
  BOOST_REQUIRE(dir.has_value());
  BOOST_TEST(*dir == first.dir);
  const auto second = f.backup(t0_ms + 7000);
  BOOST_TEST(env_named(second, "shard-000").reused_from == first.name);
  BOOST_TEST(*bk::resolve(f.backups) == second.dir);
  BOOST_TEST(!fs::exists(f.backups + "/" + bk::backup_name(t0_ms + 5000) + ".partial")); // cleaned up
}

BOOST_AUTO_TEST_CASE(names_sort_by_age_even_when_the_clock_goes_back) {
  data_fixture f;
  const auto first = f.backup(t0_ms + 10'000);
  const auto second = f.backup(t0_ms); // the clock went back 10 s
  BOOST_TEST(second.name > first.name);
  BOOST_TEST(*bk::resolve(f.backups) == second.dir);
}

BOOST_AUTO_TEST_CASE(refuses_a_second_backup_into_the_same_directory_at_once) {
  data_fixture f;
  f.backup(t0_ms);
  const int fd = ::open((f.backups + "/.lock").c_str(), O_RDWR | O_CLOEXEC);
  BOOST_REQUIRE(fd >= 0);
  BOOST_REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0); // as a running backup holds it
  auto r = bk::create({f.data, f.backups, "test", t0_ms + 1000, {}, {}});
  ::close(fd);
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().code() == errc::unavailable);
  BOOST_TEST(r.error().message().find("another backup") != std::string::npos);
  f.backup(t0_ms + 2000); // released: fine again
}

BOOST_AUTO_TEST_CASE(rejects_a_directory_without_shards_and_a_target_inside_the_data) {
  data_fixture f;
  auto r = bk::create({f.root.str(), f.backups, "test", t0_ms, {}, {}});
  BOOST_TEST((!r.has_value() && r.error().code() == errc::invalid_argument));
  r = bk::create({f.data, f.data + "/backups", "test", t0_ms, {}, {}});
  BOOST_TEST((!r.has_value() && r.error().code() == errc::invalid_argument));
  auto got = f.restore(f.root.str() + "/nothing-here", f.root.str() + "/restored");
  BOOST_TEST((!got.has_value() && got.error().code() == errc::not_found));
}

BOOST_AUTO_TEST_SUITE_END()
