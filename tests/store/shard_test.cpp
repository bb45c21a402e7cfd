#include "store/shard.hpp"

#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "store/keys.hpp"
#include "store/lmdb.hpp"
#include "tests/store/shard_test_util.hpp"

using namespace vigil;
using namespace vigil::store;
using namespace vigil::store::testing;

namespace {

const labels up_api{{"__name__", "up"}, {"job", "api"}};
const labels up_db{{"__name__", "up"}, {"job", "db"}, {"env", "prod"}};
const labels cpu_api{{"__name__", "cpu"}, {"job", "api"}};

series ramp(const labels& ls, timestamp_ms from, int n, timestamp_ms step = 15000) {
  series s{ls, {}};
  for (int i = 0; i < n; ++i) s.samples.push_back({from + i * step, static_cast<double>(i)});
  return s;
}

} // namespace

BOOST_AUTO_TEST_SUITE(shard)

BOOST_AUTO_TEST_CASE(appends_and_selects_sorted_by_labels) {
  shard_fixture f;
  const auto st = f.append({{ramp(up_db, 0, 10), ramp(up_api, 0, 5), ramp(cpu_api, 0, 3)}});
  BOOST_TEST(st.appended == 18u);
  BOOST_TEST(st.new_series == 3u);
  const auto got = f.select({eq("__name__", "up")});
  BOOST_REQUIRE_EQUAL(got.size(), 2u);
  // Sorted by label pairs: (env, prod) < (job, api).
  BOOST_TEST(got[0] == ramp(up_db, 0, 10));
  BOOST_TEST(got[1] == ramp(up_api, 0, 5));
}

BOOST_AUTO_TEST_CASE(a_shard_records_the_node_shard_count_and_refuses_another) {
  shard_fixture f(fsync_policy::never);
  f.append({{ramp(up_api, 0, 5)}});
  f.close();
  // Unrecorded (opened without a count so far): the check passes, the next
  // open with a count records it.
  f.opts.shard_count = 4;
  BOOST_TEST(vigil::store::shard::check_shard_count(f.opts).is_ok());
  f.reopen();
  f.close();
  for (std::uint32_t other : {2u, 8u}) {
    f.opts.shard_count = other;
    const status checked = vigil::store::shard::check_shard_count(f.opts);
    BOOST_TEST(checked.code() == errc::invalid_argument);
    BOOST_TEST(checked.message().find("written by a node of 4 shards, but storage.shards is " + std::to_string(other)) !=
               std::string::npos, checked.message());
    auto opened = vigil::store::shard::open(f.opts);
    BOOST_TEST_REQUIRE(!opened.has_value());
    BOOST_TEST(opened.error().message() == checked.message());
  }
  f.opts.shard_count = 0; // tools: unchecked
  f.reopen();
  f.close();
  f.opts.shard_count = 4;
  f.reopen();
  BOOST_TEST(f.select({eq("__name__", "up")}) == std::vector<series>{ramp(up_api, 0, 5)});
}

BOOST_AUTO_TEST_CASE(reopen_keeps_data_and_continues_the_open_chunk) {
  shard_fixture f;
  f.append({{ramp(up_api, 0, 30)}});
  BOOST_TEST(f.sh->stats().chunks == 1u); // in the head's log until a checkpoint, counted all the same
  BOOST_REQUIRE(f.sh->checkpoint().is_ok());
  BOOST_TEST(f.sh->stats().chunks == 1u);
  f.reopen();
  BOOST_TEST(f.select({eq("job", "api")}) == std::vector<series>({ramp(up_api, 0, 30)}),
             boost::test_tools::per_element());
  series rest = ramp(up_api, 0, 60);
  rest.samples.erase(rest.samples.begin(), rest.samples.begin() + 30);
  const auto st = f.append({{rest}});
  BOOST_TEST(st.appended == 30u);
  BOOST_TEST(st.new_series == 0u);
  BOOST_TEST(f.sh->stats().chunks == 1u); // same chunk record, grown
  f.reopen();
  BOOST_TEST(f.select({eq("job", "api")}) == std::vector<series>({ramp(up_api, 0, 60)}),
             boost::test_tools::per_element());
  BOOST_TEST(f.sh->stats().series == 1u);
}

