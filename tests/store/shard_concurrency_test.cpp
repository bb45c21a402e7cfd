// Readers beside the writer (the shard readers of actors/shard_actor): select
// and the label queries run on other threads, each in its own read
// transaction, while the owning thread appends and commits. Every read must
// see whole commits only. Also meant for ThreadSanitizer builds of the store.
#include <atomic>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "store/crypto.hpp"
#include "tests/store/shard_test_util.hpp"

using namespace vigil;
using namespace vigil::store;
using namespace vigil::store::testing;

namespace {

// VIGIL_STRESS_COMMITS: more commits, for stress runs beside busy loops.
const int commits = std::getenv("VIGIL_STRESS_COMMITS") ? std::atoi(std::getenv("VIGIL_STRESS_COMMITS")) : 150;
constexpr int fixed_series = 40;

/// Commit c: one sample (t = c s, v = c) for each of the fixed series of `m`,
/// and one new series m2{k="c"}.
write_batch commit_batch(int c) {
  write_batch b;
  for (int i = 0; i < fixed_series; ++i)
    b.items.push_back({labels{{"__name__", "m"}, {"i", std::to_string(i)}}, {{c * 1000, double(c)}}});
  b.items.push_back({labels{{"__name__", "m2"}, {"k", std::to_string(c)}}, {{c * 1000, double(c)}}});
  return b;
}

/// What the readers found wrong (checked on the main thread: Boost.Test
/// assertions are not thread-safe).
struct problems {
  std::mutex mu;
  std::vector<std::string> seen;
  void add(std::string s) {
    std::lock_guard<std::mutex> g(mu);
    if (seen.size() < 10) seen.push_back(std::move(s));
  }
};

void reader(const shard& sh, const std::atomic<bool>& done, problems& bad, std::atomic<int>& reads) {
  auto m = matcher::make(match_type::equal, "__name__", "m");
  auto m2 = matcher::make(match_type::equal, "__name__", "m2");
  auto all_k = matcher::make(match_type::regex, "k", ".+");
  std::size_t last_n = 0, last_k = 0, last_values = 0;
  while (!done.load()) {
    auto a = sh.select({*m}, time_range::all());
    if (!a) return bad.add("select m: " + a.error().to_string());
    if (!a->empty()) {
      if (a->size() != fixed_series) bad.add("m: " + std::to_string(a->size()) + " series");
      const std::size_t n = a->front().samples.size();
      for (const auto& s : *a) {
        if (s.samples.size() != n) {
          std::string d = "m: a commit seen in part: " + s.lbls.to_string() + " has " +
                          std::to_string(s.samples.size()) + " samples, the first series " + std::to_string(n) +
                          "; its times";
          for (const auto& x : s.samples) d += " " + std::to_string(x.t / 1000);
          bad.add(d);
        }
        for (std::size_t j = 0; j < s.samples.size(); ++j)
          if (s.samples[j].v != double(j) || s.samples[j].t != timestamp_ms(j) * 1000) bad.add("m: wrong sample");
      }
      if (n < last_n) bad.add("m: went back in time");
      last_n = n;
    }
    // A window at the open chunks' end, moving forward as the data grows (as
    // a rule's or a dashboard's): such reads resume where the last stopped
    // (store/xor_resume_cache.hpp), from both readers at once.
    if (last_n >= 12) {
      const timestamp_ms from = timestamp_ms(last_n - 10);
      auto w = sh.select({*m}, {from * 1000, std::numeric_limits<timestamp_ms>::max()});
      if (!w) return bad.add("select window: " + w.error().to_string());
      if (w->size() != fixed_series) bad.add("window: " + std::to_string(w->size()) + " series");
      for (const auto& s : *w) {
        if (s.samples.size() < 10) bad.add("window: " + std::to_string(s.samples.size()) + " samples");
        for (std::size_t j = 0; j < s.samples.size(); ++j)
          if (s.samples[j].t != (from + timestamp_ms(j)) * 1000 || s.samples[j].v != double(from + timestamp_ms(j)))
            bad.add("window: wrong sample at " + std::to_string(s.samples[j].t));
      }
    }
    auto b = sh.select({*m2, *all_k}, time_range::all());
    if (!b) return bad.add("select m2: " + b.error().to_string());
    for (const auto& s : *b)
      if (s.samples.size() != 1 || s.samples[0].v != std::stod(std::string(s.lbls.get("k"))))
        bad.add("m2: wrong series " + s.lbls.to_string());
    if (b->size() < last_k) bad.add("m2: series vanished");
    last_k = b->size();
    auto v = sh.label_values("k", {}, time_range::all());
    if (!v) return bad.add("label_values: " + v.error().to_string());
    for (std::size_t j = 1; j < v->size(); ++j)
      if (!((*v)[j - 1] < (*v)[j])) bad.add("label values not sorted");
    if (v->size() < last_values) bad.add("label values vanished");
    last_values = v->size();
    ++reads;
  }
}

/// With `cold`, a cold-tier pass runs after every fifth commit (moving what
/// is older than 20 s of the commits' time), so readers also merge segments
/// with hot records while segments are published and records deleted.
void run_concurrently(shard_fixture& f, bool cold = false) {
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  problems bad;
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) readers.emplace_back([&] { reader(*f.sh, done, bad, reads); });
  std::string write_error;
  for (int c = 0; c < commits && write_error.empty(); ++c) {
    auto st = f.sh->append_to_group(commit_batch(c));
    if (!st) write_error = st.error().to_string();
    else if (auto cs = f.sh->commit_group(); !cs) write_error = cs.to_string();
    if (c % 10 == 0) std::this_thread::yield();
    if (cold && c % 5 == 0 && write_error.empty()) {
      retention_policy keep_all;
      for (int steps = 0; steps < 10'000; ++steps) {
        auto r = f.sh->cold_step(keep_all, c * 1000 + 500, 7);
        if (!r) {
          write_error = "cold step: " + r.error().to_string();
          break;
        }
        if (!r->more) break;
      }
    }
  }
  done = true;
  for (auto& t : readers) t.join();
  BOOST_REQUIRE_MESSAGE(write_error.empty(), write_error);
  for (const auto& p : bad.seen) BOOST_ERROR(p);
  BOOST_CHECK_GT(reads.load(), 0);
  auto final_m = f.select({eq("__name__", "m")});
  BOOST_REQUIRE_EQUAL(final_m.size(), std::size_t{fixed_series});
  BOOST_CHECK_EQUAL(final_m.front().samples.size(), static_cast<std::size_t>(commits));
  BOOST_CHECK_EQUAL(f.select({eq("__name__", "m2")}).size(), static_cast<std::size_t>(commits));
}

} // namespace

