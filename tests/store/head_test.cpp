#include "store/head.hpp"

#include <algorithm>
#include <limits>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "store/chunk_io.hpp"
#include "store/chunk_reader.hpp"
#include "store/keys.hpp"
#include "tests/store/store_test_util.hpp"

using namespace vigil;
using namespace vigil::store;
using namespace vigil::store::testing;

namespace {

struct fixture : env_with_schema {
  std::optional<series_index> idx;
  std::optional<head> hd;
  chunk_limits limits;

  explicit fixture(chunk_limits l = {}) : limits(l) { start(); }

  void start() {
    idx.emplace(db);
    hd.emplace(db, limits);
    auto t = begin(true);
    BOOST_REQUIRE(idx->load(t).is_ok());
  }
  void restart() {
    hd.reset();
    idx.reset();
    close();
    open();
    start();
  }
  /// Whether append() checkpoints before it commits (so that every sample
  /// is in chunk records, which chunks() and samples() read).
  bool checkpoint_each = true;

  append_stats append(const write_batch& b) {
    auto t = begin(false);
    auto st = hd->append(t, *idx, b);
    BOOST_REQUIRE_MESSAGE(st.has_value(), (st ? std::string() : st.error().to_string()));
    if (checkpoint_each) BOOST_REQUIRE(hd->checkpoint(t).has_value());
    BOOST_REQUIRE(idx->flush(t).is_ok());
    BOOST_REQUIRE(t.commit().is_ok());
    hd->on_commit();
    idx->on_commit();
    return *st;
  }
  std::uint64_t chunks() {
    auto t = begin(true);
    return *chunk_reader::open(t, db)->count();
  }
  std::vector<sample> samples(series_ref ref) {
    auto t = begin(true);
    std::vector<sample> out;
    BOOST_REQUIRE(chunk_reader::open(t, db)->samples(ref, time_range::all(), out).is_ok());
    return out;
  }
};

const labels one{{"__name__", "m"}};

/// Appends the samples of a one-series batch to `out`.
void append_samples(std::vector<sample>& out, const write_batch& b) {
  out.insert(out.end(), b.items[0].samples.begin(), b.items[0].samples.end());
}

/// Every chunk record in key order: (start, encoding, samples, blocks).
struct record_info {
  timestamp_ms start;
  chunk_encoding enc;
  std::size_t samples;
  std::size_t blocks;
};

record_info info_of(timestamp_ms start, const chunk_view& rec) {
  record_info r{start, rec.encoding, 0, 0};
  if (rec.encoding == chunk_encoding::packed_v1) {
    std::size_t pos = 0, total = 0;
    BOOST_REQUIRE(packed_read_header(rec.payload, &pos, &total) == nullptr);
    for (packed_block b; pos < rec.payload.size(); ++r.blocks) {
      BOOST_REQUIRE(packed_read_block(rec.payload, &pos, &b) == nullptr);
      r.samples += b.n;
    }
    BOOST_REQUIRE(r.samples == total);
  } else {
    xor_iterator it(rec.payload);
    r.samples = it.total();
    r.blocks = 1;
  }
  return r;
}

/// Every chunk record in (series, start) order, each series' open chunk
/// (`heads`) after its `chunks` records.
std::vector<record_info> records(env_with_schema& e) {
  auto t = e.begin(true);
  std::vector<std::pair<series_ref, record_info>> all;
  {
    auto c = lmdb::cursor::open(t, e.db.chunks);
    for (auto at = c->move(MDB_FIRST); at && *at; at = c->move(MDB_NEXT)) {
      series_ref ref = 0;
      timestamp_ms start = 0;
      BOOST_REQUIRE(decode_chunk_key(c->key(), &ref, &start));
      auto rec = decode_chunk_record(c->value());
      BOOST_REQUIRE(rec.has_value());
      all.emplace_back(ref, info_of(start, *rec));
    }
  }
  {
    auto c = lmdb::cursor::open(t, e.db.heads);
    std::vector<std::uint8_t> scratch;
    for (auto at = c->move(MDB_FIRST); at && *at; at = c->move(MDB_NEXT)) {
      const series_ref ref = get_u64_be(c->key().data());
      timestamp_ms start = 0;
      auto rec = read_head_record(e.db, ref, c->value(), scratch, &start);
      BOOST_REQUIRE(rec.has_value());
      all.emplace_back(ref, info_of(start, *rec));
    }
  }
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second.start < b.second.start;
  });
  std::vector<record_info> out;
  for (const auto& [ref, r] : all) out.push_back(r);
  return out;
}