BOOST_AUTO_TEST_CASE(merges_late_samples_across_reopen) {
  shard_fixture f;
  f.append({{ramp(up_api, 1000, 3, 1000)}}); // 1000, 2000, 3000 = 0, 1, 2
  f.reopen();
  const auto st = f.append({{series{up_api, {{3000, 2}, {2500, 7}, {4000, 7}, {4000, 8}, {100, 0}}}}});
  BOOST_TEST(st.duplicates == 1u);
  BOOST_TEST(st.out_of_order == 0u);
  BOOST_TEST(st.appended == 4u);
  const auto got = f.select({eq("job", "api")});
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  const std::vector<sample> want{{100, 0}, {1000, 0}, {2000, 1}, {2500, 7}, {3000, 2}, {4000, 8}};
  BOOST_TEST(got[0].samples == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(window_reads_of_an_open_chunk_stay_exact_as_it_grows_and_takes_late_samples) {
  // Reads of a window at the open chunk's end start where the last such read
  // stopped (store/xor_resume_cache.hpp); the chunk growing, a late sample
  // rewriting it, and a window before the stop must all read exactly.
  shard_fixture f;
  const timestamp_ms t0 = 1'000'000, step = 15000;
  f.append({{ramp(up_api, t0, 100, step)}});
  BOOST_REQUIRE(f.sh->checkpoint());
  auto window = [&](int from, int to) {
    const auto got = f.select({eq("job", "api")}, {t0 + from * step, t0 + to * step});
    BOOST_REQUIRE_EQUAL(got.size(), 1u);
    return got[0].samples;
  };
  auto want = [&](int from, int to, int late_at = -1, double late_v = 0) {
    std::vector<sample> out;
    for (int i = from; i <= to; ++i) out.push_back({t0 + i * step, i == late_at ? late_v : static_cast<double>(i)});
    return out;
  };
  BOOST_TEST(window(80, 99) == want(80, 99), boost::test_tools::per_element());
  BOOST_TEST(window(85, 99) == want(85, 99), boost::test_tools::per_element()); // from the stop
  f.append({{ramp(up_api, t0 + 100 * step, 10, step)}}); // grown: 100..109 (some only logged)
  for (int i = 100; i < 110; ++i) f.append({{series{up_api, {{t0 + i * step, static_cast<double>(i)}}}}});
  BOOST_REQUIRE(f.sh->checkpoint());
  BOOST_TEST(window(90, 109) == want(90, 109), boost::test_tools::per_element());
  // A late sample before the stop rewrites the chunk's bits there.
  f.append({{series{up_api, {{t0 + 40 * step, -7.25}}}}});
  BOOST_REQUIRE(f.sh->checkpoint());
  BOOST_TEST(window(95, 109) == want(95, 109), boost::test_tools::per_element());
  BOOST_TEST(window(30, 109) == want(30, 109, 40, -7.25), boost::test_tools::per_element());
  // A late sample at a new time shifts every later sample's position.
  f.append({{series{up_api, {{t0 + 50 * step + 1, 0.5}}}}});
  BOOST_REQUIRE(f.sh->checkpoint());
  auto w = want(96, 109);
  BOOST_TEST(window(96, 109) == w, boost::test_tools::per_element());
  // An earlier window than any stop.
  BOOST_TEST(window(10, 20) == want(10, 20), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(rejects_late_samples_outside_the_out_of_order_window) {
  shard_fixture f;
  f.opts.out_of_order_window_ms = 60'000;
  f.reopen();
  f.append({{ramp(up_api, 100'000, 3, 1000)}}, 102'000);
  const auto st = f.append({{series{up_api, {{30'000, 1}, {50'000, 1}, {101'500, 1}}}}}, 110'000);
  BOOST_TEST(st.out_of_order == 1u); // 30 s is older than 110 s - 60 s
  BOOST_TEST(st.appended == 2u);
  BOOST_TEST(f.select({eq("job", "api")})[0].samples.size() == 5u);
  // Without a time (now = 0) the window does not apply.
  BOOST_TEST(f.append({{series{up_api, {{1, 1}}}}}).appended == 1u);
}

BOOST_AUTO_TEST_CASE(filters_samples_by_inclusive_time_range) {
  shard_fixture f;
  f.append({{ramp(up_api, 0, 300, 1000)}}); // 3 chunks: [0,119s] [120s,239s] [240s,299s]
  const auto in = [&](timestamp_ms lo, timestamp_ms hi) {
    const auto got = f.select({eq("job", "api")}, {lo, hi});
    return got.empty() ? std::size_t{0} : got[0].samples.size();
  };
  BOOST_TEST(in(0, 0) == 1u);
  BOOST_TEST(in(119'000, 120'000) == 2u); // across a chunk boundary
  BOOST_TEST(in(130'500, 250'000) == 120u);
  BOOST_TEST(in(500, 900) == 0u); // between samples inside one chunk
  BOOST_TEST(in(299'000, 1'000'000) == 1u);
  BOOST_TEST(in(-5000, -1) == 0u);
  BOOST_TEST(in(10, 5) == 0u); // empty range
  const auto got = f.select({eq("job", "api")}, {119'500, 121'000});
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(got[0].samples.front().t == 120'000);
  BOOST_TEST(got[0].samples.back().t == 121'000);
}

BOOST_AUTO_TEST_CASE(omits_series_without_samples_in_range) {
  shard_fixture f;
  f.append({{ramp(up_api, 0, 10, 1000), ramp(up_db, 100'000, 10, 1000)}});
  auto got = f.select({eq("__name__", "up")}, {0, 50'000});
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(got[0].lbls == up_api);
  auto ls = f.sh->series_labels({eq("__name__", "up")}, {95'000, 200'000});
  BOOST_REQUIRE(ls.has_value());
  BOOST_TEST(*ls == std::vector<labels>({up_db}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(label_names_and_values_follow_matchers_and_range) {
  shard_fixture f;
  f.append({{ramp(up_api, 0, 10, 1000), ramp(up_db, 100'000, 10, 1000), ramp(cpu_api, 0, 2, 1000)}});
  using strings = std::vector<std::string>;
  const auto all = time_range::all();
  BOOST_TEST(*f.sh->label_names({}, all) == strings({"__name__", "env", "job"}), boost::test_tools::per_element());
  BOOST_TEST(*f.sh->label_names({}, {0, 50'000}) == strings({"__name__", "job"}), boost::test_tools::per_element());
  BOOST_TEST(*f.sh->label_names({eq("job", "db")}, all) == strings({"__name__", "env", "job"}),
             boost::test_tools::per_element());
  BOOST_TEST(*f.sh->label_values("job", {}, all) == strings({"api", "db"}), boost::test_tools::per_element());
  BOOST_TEST(*f.sh->label_values("job", {}, {100'000, 100'000}) == strings({"db"}),
             boost::test_tools::per_element());
  BOOST_TEST(*f.sh->label_values("__name__", {eq("job", "api")}, {5000, 9000}) == strings({"up"}),
             boost::test_tools::per_element());
  BOOST_TEST(f.sh->label_values("nope", {}, all)->empty());
  BOOST_TEST(f.sh->label_names({eq("env", "")}, all).error().code() == errc::invalid_argument);
}

BOOST_AUTO_TEST_CASE(select_requires_a_non_empty_matcher) {
  shard_fixture f;
  f.append({{ramp(up_api, 0, 1)}});
  BOOST_TEST(f.sh->select({}, time_range::all()).error().code() == errc::invalid_argument);
  BOOST_TEST(f.sh->select({re("job", ".*")}, time_range::all()).error().code() == errc::invalid_argument);
  BOOST_TEST(f.select({re("job", ".+"), eq("env", "")}).size() == 1u);
}

BOOST_AUTO_TEST_CASE(invalid_batch_commits_nothing) {
  shard_fixture f;
  const labels bad{{std::string(300, 'x'), "v"}};
  auto r = f.sh->append({{ramp(up_api, 0, 5), ramp(bad, 0, 1)}});
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().code() == errc::invalid_argument);
  BOOST_TEST(f.select({eq("job", "api")}).empty());
  BOOST_TEST(f.sh->stats().series == 0u);
  BOOST_TEST(f.append({{ramp(up_api, 0, 5)}}).new_series == 1u); // ref counter rolled back too
  BOOST_TEST(f.select({eq("job", "api")}).size() == 1u);
}

BOOST_AUTO_TEST_CASE(stale_markers_and_infinities_round_trip) {
  shard_fixture f;
  const double inf = std::numeric_limits<double>::infinity();
  const series s{up_api, {{1, 1}, {2, stale_nan()}, {3, inf}, {4, -inf}, {5, std::nan("")}, {6, stale_nan()}}};
  f.append({{s}});
  f.reopen();
  BOOST_TEST(f.select({eq("job", "api")}) == std::vector<series>({s}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(open_reads_only_meta) {
  shard_fixture f;
  f.append({{ramp(up_api, 0, 10), ramp(up_db, 0, 10)}});
  f.close();
  { // Overwrite every series and chunk record with garbage.
    auto e = lmdb::env::open(f.opts.dir, {});
    BOOST_REQUIRE(e.has_value());
    auto t = lmdb::txn::begin(*e, false);
    const std::uint8_t junk[] = {0xEE, 0xEE, 0xEE};
    for (const char* name : {"series", "chunks"}) {
      const MDB_dbi dbi = *t->open_dbi(name, 0);
      std::vector<std::vector<std::uint8_t>> keys;
      {
        auto c = lmdb::cursor::open(*t, dbi);
        for (auto at = c->move(MDB_FIRST); at && *at; at = c->move(MDB_NEXT))
          keys.emplace_back(c->key().begin(), c->key().end());
      }
      for (const auto& k : keys) BOOST_REQUIRE(t->put(dbi, k, junk).is_ok());
    }
    BOOST_REQUIRE(t->commit().is_ok());
  }
  f.reopen(); // succeeds: nothing but meta is read
  BOOST_TEST(f.sh->stats().series == 2u);
  auto r = f.sh->select({eq("job", "api")}, time_range::all());
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().code() == errc::corruption);
  BOOST_TEST_MESSAGE(r.error().to_string());
  auto a = f.sh->append({{ramp(up_api, 1'000'000, 1)}});
  BOOST_REQUIRE(!a.has_value());
  BOOST_TEST(a.error().code() == errc::corruption);
}

BOOST_AUTO_TEST_CASE(refuses_an_unknown_format_version) {
  shard_fixture f;
  f.close();
  {
    auto e = lmdb::env::open(f.opts.dir, {});
    auto t = lmdb::txn::begin(*e, false);
    const MDB_dbi meta = *t->open_dbi("meta", 0);
    const std::uint8_t v[] = {99};
    BOOST_REQUIRE(t->put(meta, lmdb::as_bytes("format_version"), v).is_ok());
    BOOST_REQUIRE(t->commit().is_ok());
  }
  auto r = store::shard::open(f.opts);
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().code() == errc::corruption);
}

BOOST_AUTO_TEST_CASE(full_map_rejects_the_batch_and_keeps_acknowledged_data) {
  shard_fixture f(fsync_policy::never, std::uint64_t{1} << 20); // 1 MiB
  std::vector<series> acked;
  status err;
  for (int round = 0; round < 1000 && err.is_ok(); ++round) {
    write_batch b;
    for (int i = 0; i < 50; ++i) b.items.push_back(ramp({{"__name__", "m"}, {"i", std::to_string(round * 50 + i)}}, 0, 20));
    auto r = f.sh->append(b);
    if (r) acked.insert(acked.end(), b.items.begin(), b.items.end());
    else err = r.error();
  }
  BOOST_TEST(err.code() == errc::resource_exhausted);
  BOOST_TEST(f.select({eq("__name__", "m")}).size() == acked.size());
  // The shard stays usable: later batches succeed or fail cleanly, and what
  // was acknowledged stays readable.
  auto more = f.sh->append({{ramp(acked.front().lbls, 1'000'000, 1)}});
  BOOST_TEST((more.has_value() || more.error().code() == errc::resource_exhausted));
  BOOST_TEST(f.select({eq("__name__", "m")}).size() == acked.size());
}

BOOST_AUTO_TEST_CASE(fsync_never_survives_reopen_after_sync) {
  shard_fixture f(fsync_policy::never);
  f.append({{ramp(up_api, 0, 100)}});
  BOOST_TEST(f.sh->sync().is_ok());
  f.reopen();
  BOOST_TEST(f.select({eq("job", "api")})[0].samples.size() == 100u);
}

BOOST_AUTO_TEST_CASE(stats_count_series_chunks_and_samples) {
  shard_fixture f;
  f.append({{ramp(up_api, 0, 130), ramp(up_db, 0, 5)}});
  BOOST_TEST(f.sh->stats().chunks == 3u); // the cut chunk's record, two open chunks in the log
  BOOST_TEST(f.sh->stats().unflushed_samples == 135u);
  BOOST_REQUIRE(f.sh->checkpoint().is_ok());
  const auto st = f.sh->stats();
  BOOST_TEST(st.series == 2u);
  BOOST_TEST(st.chunks == 3u);
  BOOST_TEST(st.samples_appended == 135u);
  BOOST_TEST(st.bytes_on_disk > 0u);
  BOOST_TEST(st.bytes_on_disk < std::filesystem::file_size(f.opts.dir + "/data.mdb") + 1);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(group_commit)

BOOST_AUTO_TEST_CASE(batches_of_a_group_become_visible_and_durable_at_its_commit) {
  shard_fixture f;
  f.append({{ramp(up_api, 0, 3, 1000)}});
  auto a = f.sh->append_to_group({{ramp(up_api, 3000, 2, 1000)}});
  auto b = f.sh->append_to_group({{ramp(up_db, 0, 4, 1000)}});
  BOOST_REQUIRE(a.has_value() && b.has_value());
  BOOST_TEST(a->appended == 2u);
  BOOST_TEST(b->new_series == 1u);
  BOOST_TEST(f.sh->group_open());
  BOOST_TEST(f.sh->group_samples() == 6u);
  // Reads meanwhile see only committed data (and do not block on the writer).
  BOOST_TEST(f.select({eq("job", "api")})[0].samples.size() == 3u);
  BOOST_TEST(f.select({eq("job", "db")}).empty());
  // Retention waits for the group.
  retention_policy p;
  p.default_keep_ms = 1;
  BOOST_TEST(!f.sh->retention_step(p, 1'000'000, 0, 10).has_value());
  BOOST_REQUIRE(f.sh->commit_group().is_ok());
  BOOST_TEST(!f.sh->group_open());
  BOOST_TEST(f.select({eq("job", "api")})[0].samples.size() == 5u);
  f.reopen();
  BOOST_TEST(f.select({eq("job", "db")})[0].samples.size() == 4u);
  BOOST_TEST(f.sh->stats().series == 2u);
}

BOOST_AUTO_TEST_CASE(an_unindexable_batch_is_refused_without_harming_the_group) {
  shard_fixture f;
  BOOST_REQUIRE(f.sh->append_to_group({{ramp(up_api, 0, 2, 1000)}}).has_value());
  series bad{labels{{"", "x"}}, {{1, 1}}};
  auto r = f.sh->append_to_group({{bad}});
  BOOST_TEST(!r.has_value());
  BOOST_TEST(f.sh->group_open());
  BOOST_REQUIRE(f.sh->commit_group().is_ok());
  BOOST_TEST(f.select({eq("job", "api")})[0].samples.size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