BOOST_AUTO_TEST_SUITE(shard_concurrency)

BOOST_AUTO_TEST_CASE(readers_beside_the_writer_see_whole_commits) {
  shard_fixture f(fsync_policy::never);
  run_concurrently(f);
}

BOOST_AUTO_TEST_CASE(readers_beside_frequent_checkpoints_see_whole_commits) {
  // A checkpoint every 100 logged samples (two or three commits), each in
  // one group (the test's few series fit one slice): readers keep seeing
  // whole commits while open chunks move from the log into records and
  // their logged samples are pruned.
  shard_fixture f(fsync_policy::never);
  f.opts.checkpoint_samples = 100;
  f.reopen();
  run_concurrently(f);
  BOOST_TEST(f.sh->checkpoints() >= 20u);
}

BOOST_AUTO_TEST_CASE(readers_beside_checkpoint_sweeps_see_whole_commits) {
  // Checkpoints as sweeps of 5 open chunks a group (store/head.hpp
  // checkpoint_step): readers never miss a logged sample that a sweep's
  // records do not hold in their snapshot yet.
  shard_fixture f(fsync_policy::never);
  f.opts.checkpoint_samples = 100;
  f.opts.checkpoint_slice_series = 5;
  f.reopen();
  run_concurrently(f);
  BOOST_TEST(f.sh->checkpoints() >= 5u);
}

BOOST_AUTO_TEST_CASE(readers_beside_the_writer_of_an_encrypted_shard_see_whole_commits) {
  encryption_key key;
  for (std::size_t i = 0; i < key.bytes.size(); ++i) key.bytes[i] = static_cast<std::uint8_t>(i * 7 + 1);
  shard_fixture f(fsync_policy::never, std::uint64_t{1} << 30, key);
  run_concurrently(f);
}

BOOST_AUTO_TEST_CASE(readers_beside_cold_tier_moves_see_whole_commits) {
  shard_fixture f(fsync_policy::never);
  f.opts.cold.dir = f.dir.str() + "/cold";
  f.opts.cold.after_ms = 20'000;
  f.opts.cold.every_ms = 1000;
  f.reopen();
  run_concurrently(f, true);
  const auto st = f.sh->stats();
  BOOST_TEST(st.cold_segments > 0u);
  BOOST_TEST(st.cold_records_moved > 100u); // the single-sample series and m's first sealed chunks
  f.reopen();
  auto m = f.select({eq("__name__", "m")});
  BOOST_REQUIRE_EQUAL(m.size(), std::size_t{fixed_series});
  BOOST_CHECK_EQUAL(m.front().samples.size(), static_cast<std::size_t>(commits));
}

BOOST_AUTO_TEST_SUITE_END()
