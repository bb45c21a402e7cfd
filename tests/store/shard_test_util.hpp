// tests/store/shard_test_util.hpp - a shard in a temporary directory.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <optional>

#include <boost/test/unit_test.hpp>

#include "store/shard.hpp"
#include "tests/store/store_test_util.hpp"
#include "tests/support/temp_dir.hpp"

namespace vigil::store::testing {

struct shard_fixture {
  test::temp_dir dir;
  shard_options opts;
  std::unique_ptr<shard> sh;

  explicit shard_fixture(fsync_policy p = fsync_policy::always, std::uint64_t map_size = std::uint64_t{1} << 30,
                         std::optional<encryption_key> key = std::nullopt) {
    opts.dir = dir.str() + "/shard";
    opts.sync = p;
    opts.map_size = map_size;
    opts.encryption = std::move(key);
    reopen();
  }
  void close() { sh.reset(); }
  void reopen() {
    sh.reset();
    auto r = shard::open(opts);
    BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().to_string()));
    sh = std::move(*r);
  }
  append_stats append(const write_batch& b, timestamp_ms now = 0) {
    auto r = sh->append(b, now);
    BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().to_string()));
    return *r;
  }
  std::vector<series> select(const matchers& ms, time_range range = time_range::all()) {
    auto r = sh->select(ms, range);
    BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().to_string()));
    return *r;
  }
};

/// What a process killed now would leave: the committed data file, copied
/// while no write txn runs (LMDB writes committed pages with write(), so the
/// copy reads them from the page cache). The fixture then uses the copy
/// (`name` under its temporary directory); the old shard is closed, its
/// close-time checkpoint going to the old directory.
inline void crash_and_reopen(shard_fixture& f, const std::string& name) {
  namespace fs = std::filesystem;
  const std::string to = f.dir.str() + "/" + name;
  fs::create_directories(to);
  fs::copy_file(f.opts.dir + "/data.mdb", to + "/data.mdb");
  f.opts.dir = to;
  auto r = shard::open(f.opts);
  BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().to_string()));
  f.sh = std::move(*r);
}

} // namespace vigil::store::testing