/// Default limits, but sealed chunks are never joined into one record: for
/// tests that count chunk records.
chunk_limits unjoined() {
  chunk_limits l;
  l.max_sealed_samples = l.max_samples;
  return l;
}

write_batch batch_of(const labels& ls, timestamp_ms from, int n, timestamp_ms step = 1000) {
  series s{ls, {}};
  for (int i = 0; i < n; ++i) s.samples.push_back({from + i * step, static_cast<double>(i)});
  return write_batch{{s}};
}

} // namespace

BOOST_AUTO_TEST_SUITE(head)

BOOST_AUTO_TEST_CASE(cuts_a_chunk_after_max_samples) {
  fixture f(unjoined());
  f.append(batch_of(one, 0, 120));
  BOOST_TEST(f.chunks() == 1u);
  f.append(batch_of(one, 120'000, 1));
  BOOST_TEST(f.chunks() == 2u);
  f.append(batch_of(one, 121'000, 250));
  BOOST_TEST(f.chunks() == 4u); // 120 + 120 + 120 + 11
  BOOST_TEST(f.samples(1).size() == 371u);
}

BOOST_AUTO_TEST_CASE(cuts_a_chunk_when_its_span_is_reached) {
  fixture f(unjoined());
  f.append(batch_of(one, 0, 3, defaults::max_chunk_span_ms / 2));
  BOOST_TEST(f.chunks() == 2u); // third sample lands at exactly the span
}

BOOST_AUTO_TEST_CASE(cuts_a_chunk_when_its_bytes_are_reached) {
  fixture f(chunk_limits{1000, defaults::max_chunk_span_ms, 64, 0}); // 0: sealed chunks stay apart
  series s{one, {}};
  for (int i = 0; i < 100; ++i) s.samples.push_back({i * 1000 + (i * i) % 7, i * 1.2345678});
  f.append(write_batch{{s}});
  BOOST_TEST(f.chunks() > 5u);
  BOOST_TEST(f.samples(1) == s.samples, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(resumes_the_open_chunk_after_restart) {
  fixture f;
  f.append(batch_of(one, 0, 50));
  f.restart();
  BOOST_TEST(f.hd->size() == 0u); // nothing loaded at open
  const auto st = f.append(batch_of(one, 50'000, 50));
  BOOST_TEST(st.appended == 50u);
  BOOST_TEST(st.new_series == 0u);
  BOOST_TEST(f.hd->size() == 1u);
  BOOST_TEST(f.chunks() == 1u); // continued, not cut
  BOOST_TEST(f.samples(1).size() == 100u);
}

BOOST_AUTO_TEST_CASE(merges_late_samples_and_the_last_write_wins) {
  fixture f;
  f.append(batch_of(one, 10'000, 5)); // 10s .. 14s, values 0 .. 4
  series s{one, {{14'000, 4}, {13'000, 9}, {15'000, 1}, {15'000, 2}, {1, 3}, {16'000, 4}}};
  const auto st = f.append(write_batch{{s}});
  BOOST_TEST(st.duplicates == 1u);   // 14s = 4 again: a retry
  BOOST_TEST(st.out_of_order == 0u);
  BOOST_TEST(st.appended == 5u);     // 13s overwritten, 15s twice, 1 ms backfilled, 16s
  const std::vector<sample> want{{1, 3}, {10'000, 0}, {11'000, 1}, {12'000, 2}, {13'000, 9},
                                 {14'000, 4}, {15'000, 2}, {16'000, 4}};
  BOOST_TEST(f.samples(1) == want, boost::test_tools::per_element());
  BOOST_TEST(f.chunks() == 1u);
  f.restart();
  BOOST_TEST(f.samples(1) == want, boost::test_tools::per_element());
  f.append(write_batch{{series{one, {{17'000, 5}}}}}); // the open chunk resumes after the merge
  BOOST_TEST(f.samples(1).size() == 9u);
}

BOOST_AUTO_TEST_CASE(rejects_late_samples_older_than_min_time) {
  fixture f;
  f.append(batch_of(one, 10'000, 5));
  f.hd->set_min_time(12'000);
  const auto st = f.append(write_batch{{series{one, {{11'000, 7}, {12'000, 7}, {1, 7}}}}});
  BOOST_TEST(st.out_of_order == 2u);
  BOOST_TEST(st.appended == 1u);
  BOOST_TEST(f.samples(1)[2].v == 7.0);
}

BOOST_AUTO_TEST_CASE(late_samples_land_in_sealed_chunks_which_stay_ordered_and_disjoint) {
  fixture f(unjoined());
  f.append(batch_of(one, 0, 300)); // chunks [0, 119s] [120s, 239s], open [240s, 299s]
  BOOST_REQUIRE(f.chunks() == 3u);
  std::vector<sample> want = batch_of(one, 0, 300).items[0].samples;
  const std::vector<sample> late{{500, 7}, {119'500, 8}, {200'500, 9}, {-5'000, 1}, {250'500, 2}};
  const auto st = f.append(write_batch{{series{one, late}}});
  BOOST_TEST(st.appended == 5u);
  want.insert(want.end(), late.begin(), late.end());
  std::sort(want.begin(), want.end(), [](const sample& a, const sample& b) { return a.t < b.t; });
  BOOST_TEST(f.samples(1) == want, boost::test_tools::per_element());
  BOOST_TEST(f.chunks() == 3u);
  f.restart();
  BOOST_TEST(f.samples(1) == want, boost::test_tools::per_element());
  // Reads of a sub-range still find exactly their samples.
  auto t = f.begin(true);
  std::vector<sample> part;
  BOOST_REQUIRE(chunk_reader::open(t, f.db)->samples(1, {-5'000, 500}, part).is_ok());
  BOOST_TEST(part.size() == 3u); // -5s, 0, 0.5s
}

BOOST_AUTO_TEST_CASE(chunks_grown_past_the_sample_limit_are_split) {
  fixture f(unjoined());
  f.append(batch_of(one, 0, 121, 2000)); // sealed [0, 238s] (120 samples), open [240s]
  BOOST_REQUIRE(f.chunks() == 2u);
  write_batch late{{series{one, {}}}};
  for (int i = 0; i < 120; ++i) late.items[0].samples.push_back({1000 + i * 2000, -1.0 * i});
  BOOST_TEST(f.append(late).appended == 120u);
  BOOST_TEST(f.chunks() == 2u); // 240 samples: still one chunk (up to twice the limit)
  BOOST_TEST(f.append(write_batch{{series{one, {{500, 1}}}}}).appended == 1u);
  BOOST_TEST(f.chunks() == 4u); // 241: three chunks of at most 81
  BOOST_TEST(f.samples(1).size() == 242u);
  // The open chunk too: 150 in order, then 150 late ones in between.
  fixture g(unjoined());
  g.append(batch_of(one, 0, 150, 2000)); // cut at 120: sealed 120 + open 30
  write_batch between{{series{one, {}}}};
  for (int i = 120; i < 150; ++i) between.items[0].samples.push_back({1000 + i * 2000, 0.5});
  for (int i = 0; i < 120; ++i) between.items[0].samples.push_back({1000 + i * 2000, 0.25});
  BOOST_TEST(g.append(between).appended == 150u);
  BOOST_TEST(g.chunks() == 2u); // 240 sealed + 60 open
  // An open chunk past twice the limit keeps the newest 120 samples open.
  fixture h(unjoined());
  h.append(batch_of(one, 0, 100, 3000)); // open: 100 samples, 0 .. 297 s
  write_batch many{{series{one, {}}}};
  for (int i = 0; i < 150; ++i) many.items[0].samples.push_back({1000 + i * 1000 + (i % 3 == 2 ? 500 : 0), 0.5});
  BOOST_TEST(h.append(many).appended == 150u);
  BOOST_TEST(h.chunks() == 2u); // 130 sealed + 120 open
  h.append(write_batch{{series{one, {{400'000, 1}}}}});
  BOOST_TEST(h.samples(1).size() == 251u);
  BOOST_TEST(h.chunks() == 3u); // the open chunk (120 samples) is cut by the next append
  const auto all = g.samples(1);
  BOOST_TEST(all.size() == 300u);
  BOOST_TEST(std::is_sorted(all.begin(), all.end(), [](const sample& a, const sample& b) { return a.t < b.t; }));
}

BOOST_AUTO_TEST_CASE(seals_chunks_packed_and_joins_them_into_records) {
  fixture f;
  for (int i = 0; i < 610; ++i) f.append(batch_of(one, i * 15'000, 1)); // one sample per transaction
  const auto rs = records(f);
  BOOST_REQUIRE_EQUAL(rs.size(), 3u);
  // [0, 480): two blocks of two head chunks each; then 120; then the open chunk.
  BOOST_TEST((rs[0].enc == chunk_encoding::packed_v1));
  BOOST_TEST(rs[0].samples == 480u);
  BOOST_TEST(rs[0].blocks == 2u);
  BOOST_TEST((rs[1].enc == chunk_encoding::packed_v1));
  BOOST_TEST(rs[1].start == 480 * 15'000);
  BOOST_TEST(rs[1].samples == 120u);
  BOOST_TEST((rs[2].enc == chunk_encoding::xor_v1));
  BOOST_TEST(rs[2].samples == 10u);
  std::vector<sample> want = batch_of(one, 0, 610, 15'000).items[0].samples;
  for (auto& x : want) x.v = 0; // each batch's first value
  BOOST_TEST(f.samples(1) == want, boost::test_tools::per_element());
  // The same in one batch (chunks cut within one transaction).
  want = batch_of(one, 0, 610, 15'000).items[0].samples;
  fixture g;
  g.append(batch_of(one, 0, 610, 15'000));
  BOOST_TEST(g.samples(1) == want, boost::test_tools::per_element());
  BOOST_TEST(records(g).size() == 3u);
}

BOOST_AUTO_TEST_CASE(joins_stop_at_the_span_and_bytes_limits) {
  chunk_limits span = {};
  span.max_sealed_span_ms = 3 * 120 * 1000 - 1001; // three chunks of 1 s steps span 359 s: too long
  fixture f(span);
  f.append(batch_of(one, 0, 370, 1000));
  auto rs = records(f);
  BOOST_REQUIRE_EQUAL(rs.size(), 3u); // 240 + 120 + open 10
  BOOST_TEST(rs[0].samples == 240u);
  BOOST_TEST(rs[1].samples == 120u);
  fixture g; // noisy floats: ~8 bytes a sample, so 1 KiB holds one chunk
  series s{one, {}};
  for (int i = 0; i < 250; ++i) s.samples.push_back({i * 1000, 1.0 / (i + 3.7)});
  g.append(write_batch{{s}});
  rs = records(g);
  BOOST_REQUIRE_EQUAL(rs.size(), 3u);
  BOOST_TEST(rs[0].samples == 120u);
  BOOST_TEST(g.samples(1) == s.samples, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(late_samples_merge_into_joined_records) {
  fixture f;
  f.append(batch_of(one, 0, 610, 1000)); // records [0, 480) [480, 600) and open [600, 610)
  std::vector<sample> want = batch_of(one, 0, 610, 1000).items[0].samples;
  const std::vector<sample> late{{-7'000, 1}, {100'500, 2}, {479'500, 3}, {480'000, 4}, {599'999, 5}};
  const auto st = f.append(write_batch{{series{one, late}}});
  BOOST_TEST(st.appended == 5u);
  for (const auto& x : late) {
    auto it = std::find_if(want.begin(), want.end(), [&](const sample& w) { return w.t == x.t; });
    if (it != want.end()) *it = x;
    else want.push_back(x);
  }
  std::sort(want.begin(), want.end(), [](const sample& a, const sample& b) { return a.t < b.t; });
  BOOST_TEST(f.samples(1) == want, boost::test_tools::per_element());
  const auto rs = records(f);
  BOOST_REQUIRE_EQUAL(rs.size(), 3u); // rewritten in place: 483, 120 (one overwritten) and the open chunk
  BOOST_TEST(rs[0].start == -7'000);
  BOOST_TEST(rs[0].samples == 483u);
  BOOST_TEST((rs[1].enc == chunk_encoding::packed_v1));
  f.restart();
  f.append(batch_of(one, 610'000, 300, 1000)); // continues after the merge and restart
  BOOST_TEST(f.samples(1).size() == 614u + 300u);
}

BOOST_AUTO_TEST_CASE(xor_records_of_older_versions_are_read_and_not_joined) {
  chunk_limits old = {};
  old.sealed_encoding = chunk_encoding::xor_v1; // what vigil wrote before packed chunks
  fixture f(old);
  f.append(batch_of(one, 0, 250, 1000));
  BOOST_REQUIRE_EQUAL(records(f).size(), 3u);
  BOOST_TEST((records(f)[0].enc == chunk_encoding::xor_v1));
  f.limits = {};
  f.restart();
  f.append(batch_of(one, 250'000, 250, 1000));
  const auto rs = records(f);
  BOOST_REQUIRE_EQUAL(rs.size(), 4u); // xor 120, xor 120, packed 240 (not joined to xor), open 20
  BOOST_TEST((rs[1].enc == chunk_encoding::xor_v1));
  BOOST_TEST((rs[2].enc == chunk_encoding::packed_v1));
  BOOST_TEST(rs[2].start == 240'000);
  BOOST_TEST(rs[2].samples == 240u);
  BOOST_TEST(rs[3].samples == 20u);
  std::vector<sample> want = batch_of(one, 0, 250, 1000).items[0].samples;
  append_samples(want, batch_of(one, 250'000, 250, 1000));
  BOOST_TEST(f.samples(1) == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_open_chunk_an_older_build_left_in_chunks_moves_to_heads) {
  // Builds before `heads` kept the open chunk as the series' last `chunks`
  // record. Recreate that layout from a current one, then append.
  fixture f;
  f.append(batch_of(one, 0, 30, 1000));
  {
    auto t = f.begin(false);
    lmdb::bytes v;
    BOOST_REQUIRE(t.get(f.db.heads, make_ref_key(1), &v).is_ok());
    std::vector<std::uint8_t> scratch;
    timestamp_ms start = -1;
    auto rec = read_head_record(f.db, 1, v, scratch, &start);
    BOOST_REQUIRE(rec.has_value());
    BOOST_REQUIRE(start == 0);
    const std::vector<std::uint8_t> payload(rec->payload.begin(), rec->payload.end());
    std::vector<std::uint8_t> enc;
    BOOST_REQUIRE(put_chunk_record(t, f.db, make_chunk_key(1, 0), chunk_encoding::xor_v1, rec->max_t, payload, enc).is_ok());
    BOOST_REQUIRE(t.del(f.db.heads, make_ref_key(1)).is_ok());
    BOOST_REQUIRE(t.commit().is_ok());
  }
  f.restart();
  BOOST_TEST(f.samples(1).size() == 30u); // read from `chunks`
  f.append(batch_of(one, 30'000, 10, 1000));
  auto t = f.begin(true);
  lmdb::bytes v;
  BOOST_TEST(t.get(f.db.chunks, make_chunk_key(1, 0), &v).code() == errc::not_found); // moved, not copied
  BOOST_REQUIRE(t.get(f.db.heads, make_ref_key(1), &v).is_ok());
  const auto rs = records(f);
  BOOST_REQUIRE_EQUAL(rs.size(), 1u);
  BOOST_TEST(rs[0].start == 0);
  BOOST_TEST(rs[0].samples == 40u);
  BOOST_TEST((rs[0].enc == chunk_encoding::xor_v1));
  std::vector<sample> want = batch_of(one, 0, 30, 1000).items[0].samples;
  append_samples(want, batch_of(one, 30'000, 10, 1000));
  BOOST_TEST(f.samples(1) == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(seal_open_chunks_packs_the_open_chunk_which_resumes_after_restart) {
  fixture f;
  f.append(batch_of(one, 0, 130, 1000));
  f.append(batch_of(labels{{"__name__", "young"}}, 0, 5, 1000));
  {
    auto t = f.begin(false);
    auto n = f.hd->seal_open_chunks(t, 100'000); // only open chunks with samples before 100 s
    BOOST_REQUIRE(n.has_value());
    BOOST_TEST(*n == 1u);
    BOOST_REQUIRE(t.commit().is_ok());
  }
  auto rs = records(f);
  BOOST_REQUIRE_EQUAL(rs.size(), 3u);
  BOOST_TEST((rs[1].enc == chunk_encoding::xor_v1)); // series 1's open chunk: its newest is at 129 s
  {
    auto t = f.begin(false);
    auto n = f.hd->seal_open_chunks(t, std::numeric_limits<timestamp_ms>::max());
    BOOST_REQUIRE(n.has_value());
    BOOST_TEST(*n == 1u); // series 2's was sealed already
    BOOST_REQUIRE(t.commit().is_ok());
  }
  rs = records(f);
  BOOST_REQUIRE_EQUAL(rs.size(), 2u); // the open 10 joined the sealed 120: one record
  BOOST_TEST((rs[0].enc == chunk_encoding::packed_v1));
  BOOST_TEST(rs[0].samples == 130u);
  // Appending without a restart resumes from the packed record...
  f.append(batch_of(one, 130'000, 5, 1000));
  BOOST_TEST((records(f)[1].enc == chunk_encoding::xor_v1));
  std::vector<sample> want = batch_of(one, 0, 130, 1000).items[0].samples;
  append_samples(want, batch_of(one, 130'000, 5, 1000));
  BOOST_TEST(f.samples(1) == want, boost::test_tools::per_element());
  // ... and after one, from the packed record.
  {
    auto t = f.begin(false);
    BOOST_REQUIRE(f.hd->seal_open_chunks(t, std::numeric_limits<timestamp_ms>::max()).has_value());
    BOOST_REQUIRE(t.commit().is_ok());
  }
  f.restart();
  f.append(batch_of(one, 135'000, 110, 1000)); // 15 + 110: cut at 120
  append_samples(want, batch_of(one, 135'000, 110, 1000));
  BOOST_TEST(f.samples(1) == want, boost::test_tools::per_element());
  rs = records(f);
  // The seal joined the open 5 to the 130; resumed, those 135 (past the
  // 120-sample limit) were cut at the next append, which opened a chunk of 110.
  BOOST_REQUIRE_EQUAL(rs.size(), 3u); // 135 sealed, open 110, and series 2
  BOOST_TEST(rs[0].samples == 135u);
  BOOST_TEST((rs[0].enc == chunk_encoding::packed_v1));
  BOOST_TEST(rs[1].samples == 110u);
}

BOOST_AUTO_TEST_CASE(abort_forgets_touched_series_so_they_reload) {
  fixture f;
  f.append(batch_of(one, 0, 10));
  {
    auto t = f.begin(false);
    auto st = f.hd->append(t, *f.idx, batch_of(one, 10'000, 5));
    BOOST_REQUIRE(st.has_value());
    auto st2 = f.hd->append(t, *f.idx, batch_of(labels{{"__name__", "new"}}, 0, 1));
    BOOST_REQUIRE(st2.has_value());
  } // aborted
  f.hd->on_abort();
  f.idx->on_abort();
  BOOST_TEST(f.hd->size() == 0u);
  // The series continues from the committed state: 10s is not a duplicate.
  const auto st = f.append(batch_of(one, 10'000, 1));
  BOOST_TEST(st.appended == 1u);
  BOOST_TEST(f.samples(1).size() == 11u);
}

BOOST_AUTO_TEST_CASE(rejects_unindexable_label_sets) {
  fixture f;
  auto t = f.begin(false);
  auto st = f.hd->append(t, *f.idx, batch_of(labels{{std::string(300, 'n'), "v"}}, 0, 1));
  BOOST_REQUIRE(!st.has_value());
  BOOST_TEST(st.error().code() == errc::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
