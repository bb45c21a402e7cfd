// The head's log (store/head.hpp, store/unflushed.hpp): samples appended in
// order are logged instead of rewriting open chunk records; readers see them
// before a checkpoint, a crash image replays them, checkpoints bound them.
#include <algorithm>
#include <optional>
#include <random>
#include <thread>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "store/lmdb.hpp"
#include "store/shard.hpp"
#include "tests/store/shard_test_util.hpp"

using namespace vigil;
using namespace vigil::store;
using namespace vigil::store::testing;

namespace {

const labels up_api{{"__name__", "up"}, {"job", "api"}};
const labels up_db{{"__name__", "up"}, {"job", "db"}};

series ramp(const labels& ls, timestamp_ms from, int n, double v0 = 0) {
  series s{ls, {}};
  for (int i = 0; i < n; ++i) s.samples.push_back({from + i * 15'000, v0 + i});
  return s;
}

/// Entries of sub-database `name` in the shard in `dir` (read by a second
/// environment, as a backup would).
std::uint64_t entries(const std::string& dir, const char* name) {
  auto e = lmdb::env::open_read_only(dir);
  BOOST_REQUIRE(e.has_value());
  auto t = lmdb::txn::begin(*e, true);
  BOOST_REQUIRE(t.has_value());
  auto d = t->open_dbi(name, 0);
  BOOST_REQUIRE(d.has_value());
  return t->stat(*d)->ms_entries;
}
std::uint64_t log_records(const std::string& dir) { return entries(dir, "wal"); }
std::uint64_t chunk_records(const std::string& dir) { return entries(dir, "chunks"); }
std::uint64_t open_chunk_records(const std::string& dir) { return entries(dir, "heads"); }

} // namespace

BOOST_AUTO_TEST_SUITE(shard_log)

BOOST_AUTO_TEST_CASE(readers_see_logged_samples_and_new_series_before_a_checkpoint) {
  shard_fixture f;
  f.opts.checkpoint_samples = 1'000'000;
  f.reopen();
  f.append({{ramp(up_api, 0, 30), ramp(up_db, 0, 3)}});
  BOOST_TEST(f.sh->stats().chunks == 2u); // two open chunks, in no record yet
  BOOST_TEST(chunk_records(f.opts.dir) == 0u);
  BOOST_TEST(log_records(f.opts.dir) == 1u);
  BOOST_TEST(f.select({eq("__name__", "up")}) == std::vector<series>({ramp(up_api, 0, 30), ramp(up_db, 0, 3)}));
  // Range-restricted label queries count logged samples too.
  const time_range late{20 * 15'000, 40 * 15'000};
  BOOST_TEST(f.select({eq("__name__", "up")}, late) == std::vector<series>({series{up_api, ramp(up_api, 20 * 15'000, 10, 20).samples}}));
  BOOST_TEST(*f.sh->label_values("job", {}, late) == std::vector<std::string>({"api"}));
  BOOST_TEST(f.sh->series_labels({eq("__name__", "up")}, late)->size() == 1u);
  BOOST_TEST(*f.sh->label_names({}, late) == std::vector<std::string>({"__name__", "job"}));
  // A checkpoint moves them into records; answers stay the same.
  BOOST_REQUIRE(f.sh->checkpoint().is_ok());
  BOOST_TEST(f.sh->stats().chunks == 2u);
  BOOST_TEST(chunk_records(f.opts.dir) == 0u);
  BOOST_TEST(open_chunk_records(f.opts.dir) == 2u); // open chunks live in `heads`
  BOOST_TEST(log_records(f.opts.dir) == 0u);
  BOOST_TEST(f.select({eq("__name__", "up")}) == std::vector<series>({ramp(up_api, 0, 30), ramp(up_db, 0, 3)}));
  BOOST_TEST(f.sh->checkpoints() == 1u);
}

BOOST_AUTO_TEST_CASE(a_crash_image_replays_the_log_with_cuts_late_samples_and_duplicates) {
  shard_fixture f;
  f.opts.checkpoint_samples = 1'000'000;
  f.reopen();
  f.append({{ramp(up_api, 0, 100)}});
  f.append({{ramp(up_api, 100 * 15'000, 50, 100)}}); // cuts at 120: a sealed record, the rest logged
  write_batch late;
  late.items.push_back({up_api, {{5 * 15'000, -5.0}, {140 * 15'000, -140.0}, {149 * 15'000, 149.0}}});
  late.items.push_back(ramp(up_db, 0, 10));
  const auto st = f.append(late); // a merge into the sealed record, one into the open chunk, a duplicate
  BOOST_TEST(st.duplicates == 1u);
  f.append({{ramp(up_api, 150 * 15'000, 5, 150), ramp(up_db, 10 * 15'000, 5, 10)}});
  const auto want = f.select({eq("__name__", "up")});
  BOOST_REQUIRE_EQUAL(want.size(), 2u);
  BOOST_TEST(want[0].samples.size() == 155u);
  BOOST_TEST(want[0].samples[5].v == -5.0);
  BOOST_TEST(want[0].samples[140].v == -140.0);
  BOOST_TEST(log_records(f.opts.dir) > 0u);
  crash_and_reopen(f, "crash-1");
  BOOST_TEST(log_records(f.opts.dir) == 0u); // replayed and checkpointed at open
  BOOST_TEST(f.sh->stats().unflushed_samples == 0u);
  BOOST_TEST(f.select({eq("__name__", "up")}) == want);
  // Appends continue where the replayed open chunks end.
  f.append({{ramp(up_api, 155 * 15'000, 1, 155)}});
  crash_and_reopen(f, "crash-2");
  const auto got = f.select({eq("job", "api")});
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(got[0].samples.size() == 156u);
  BOOST_TEST(got[0].samples.back().v == 155.0);
}

BOOST_AUTO_TEST_CASE(checkpoints_start_after_the_configured_samples_and_bound_the_log) {
  shard_fixture f(fsync_policy::never);
  f.opts.checkpoint_samples = 200;
  f.reopen();
  std::vector<series> want;
  for (int i = 0; i < 20; ++i) want.push_back(ramp({{"__name__", "m"}, {"i", std::to_string(i)}}, 0, 0));
  for (int round = 0; round < 50; ++round) {
    write_batch b;
    for (int i = 0; i < 20; ++i) {
      b.items.push_back({want[static_cast<std::size_t>(i)].lbls, {{round * 15'000, double(round * i)}}});
      want[static_cast<std::size_t>(i)].samples.push_back({round * 15'000, double(round * i)});
    }
    f.append(b);
    BOOST_TEST(f.sh->stats().unflushed_samples <= 2u * (200u + 20u)); // two generations at most
  }
  BOOST_TEST(f.sh->checkpoints() >= 4u);
  BOOST_TEST(log_records(f.opts.dir) <= 11u);
  std::sort(want.begin(), want.end(), [](const series& a, const series& b) { return a.lbls < b.lbls; });
  BOOST_TEST(f.select({eq("__name__", "m")}) == want);
  crash_and_reopen(f, "crash");
  BOOST_TEST(f.select({eq("__name__", "m")}) == want);
}

BOOST_AUTO_TEST_CASE(a_checkpoint_sweep_spreads_over_groups_and_loses_nothing) {
  // 60 series, a sweep every 120 logged samples, 7 open chunks a group: a
  // sweep spans ~9 groups, during which samples keep being logged. Every
  // read sees every sample; crash images taken mid-sweep replay to the same;
  // the log is trimmed as sweeps end; no commit rewrites all open chunks.
  shard_fixture f(fsync_policy::never);
  f.opts.checkpoint_samples = 120;
  f.opts.checkpoint_slice_series = 7;
  f.reopen();
  std::vector<series> want;
  for (int i = 0; i < 60; ++i) want.push_back(ramp({{"__name__", "m"}, {"i", std::to_string(i)}}, 0, 0));
  std::sort(want.begin(), want.end(), [](const series& a, const series& b) { return a.lbls < b.lbls; });
  std::uint64_t most_heads_written = 0, sweeps = 0;
  int crashes = 0;
  for (int round = 0; round < 90; ++round) {
    write_batch b;
    for (auto& w : want) {
      const sample x{round * 15'000, round * 0.5 + static_cast<double>(w.lbls.hash() % 7)};
      b.items.push_back({w.lbls, {x}});
      w.samples.push_back(x);
    }
    const std::uint64_t heads_before = open_chunk_records(f.opts.dir);
    f.append(b);
    most_heads_written = std::max(most_heads_written, open_chunk_records(f.opts.dir) - std::min(heads_before, open_chunk_records(f.opts.dir)));
    BOOST_TEST_REQUIRE((f.select({eq("__name__", "m")}) == want), "round " << round);
    if (round % 17 == 16) { // mid-sweep or not: a crash image replays to the same samples
      sweeps += f.sh->checkpoints();
      crash_and_reopen(f, "crash-" + std::to_string(++crashes));
      BOOST_TEST_REQUIRE((f.select({eq("__name__", "m")}) == want), "after crash " << crashes);
    }
  }
  sweeps += f.sh->checkpoints(); // (each open's count; the replay's checkpoint included)
  BOOST_TEST(sweeps >= 8u); // a sweep every ~11 rounds (2 to reach 120 samples, ~9 to visit 60 series)
  BOOST_TEST(log_records(f.opts.dir) <= 30u); // trimmed as sweeps end (~one sweep's worth and the one under way)
  BOOST_TEST(f.sh->stats().unflushed_samples <= 3u * (120u + 60u * 10u)); // bounded by sweeps, not growing with rounds
  BOOST_TEST(most_heads_written < 60u); // new `heads` records per group: a slice, never all of them
  crash_and_reopen(f, "crash-end");
  BOOST_TEST((f.select({eq("__name__", "m")}) == want));
}

BOOST_AUTO_TEST_CASE(a_reader_pinned_across_a_sweeps_end_still_sees_what_it_needs) {
  // A reader's pin taken before a sweep ends keeps the logged samples that
  // the sweep's records may not hold in that reader's snapshot; what it
  // reads afterwards is complete.
  shard_fixture f(fsync_policy::never);
  f.opts.checkpoint_samples = 40;
  f.opts.checkpoint_slice_series = 3;
  f.reopen();
  std::vector<series> want;
  for (int i = 0; i < 20; ++i) want.push_back(ramp({{"__name__", "p"}, {"i", std::to_string(i)}}, 0, 0));
  std::sort(want.begin(), want.end(), [](const series& a, const series& b) { return a.lbls < b.lbls; });
  for (int round = 0; round < 60; ++round) {
    write_batch b;
    for (auto& w : want) {
      b.items.push_back({w.lbls, {{round * 15'000, double(round)}}});
      w.samples.push_back({round * 15'000, double(round)});
    }
    // A read runs on another thread while this group commits (and maybe ends a sweep).
    // (The shard's own select: Boost.Test's assertions are not thread-safe.)
    std::optional<result<std::vector<series>>> read;
    const matchers ms{eq("__name__", "p")};
    std::thread reader([&] { read.emplace(f.sh->select(ms, time_range::all())); });
    f.append(b);
    reader.join();
    BOOST_TEST_REQUIRE((read && read->has_value()), "round " << round);
    const std::vector<series>& seen = **read;
    for (const auto& s : seen) { // whole commits: the last round or the one before, every sample up to it
      BOOST_TEST_REQUIRE(!s.samples.empty());
      const auto n = s.samples.size();
      BOOST_TEST_REQUIRE((n == static_cast<std::size_t>(round) || n == static_cast<std::size_t>(round) + 1), "round " << round);
      for (std::size_t k = 0; k < n; ++k) BOOST_TEST_REQUIRE(s.samples[k].v == static_cast<double>(k));
    }
    BOOST_TEST_REQUIRE((f.select({eq("__name__", "p")}) == want), "round " << round);
  }
}

BOOST_AUTO_TEST_CASE(an_aborted_group_keeps_what_earlier_commits_logged) {
  // A 1 MiB map fills up: the failing txn aborts after earlier commits
  // logged samples that are in no chunk record yet. The head replays them.
  shard_fixture f(fsync_policy::never, std::uint64_t{1} << 20);
  f.opts.checkpoint_samples = 1'000'000;
  f.reopen();
  std::vector<series> acked;
  status err;
  for (int round = 0; round < 20'000 && err.is_ok(); ++round) {
    write_batch b;
    for (int i = 0; i < 100; ++i) b.items.push_back(ramp({{"__name__", "m"}, {"i", std::to_string(i)}}, round * 15'000, 1, round));
    auto r = f.sh->append(b);
    if (r) acked.insert(acked.end(), b.items.begin(), b.items.end());
    else err = r.error();
  }
  BOOST_TEST(err.code() == errc::resource_exhausted);
  std::size_t n = 0;
  for (const auto& s : f.select({eq("__name__", "m")})) n += s.samples.size();
  BOOST_TEST(n == acked.size());
  // The next write replays the log first (or fails cleanly again); either
  // way nothing acknowledged is lost, also across a crash (restarted with
  // a larger map, as an operator would: the replay's checkpoint needs room).
  auto more = f.sh->append({{ramp({{"__name__", "m"}, {"i", "0"}}, 10'000'000, 1)}});
  BOOST_TEST((more.has_value() || more.error().code() == errc::resource_exhausted));
  f.opts.map_size = std::uint64_t{8} << 20;
  crash_and_reopen(f, "crash");
  n = 0;
  for (const auto& s : f.select({eq("__name__", "m")})) n += s.samples.size();
  BOOST_TEST(n >= acked.size());
}

BOOST_AUTO_TEST_SUITE_END()
