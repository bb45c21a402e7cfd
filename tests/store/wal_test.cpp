// The head's log records (store/wal.hpp) and the readers' view of logged
// samples (store/unflushed.hpp).
#include "store/wal.hpp"

#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <limits>
#include <random>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "store/unflushed.hpp"
#include "store/varint.hpp"
#include "tests/store/test_print.hpp"

using namespace vigil;
using namespace vigil::store;

namespace {

std::vector<std::pair<series_ref, std::vector<sample>>> decode(std::span<const std::uint8_t> rec, status* st) {
  std::vector<std::pair<series_ref, std::vector<sample>>> out;
  *st = decode_wal_record(rec, [&](series_ref ref, std::span<const sample> s) {
    out.emplace_back(ref, std::vector<sample>(s.begin(), s.end()));
    return status::ok();
  });
  return out;
}

std::vector<sample> read(const unflushed_samples& u, series_ref ref, std::uint64_t snapshot,
                         timestamp_ms lo = std::numeric_limits<timestamp_ms>::min(),
                         timestamp_ms hi = std::numeric_limits<timestamp_ms>::max()) {
  std::vector<sample> out;
  u.samples(ref, lo, hi, snapshot, out);
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(wal)

BOOST_AUTO_TEST_CASE(records_round_trip_groups_times_and_value_bits) {
  const double nan_marker = std::bit_cast<double>(std::uint64_t{0x7ff0000000000002});
  const std::vector<logged_sample> in{{7, -5'000, 1.5},         {7, 10'000, nan_marker},
                                      {7, 10'001, -0.0},        {3, std::numeric_limits<timestamp_ms>::min() / 2, 1e300},
                                      {3, 1'700'000'000'000, 2}, {7, 20'000, 3}, // 7 again: a new group
                                      {9, 0, std::numeric_limits<double>::infinity()}};
  std::vector<std::uint8_t> rec;
  encode_wal_record(in, rec);
  status st;
  const auto got = decode(rec, &st);
  BOOST_REQUIRE(st.is_ok());
  BOOST_REQUIRE_EQUAL(got.size(), 4u);
  std::vector<logged_sample> flat;
  for (const auto& [ref, ss] : got)
    for (const auto& x : ss) flat.push_back({ref, x.t, x.v});
  BOOST_REQUIRE_EQUAL(flat.size(), in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    BOOST_TEST(flat[i].ref == in[i].ref);
    BOOST_TEST(flat[i].t == in[i].t);
    BOOST_TEST(std::bit_cast<std::uint64_t>(flat[i].v) == std::bit_cast<std::uint64_t>(in[i].v));
  }
}

BOOST_AUTO_TEST_CASE(damaged_records_are_corruption_never_a_read_past_the_end) {
  std::vector<logged_sample> in;
  for (int i = 0; i < 50; ++i) in.push_back({static_cast<series_ref>(1 + i / 10), i * 15'000, i * 0.5});
  std::vector<std::uint8_t> rec;
  encode_wal_record(in, rec);
  BOOST_TEST(rec.size() <= 1 + 5 * 5 + in.size() * 10); // a scrape's samples: ~10 bytes each
  status st;
  const auto whole = decode(rec, &st);
  BOOST_REQUIRE(st.is_ok());
  for (std::size_t n = 0; n < rec.size(); ++n) { // every truncation: corruption, or whole groups only
    std::vector<std::uint8_t> cut(rec.begin(), rec.begin() + static_cast<std::ptrdiff_t>(n));
    const auto got = decode(cut, &st);
    if (st.is_ok()) {
      BOOST_TEST(n > 0u);
      BOOST_TEST(got.size() < whole.size());
      for (std::size_t g = 0; g < got.size(); ++g) BOOST_TEST((got[g] == whole[g]), "truncated to " << n);
    } else {
      BOOST_TEST(st.code() == errc::corruption, "truncated to " << n);
    }
  }
  std::mt19937_64 rng(5);
  for (int round = 0; round < 2000; ++round) { // bit flips: corruption or a decodable record, no crash
    auto bad = rec;
    bad[rng() % bad.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
    decode(bad, &st);
    BOOST_TEST((st.is_ok() || st.code() == errc::corruption));
  }
  rec[0] = 3;
  decode(rec, &st);
  BOOST_TEST(st.code() == errc::corruption);
}

BOOST_AUTO_TEST_CASE(a_scrape_costs_a_value_and_about_three_bytes_a_sample) {
  // One sample per series, neighbouring refs, times within a scrape's jitter:
  // refs and first times are relative to the previous group's (version 2).
  std::vector<logged_sample> in;
  for (int i = 0; i < 2000; ++i)
    in.push_back({static_cast<series_ref>(100'000 + 3 * i), 1'790'000'000'000 + (i * 7) % 20, i * 0.25});
  std::vector<std::uint8_t> rec;
  encode_wal_record(in, rec);
  BOOST_TEST(rec[0] == 2);
  BOOST_TEST(rec.size() <= 1 + 16 + in.size() * 11); // 8 value bytes + ref, n, t0 in ~3
  status st;
  const auto got = decode(rec, &st);
  BOOST_REQUIRE(st.is_ok());
  BOOST_REQUIRE_EQUAL(got.size(), in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    BOOST_TEST(got[i].first == in[i].ref);
    BOOST_TEST(got[i].second.at(0).t == in[i].t);
    BOOST_TEST(got[i].second.at(0).v == in[i].v);
  }
}

BOOST_AUTO_TEST_CASE(version_1_records_with_absolute_refs_and_times_are_still_read) {
  // What builds before version 2 logged (a data dir replayed after an upgrade).
  std::vector<std::uint8_t> rec{1};
  auto group = [&](series_ref ref, std::vector<std::pair<timestamp_ms, double>> xs) {
    append_uvarint(rec, ref);
    append_uvarint(rec, xs.size());
    append_varint(rec, xs[0].first);
    for (std::size_t k = 1; k < xs.size(); ++k)
      append_uvarint(rec, static_cast<std::uint64_t>(xs[k].first - xs[k - 1].first));
    for (const auto& x : xs) {
      const auto bits = std::bit_cast<std::uint64_t>(x.second);
      for (int b = 0; b < 8; ++b) rec.push_back(static_cast<std::uint8_t>(bits >> (8 * b)));
    }
  };
  group(42, {{1'790'000'000'000, 1.5}, {1'790'000'015'000, 2.5}});
  group(7, {{-3, -1.0}});
  status st;
  const auto got = decode(rec, &st);
  BOOST_REQUIRE(st.is_ok());
  BOOST_REQUIRE_EQUAL(got.size(), 2u);
  BOOST_TEST(got[0].first == 42u);
  BOOST_TEST((got[0].second == std::vector<sample>{{1'790'000'000'000, 1.5}, {1'790'000'015'000, 2.5}}));
  BOOST_TEST(got[1].first == 7u);
  BOOST_TEST((got[1].second == std::vector<sample>{{-3, -1.0}}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(unflushed)

BOOST_AUTO_TEST_CASE(readers_see_only_txns_in_their_snapshot_and_the_range) {
  unflushed_samples u;
  const std::vector<logged_sample> a{{1, 10, 1}, {1, 20, 2}, {2, 10, 5}};
  const std::vector<logged_sample> b{{1, 30, 3}};
  u.begin_commit(5);
  u.publish(5, a);
  u.begin_commit(6);
  u.publish(6, b);
  BOOST_TEST(u.size() == 4u);
  BOOST_TEST(read(u, 1, 5) == std::vector<sample>({{10, 1}, {20, 2}}));
  BOOST_TEST(read(u, 1, 6) == std::vector<sample>({{10, 1}, {20, 2}, {30, 3}}));
  BOOST_TEST(read(u, 1, 6, 15, 25) == std::vector<sample>({{20, 2}}));
  BOOST_TEST(read(u, 2, 4).empty());
  BOOST_TEST(u.has_samples(2, 0, 10, 5));
  BOOST_TEST(!u.has_samples(2, 11, 100, 5));
  BOOST_TEST(!u.has_samples(1, 25, 100, 5)); // (30, 3) is txn 6's
}

BOOST_AUTO_TEST_CASE(covered_samples_go_once_no_pinned_reader_predates_the_covering_commit) {
  unflushed_samples u;
  u.publish(1, std::vector<logged_sample>{{1, 10, 1}, {2, 10, 7}});
  u.publish(2, std::vector<logged_sample>{{1, 20, 2}});
  u.committed(2);
  BOOST_TEST(read(u, 1, 9) == std::vector<sample>({{10, 1}, {20, 2}}));
  {
    const unflushed_pin pin(&u); // its snapshot is at least 2: it may not see commit 3's records
    u.publish(3, std::vector<logged_sample>{{1, 30, 3}});
    u.covered(3, {1});           // commit 3 wrote series 1's records (txns 1 and 2 in them)
    u.prune();
    BOOST_TEST(read(u, 1, 9) == std::vector<sample>({{10, 1}, {20, 2}, {30, 3}}));
    BOOST_TEST(u.pending() == 1u);
    BOOST_TEST(!u.clear_if_unpinned());
    {
      const unflushed_pin later(&u); // snapshot >= 3: would not need them, but the older pin does
      u.prune();
      BOOST_TEST(u.size() == 4u);
    }
  }
  u.prune(); // no pin: txn 1's and 2's samples of series 1 go; txn 3's and series 2's stay
  BOOST_TEST(read(u, 1, 9) == std::vector<sample>({{30, 3}}));
  BOOST_TEST(read(u, 2, 9) == std::vector<sample>({{10, 7}}));
  BOOST_TEST(u.size() == 2u);
  BOOST_TEST(u.pending() == 0u);
  {
    const unflushed_pin pin(&u); // snapshot >= 3
    u.covered(3, {2});           // (late news of commit 3: every pinned snapshot holds it)
    u.prune();
    BOOST_TEST(read(u, 2, 9).empty());
  }
  u.publish(4, std::vector<logged_sample>{{4, 1, 1}});
  BOOST_TEST(u.clear_if_unpinned());
  BOOST_TEST(read(u, 4, 9).empty());
  BOOST_TEST(u.size() == 0u);
}

BOOST_AUTO_TEST_CASE(pruning_many_series_frees_the_keys_of_those_gone) {
  unflushed_samples u;
  std::vector<logged_sample> batch;
  std::vector<series_ref> refs;
  for (series_ref r = 1; r <= 20'000; ++r) {
    batch.push_back({r, 10, 1.0});
    refs.push_back(r);
  }
  u.publish(1, batch);
  u.publish(2, std::vector<logged_sample>{{7, 20, 2.0}});
  u.committed(2);
  u.covered(2, refs); // more than one slice of the lock
  u.prune();
  BOOST_TEST(u.size() == 1u);
  BOOST_TEST(read(u, 7, 9) == std::vector<sample>({{20, 2.0}}));
  BOOST_TEST(read(u, 8, 9).empty());
  u.publish(3, std::vector<logged_sample>{{8, 30, 3.0}}); // a key rebuilt away comes back
  BOOST_TEST(read(u, 8, 9) == std::vector<sample>({{30, 3.0}}));
}

BOOST_AUTO_TEST_CASE(pruning_most_of_a_long_series_keeps_exactly_the_uncovered_samples) {
  // 40 samples of one series, one a txn (a reader held pruning off): the
  // covering commit leaves the last 4, in a vector shrunk to them.
  unflushed_samples u;
  for (std::uint64_t txn = 1; txn <= 40; ++txn)
    u.publish(txn, std::vector<logged_sample>{{1, static_cast<timestamp_ms>(txn * 10), static_cast<double>(txn)}});
  u.committed(40);
  u.covered(37, {1});
  u.prune();
  BOOST_TEST(u.size() == 4u);
  BOOST_TEST(read(u, 1, 40) == std::vector<sample>({{370, 37}, {380, 38}, {390, 39}, {400, 40}}));
  BOOST_TEST(read(u, 1, 38) == std::vector<sample>({{370, 37}, {380, 38}}));
  u.publish(41, std::vector<logged_sample>{{1, 410, 41}});
  BOOST_TEST(read(u, 1, 41).size() == 5u);
}

BOOST_AUTO_TEST_CASE(a_sample_not_after_the_newest_stays_sorted_and_the_newer_value_wins) {
  unflushed_samples u;
  u.publish(1, std::vector<logged_sample>{{1, 10, 1}, {1, 30, 3}});
  u.publish(2, std::vector<logged_sample>{{1, 20, 2}, {1, 30, 33}});
  BOOST_TEST(read(u, 1, 9) == std::vector<sample>({{10, 1}, {20, 2}, {30, 33}}));
  u.publish(3, std::vector<logged_sample>{{1, 5, 0.5}, {1, 10, 11}});
  BOOST_TEST(read(u, 1, 9) == std::vector<sample>({{5, 0.5}, {10, 11}, {20, 2}, {30, 33}}));
}

BOOST_AUTO_TEST_CASE(a_reader_whose_snapshot_holds_an_announced_txn_waits_for_its_samples) {
  unflushed_samples u;
  u.begin_commit(7);
  std::atomic<bool> done{false};
  std::vector<sample> seen;
  std::thread reader([&] {
    u.wait_published(7); // its snapshot holds txn 7 (committed, not yet published)
    seen = read(u, 1, 7);
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  BOOST_TEST(!done.load());
  u.publish(7, std::vector<logged_sample>{{1, 10, 1}});
  reader.join();
  BOOST_TEST(seen == std::vector<sample>({{10, 1}}));
  u.begin_commit(9);
  u.wait_published(8); // an older snapshot does not wait
  u.end_commit();      // txn 9 failed
  u.wait_published(9);
}

BOOST_AUTO_TEST_SUITE_END()
