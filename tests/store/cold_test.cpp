// tests/store/cold_test.cpp - the cold tier: segment files (format, checks,
// encryption) and shards moving chunks into segments, read back across
// reopen, late samples, retention, crashes and encryption.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>

#include "store/chunk.hpp"
#include "store/cold_segment.hpp"
#include "store/cold_tier.hpp"
#include "store/packed_chunk.hpp"
#include "store/retention.hpp"
#include "store/shard.hpp"
#include "tests/store/shard_test_util.hpp"

using namespace vigil;
using namespace vigil::store;
using namespace vigil::store::testing;
namespace fs = std::filesystem;

namespace {

constexpr timestamp_ms minute = 60'000, hour = 60 * minute, day = 24 * hour;

std::vector<std::uint8_t> packed_record(const std::vector<sample>& s) {
  packed_encoder enc;
  std::vector<std::uint8_t> payload, rec;
  enc.encode(s, 240, payload);
  append_chunk_record(rec, chunk_encoding::packed_v1, s.back().t, payload);
  return rec;
}

std::vector<sample> ramp(timestamp_ms from, int n, timestamp_ms step, double v0 = 0) {
  std::vector<sample> out;
  for (int i = 0; i < n; ++i) out.push_back({from + i * step, v0 + i * 1.5});
  return out;
}

encryption_key test_key(std::uint8_t fill) {
  encryption_key k;
  k.bytes.fill(fill);
  k.source = "test-key";
  return k;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<fs::path> files_in(const std::string& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

/// A segment with three series written through the writer; returns its info.
cold_segment_info write_three(const std::string& dir, std::uint64_t seq, const cipher* c) {
  auto w = cold_segment_writer::create(dir, seq, c);
  BOOST_REQUIRE(w.has_value());
  for (series_ref ref : {3u, 7u, 40u}) {
    const auto a = ramp(1000 * ref, 100, 15'000, ref), b = ramp(1000 * ref + 100 * 15'000, 50, 15'000, 7);
    const auto ra = packed_record(a), rb = packed_record(b);
    std::vector<cold_record> recs{{a.front().t, ra}, {b.front().t, rb}};
    BOOST_REQUIRE(w->get()->add(ref, recs).is_ok());
  }
  auto info = w->get()->finish();
  BOOST_REQUIRE_MESSAGE(info.has_value(), (info ? "" : info.error().to_string()));
  return *info;
}

} // namespace

BOOST_AUTO_TEST_SUITE(cold_segment_file)

BOOST_AUTO_TEST_CASE(round_trip_lookup_and_name) {
  test::temp_dir d;
  const auto info = write_three(d.str(), 5, nullptr);
  BOOST_TEST(info.series == 3u);
  BOOST_TEST(info.records == 6u);
  BOOST_TEST(info.file == cold_segment_name(5, 3000, 40'000 + 149 * 15'000));
  BOOST_TEST(info.file.starts_with("seg-0000000000000005-"));
  BOOST_TEST(files_in(d.str()).size() == 1u); // the temporary file was renamed
  auto seg = cold_segment::open(d.str(), info.file, nullptr);
  BOOST_REQUIRE_MESSAGE(seg.has_value(), (seg ? "" : seg.error().to_string()));
  BOOST_TEST((*seg)->seq() == 5u);
  BOOST_TEST((*seg)->min_t() == 3000);
  BOOST_TEST((*seg)->bytes() == fs::file_size(fs::path(d.str()) / info.file));
  cold_segment::entry e;
  BOOST_TEST(!(*seg)->find(4, &e));
  BOOST_TEST(!(*seg)->find(41, &e));
  BOOST_REQUIRE((*seg)->find(7, &e));
  BOOST_TEST(e.records == 2u);
  BOOST_TEST(e.min_t == 7000);
  BOOST_TEST(e.max_t == 7000 + 149 * 15'000);
  // Read through a cold_reader: both records, in order.
  auto set = std::make_shared<cold_set>();
  set->segments.push_back(*seg);
  cold_reader r(set);
  std::vector<sample> out;
  BOOST_REQUIRE(r.samples(7, time_range::all(), out).is_ok());
  BOOST_REQUIRE(out.size() == 150u);
  BOOST_TEST(out[0].t == 7000);
  BOOST_TEST(out[0].v == 7.0);
  BOOST_TEST(out[100].v == 7.0);
  out.clear();
  BOOST_REQUIRE(r.samples(7, {7000 + 15'000, 7000 + 30'000}, out).is_ok());
  BOOST_TEST(out.size() == 2u);
  auto has = r.has_samples(3, {0, 2999});
  BOOST_TEST((has && !*has));
  has = r.has_samples(3, {3001, 3000 + 15'000});
  BOOST_TEST((has && *has));
}

BOOST_AUTO_TEST_CASE(damage_is_reported_not_read) {
  test::temp_dir d;
  const auto info = write_three(d.str(), 1, nullptr);
  const fs::path p = fs::path(d.str()) / info.file;
  const std::string good = read_file(p);
  auto write = [&](const std::string& bytes) {
    std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
  };
  { // a flipped bit in a block: the block's checksum catches it
    std::string bad = good;
    bad[cold_header_bytes + 5] ^= 0x10;
    write(bad);
    auto seg = cold_segment::open(d.str(), info.file, nullptr);
    BOOST_REQUIRE(seg.has_value());
    std::vector<std::uint8_t> raw;
    auto st = (*seg)->read_block(0, raw);
    BOOST_TEST(st.code() == errc::corruption);
    BOOST_TEST(st.message().find("checksum") != std::string::npos);
  }
  { // a flipped bit in the series table
    std::string bad = good;
    bad[bad.size() - cold_trailer_bytes - cold_block_entry_bytes - 3] ^= 0x01;
    write(bad);
    auto seg = cold_segment::open(d.str(), info.file, nullptr);
    BOOST_REQUIRE(!seg.has_value());
    BOOST_TEST(seg.error().code() == errc::corruption);
    BOOST_TEST(seg.error().message().find(info.file) != std::string::npos);
  }
  { // truncated
    write(good.substr(0, good.size() - 10));
    auto seg = cold_segment::open(d.str(), info.file, nullptr);
    BOOST_REQUIRE(!seg.has_value());
    BOOST_TEST(seg.error().code() == errc::corruption);
  }
  write(good);
  BOOST_TEST(cold_segment::open(d.str(), info.file, nullptr).has_value());
}

BOOST_AUTO_TEST_CASE(encrypted_segments) {
  test::temp_dir d;
  cipher c(test_key(7));
  std::array<std::uint8_t, encryption_salt_bytes> salt{};
  salt.fill(3);
  c.add_session(1, salt);
  c.use_session(1);
  const auto info = write_three(d.str(), 2, &c);
  auto seg = cold_segment::open(d.str(), info.file, &c);
  BOOST_REQUIRE_MESSAGE(seg.has_value(), (seg ? "" : seg.error().to_string()));
  auto set = std::make_shared<cold_set>();
  set->segments.push_back(*seg);
  cold_reader r(set);
  std::vector<sample> out;
  BOOST_REQUIRE(r.samples(40, time_range::all(), out).is_ok());
  BOOST_TEST(out.size() == 150u);
  // Plain opens of encrypted segments (and the reverse) are refused.
  BOOST_TEST(!cold_segment::open(d.str(), info.file, nullptr).has_value());
  const auto plain = write_three(d.str(), 3, nullptr);
  BOOST_TEST(!cold_segment::open(d.str(), plain.file, &c).has_value());
  // Another key fails authentication of the blocks.
  cipher other(test_key(8));
  other.add_session(1, salt);
  auto seg2 = cold_segment::open(d.str(), info.file, &other);
  BOOST_REQUIRE(seg2.has_value());
  std::vector<std::uint8_t> raw;
  BOOST_TEST((*seg2)->read_block(0, raw).code() == errc::corruption);
}

BOOST_AUTO_TEST_CASE(merge_prefers_newer_writes) {
  std::vector<sample> older{{1, 1}, {3, 3}, {5, 5}}, newer{{2, 20}, {3, 30}, {6, 60}}, scratch;
  merge_prefer_newer(older, newer, scratch);
  const std::vector<sample> want{{1, 1}, {2, 20}, {3, 30}, {5, 5}, {6, 60}};
  BOOST_TEST(older == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

// ------------------------------------------------------------------ shards

namespace {

struct cold_fixture : shard_fixture {
  retention_policy policy;
  explicit cold_fixture(std::optional<encryption_key> key = std::nullopt)
      : shard_fixture(fsync_policy::never, std::uint64_t{1} << 30, std::move(key)) {
    opts.cold.dir = dir.str() + "/cold/shard";
    opts.cold.after_ms = 2 * day;
    opts.cold.every_ms = hour;
    reopen();
  }
  /// Runs cold steps until the pass is done; returns the totals.
  cold_progress move(timestamp_ms now, std::size_t per_step = 3) {
    cold_progress total;
    for (int steps = 0;; ++steps) {
      BOOST_REQUIRE(steps < 100'000);
      auto r = sh->cold_step(policy, now, per_step);
      BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().to_string()));
      total.records_moved += r->records_moved;
      total.segments_written += r->segments_written;
      if (!r->more) return total;
    }
  }
  retention_progress enforce(timestamp_ms now) {
    retention_progress total;
    series_ref from = 0;
    do {
      auto r = sh->retention_step(policy, now, from, 4);
      BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().to_string()));
      total.chunks_deleted += r->chunks_deleted;
      total.series_deleted += r->series_deleted;
      total.segments_deleted += r->segments_deleted;
      from = r->next;
    } while (from != 0);
    return total;
  }
  std::map<std::string, std::vector<sample>> all(time_range r = time_range::all()) {
    std::map<std::string, std::vector<sample>> out;
    for (auto& s : select({re("__name__", ".+")}, r)) out[s.lbls.to_string()] = std::move(s.samples);
    return out;
  }
};

const timestamp_ms t0 = 1'700'000'000'000 - (1'700'000'000'000 % day);

/// 10 days of 1-minute samples for a few series: counters, noisy gauges, a
/// critical one; written in daily batches like a live node would.
void fill(cold_fixture& f, int n_series = 12, int days = 10) {
  std::mt19937_64 rng(42);
  std::normal_distribution<double> noise(0, 3);
  std::vector<double> counter(n_series, 0);
  for (int d = 0; d < days; ++d) {
    for (int h = 0; h < 24; ++h) {
      write_batch b;
      for (int i = 0; i < n_series; ++i) {
        labels ls{{"__name__", i % 3 == 0 ? "http_requests_total" : "temp_celsius"},
                  {"instance", "host-" + std::to_string(i)},
                  {"tier", i == 1 ? "critical" : "normal"}};
        series s{ls, {}};
        for (int m = 0; m < 60; ++m) {
          const timestamp_ms t = t0 + d * day + h * hour + m * minute;
          if (i == 5 && d >= 3) break; // an idle series: its open chunk goes cold too
          const double v = i % 3 == 0 ? (counter[i] += static_cast<double>(rng() % 10)) : 20 + noise(rng);
          s.samples.push_back({t, v});
        }
        if (!s.samples.empty()) b.items.push_back(std::move(s));
      }
      f.append(b, t0 + d * day + h * hour + hour);
    }
  }
}

} // namespace

BOOST_AUTO_TEST_SUITE(cold_shard)

BOOST_AUTO_TEST_CASE(moved_chunks_read_the_same_across_reopen) {
  cold_fixture f;
  fill(f);
  const auto before = f.all();
  const auto chunks_before = f.sh->stats().chunks;
  const timestamp_ms now = t0 + 10 * day;
  const auto p = f.move(now);
  BOOST_TEST(p.segments_written == 1u); // one retention class: the policy keeps everything
  BOOST_TEST(p.records_moved > 0u);
  const auto st = f.sh->stats();
  BOOST_TEST(st.cold_segments == 1u);
  BOOST_TEST(st.cold_bytes > 0u);
  BOOST_TEST(st.chunks < chunks_before); // the hot tier lost the moved records
  BOOST_TEST(st.cold_records_moved == p.records_moved);
  BOOST_TEST(f.all() == before);
  const timestamp_ms cutoff = now - 2 * day;
  // A second pass in the same hour has nothing to do.
  BOOST_TEST(f.move(now + minute).segments_written == 0u);
  f.reopen();
  BOOST_TEST(f.sh->stats().cold_segments == 1u);
  BOOST_TEST(f.all() == before);
  // Ranges that straddle the cutoff, and ones inside the cold tier only.
  for (const time_range r : {time_range{t0 + day, cutoff + hour}, time_range{t0 + 3 * day + 7, t0 + 3 * day + 9 * minute},
                             time_range{cutoff - minute, cutoff + minute}}) {
    std::map<std::string, std::vector<sample>> want;
    for (const auto& [k, v] : before)
      for (const auto& s : v)
        if (s.t >= r.min && s.t <= r.max) want[k].push_back(s);
    BOOST_TEST(f.all(r) == want);
  }
  // Label queries over a cold-only range see the idle series (host-5).
  auto vals = f.sh->label_values("instance", {}, {t0, t0 + day});
  BOOST_REQUIRE(vals.has_value());
  BOOST_TEST(vals->size() == 12u);
  vals = f.sh->label_values("instance", {}, {t0 + 9 * day, t0 + 10 * day});
  BOOST_REQUIRE(vals.has_value());
  BOOST_TEST(vals->size() == 11u);
  auto sl = f.sh->series_labels({eq("instance", "host-5")}, {t0, t0 + day});
  BOOST_REQUIRE(sl.has_value());
  BOOST_TEST(sl->size() == 1u);
  // Appends go on after the move, into the idle series too.
  write_batch b;
  b.items.push_back({{{"__name__", "temp_celsius"}, {"instance", "host-5"}, {"tier", "normal"}},
                     {{now, 1.0}, {now + minute, 2.0}}});
  f.append(b, now + minute);
  auto got = f.select({eq("instance", "host-5")});
  BOOST_REQUIRE(got.size() == 1u);
  BOOST_TEST(got[0].samples.size() == 3u * 24 * 60 + 2); // three days before it went idle, then two
}

BOOST_AUTO_TEST_CASE(late_samples_in_moved_ranges_win) {
  cold_fixture f;
  fill(f, 4, 5);
  const timestamp_ms now = t0 + 5 * day;
  BOOST_REQUIRE(f.move(now).records_moved > 0u);
  const labels ls{{"__name__", "temp_celsius"}, {"instance", "host-1"}, {"tier", "critical"}};
  auto value_at = [&](timestamp_ms t) {
    auto got = f.select({eq("instance", "host-1")}, {t, t});
    BOOST_REQUIRE(got.size() == 1u);
    BOOST_REQUIRE(got[0].samples.size() == 1u);
    return got[0].samples[0].v;
  };
  const timestamp_ms old_t = t0 + day + 5 * minute; // in the segment
  const double old_v = value_at(old_t);
  // A new value at a moved timestamp, and a new timestamp between moved ones.
  write_batch b;
  b.items.push_back({ls, {{old_t, old_v + 1000}, {old_t + 30'000, -1.0}}});
  const auto st = f.append(b, now);
  BOOST_TEST(st.appended == 2u);
  BOOST_TEST(value_at(old_t) == old_v + 1000);
  BOOST_TEST(value_at(old_t + 30'000) == -1.0);
  const auto before = f.all();
  // The late chunk moves by the next pass into a newer segment; still wins.
  BOOST_TEST(f.move(now + day).segments_written == 1u);
  BOOST_TEST(f.sh->stats().cold_segments == 2u);
  BOOST_TEST(value_at(old_t) == old_v + 1000);
  f.reopen();
  BOOST_TEST(value_at(old_t) == old_v + 1000);
  BOOST_TEST(f.all() == before);
}

BOOST_AUTO_TEST_CASE(appends_during_a_pass_are_not_lost) {
  cold_fixture f;
  fill(f, 6, 4);
  const timestamp_ms now = t0 + 4 * day;
  // Copy a few series, then write into chunks that were already copied
  // (late samples rewrite them), then finish the pass.
  auto r = f.sh->cold_step(f.policy, now, 3);
  BOOST_REQUIRE(r.has_value());
  BOOST_REQUIRE(r->more);
  write_batch b;
  for (int i = 0; i < 6; ++i)
    b.items.push_back({{{"__name__", i % 3 == 0 ? "http_requests_total" : "temp_celsius"},
                        {"instance", "host-" + std::to_string(i)},
                        {"tier", i == 1 ? "critical" : "normal"}},
                       {{t0 + hour + 30'000, 12345.0 + i}}});
  f.append(b, now);
  const auto want = f.all();
  f.move(now);
  BOOST_TEST(f.all() == want);
  f.reopen();
  BOOST_TEST(f.all() == want);
  for (int i = 0; i < 6; ++i) {
    auto got = f.select({eq("instance", "host-" + std::to_string(i))}, {t0 + hour + 30'000, t0 + hour + 30'000});
    BOOST_REQUIRE(got.size() == 1u);
    BOOST_TEST(got[0].samples.at(0).v == 12345.0 + i);
  }
}

BOOST_AUTO_TEST_CASE(retention_deletes_segments_by_class) {
  cold_fixture f;
  f.policy.default_keep_ms = 5 * day;
  f.policy.rules.push_back({{eq("tier", "critical")}, 365 * day});
  fill(f, 6, 4);
  BOOST_TEST(f.move(t0 + 4 * day).segments_written == 2u); // critical apart from the rest
  const auto segs = files_in(f.opts.cold.dir);
  BOOST_TEST(segs.size() == 2u);
  // Day 7: the normal segment (newest sample before day 2) is past 5 days.
  auto p = f.enforce(t0 + 7 * day + hour);
  BOOST_TEST(p.segments_deleted == 1u);
  BOOST_TEST(f.sh->stats().cold_segments == 1u);
  BOOST_TEST(files_in(f.opts.cold.dir).size() == 1u);
  auto crit = f.select({eq("tier", "critical")}, {t0, t0 + day});
  BOOST_REQUIRE(crit.size() == 1u);
  BOOST_TEST(crit[0].samples.size() == 24u * 60u + 1u); // both ends inclusive
  BOOST_TEST(f.select({eq("tier", "normal")}, {t0, t0 + day}).empty());
  // Day 12: the normal series' hot data is gone too, and so are they.
  p = f.enforce(t0 + 12 * day);
  BOOST_TEST(p.series_deleted == 5u);
  BOOST_TEST(f.sh->stats().series == 1u); // the critical series stays: its data is in the cold tier
  f.reopen();
  BOOST_TEST(f.sh->stats().cold_segments == 1u);
  BOOST_TEST(f.select({eq("tier", "critical")}, {t0, t0 + day}).size() == 1u);
}

BOOST_AUTO_TEST_CASE(expired_segments_take_their_rollups_along) {
  cold_fixture f;
  f.opts.rollups.resolutions.push_back({hour, day}); // 1 h windows after a day
  f.reopen();
  f.policy.default_keep_ms = 5 * day;
  fill(f, 4, 4);
  for (series_ref from = 0;;) { // roll up everything older than a day
    auto r = f.sh->rollup_step(t0 + 4 * day, from, 100, 100'000);
    BOOST_REQUIRE(r.has_value());
    if ((from = r->next) == 0) break;
  }
  const auto rolled = f.sh->stats().rollup_records;
  BOOST_REQUIRE(rolled > 4u * 24u); // windows of days 0-2 and a watermark per series
  BOOST_TEST(f.move(t0 + 4 * day).segments_written == 1u); // days 0-1
  BOOST_TEST(f.enforce(t0 + 4 * day).segments_deleted == 0u);
  BOOST_TEST(f.sh->stats().rollup_records == rolled);
  // Day 7: the segment (days 0-1, newest sample at 2d - 1 min) expires, and
  // with it every window that ends by then: days 0-1 but their last hour.
  BOOST_TEST(f.enforce(t0 + 7 * day + hour).segments_deleted == 1u);
  BOOST_TEST(f.sh->stats().rollup_records == rolled - 4u * 47u);
  BOOST_TEST(f.select({re("__name__", ".+")}, {t0, t0 + 2 * day - 1}).empty());
}

BOOST_AUTO_TEST_CASE(crashes_leave_no_orphans_and_missing_segments_stop_the_open) {
  cold_fixture f;
  fill(f, 4, 4);
  const auto want = f.all();
  // A segment file nobody registered (a pass cut short before its
  // registration commit) is removed at open; the data stays in LMDB.
  fs::create_directories(f.opts.cold.dir);
  std::ofstream(fs::path(f.opts.cold.dir) / "seg-00000000000000aa-1-2.vcs") << "partial";
  std::ofstream(fs::path(f.opts.cold.dir) / "seg-00000000000000ab.tmp") << "partial";
  f.reopen();
  BOOST_TEST(files_in(f.opts.cold.dir).empty());
  BOOST_TEST(f.all() == want);
  f.move(t0 + 4 * day);
  const auto segs = files_in(f.opts.cold.dir);
  BOOST_REQUIRE(segs.size() == 1u);
  f.close();
  fs::rename(segs[0], segs[0].string() + ".away");
  auto r = shard::open(f.opts);
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().message().find("shard: ") == 0u);
  BOOST_TEST(r.error().message().find(segs[0].filename().string()) != std::string::npos);
  fs::rename(segs[0].string() + ".away", segs[0]);
  auto no_dir = f.opts;
  no_dir.cold.dir.clear();
  r = shard::open(no_dir);
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().message().find("no cold directory") != std::string::npos);
  f.reopen();
  BOOST_TEST(f.all() == want);
}

BOOST_AUTO_TEST_CASE(encrypted_shards_write_encrypted_segments) {
  cold_fixture f(test_key(0x42));
  write_batch b;
  const labels ls{{"__name__", "secret_metric"}, {"job", "zebra-secret-7391"}};
  series s{ls, {}};
  for (int i = 0; i < 500; ++i) s.samples.push_back({t0 + i * minute, 1234567.891});
  b.items.push_back(s);
  f.append(b, t0 + day);
  BOOST_TEST(f.move(t0 + 5 * day).segments_written == 1u);
  const auto segs = files_in(f.opts.cold.dir);
  BOOST_REQUIRE(segs.size() == 1u);
  const std::string bytes = read_file(segs[0]);
  double v = 1234567.891;
  std::string vb(sizeof v, '\0');
  std::memcpy(vb.data(), &v, sizeof v);
  BOOST_TEST(bytes.find("zebra") == std::string::npos);
  BOOST_TEST(bytes.find(vb) == std::string::npos);
  f.reopen();
  auto got = f.select({eq("job", "zebra-secret-7391")});
  BOOST_REQUIRE(got.size() == 1u);
  BOOST_TEST(got[0].samples == s.samples, boost::test_tools::per_element());
  // Opening the data with another key fails at the shard's key check.
  f.close();
  auto other = f.opts;
  other.encryption = test_key(0x43);
  BOOST_TEST(!shard::open(other).has_value());
}

BOOST_AUTO_TEST_CASE(the_hot_file_shrinks_at_the_next_open) {
  cold_fixture f;
  fill(f, 12, 10);
  const auto want = f.all();
  f.move(t0 + 30 * day); // everything is older than the cutoff
  BOOST_TEST(f.sh->stats().chunks == 0u);
  f.close();
  const auto file = fs::path(f.opts.dir) / "data.mdb";
  const auto before = fs::file_size(file);
  // Below the size threshold nothing happens; above it the file is rewritten.
  BOOST_REQUIRE(compact_if_sparse(f.opts, before + 1).is_ok());
  BOOST_TEST(fs::file_size(file) == before);
  f.opts.compact_min_bytes = 1;
  f.reopen();
  const auto after = fs::file_size(file);
  BOOST_TEST(after * 3 < before, "data.mdb " << before << " -> " << after << " bytes");
  BOOST_TEST(!fs::exists(fs::path(f.opts.dir) / "compact.tmp"));
  BOOST_TEST(f.all() == want);
  // A dense file is left alone.
  f.close();
  BOOST_REQUIRE(compact_if_sparse(f.opts, 1).is_ok());
  BOOST_TEST(fs::file_size(file) == after);
  f.reopen();
  write_batch b;
  b.items.push_back({{{"__name__", "new"}}, ramp(t0 + 30 * day, 10, minute)});
  f.append(b, t0 + 30 * day);
  BOOST_TEST(f.select({eq("__name__", "new")}).size() == 1u);
}

BOOST_AUTO_TEST_CASE(no_cold_tier_configured_moves_nothing) {
  shard_fixture f(fsync_policy::never);
  write_batch b;
  b.items.push_back({{{"__name__", "x"}}, ramp(t0, 100, minute)});
  f.append(b, t0);
  retention_policy p;
  auto r = f.sh->cold_step(p, t0 + 100 * day, 10);
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(!r->more);
  BOOST_TEST(f.sh->stats().cold_segments == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

// ------------------------------------------------------------------ backups

#include "store/backup.hpp"

namespace {

namespace bk = vigil::store::backup;

/// A node-like data directory: data/shard-000 with its segments in
/// data/shard-000/cold (the default layout).
struct backed_fixture {
  test::temp_dir root;
  std::string data = root.str() + "/data", backups = root.str() + "/backups";
  shard_options opts;
  retention_policy policy;
  backed_fixture() {
    opts.dir = data + "/shard-000";
    opts.sync = fsync_policy::never;
    opts.map_size = std::uint64_t{1} << 30;
    opts.cold.dir = opts.dir + "/cold";
    opts.cold.after_ms = 2 * day;
    opts.cold.every_ms = hour;
  }
  std::unique_ptr<shard> open(const shard_options& o) {
    auto r = shard::open(o);
    BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().to_string()));
    return std::move(*r);
  }
  void move(shard& sh, timestamp_ms now) {
    for (int i = 0; i < 100'000; ++i) {
      auto r = sh.cold_step(policy, now, 5);
      BOOST_REQUIRE(r.has_value());
      if (!r->more) return;
    }
    BOOST_FAIL("cold pass did not end");
  }
  std::vector<series> all(shard& sh) {
    auto r = sh.select({re("__name__", ".+")}, time_range::all());
    BOOST_REQUIRE(r.has_value());
    return *r;
  }
  /// Restores the newest backup into root/`name`; the options of its shard.
  shard_options restore_to(const std::string& name) {
    const std::string target = root.str() + "/" + name;
    auto r = bk::restore({backups, target, false, {}});
    BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().to_string()));
    auto o = opts;
    o.dir = target + "/shard-000";
    o.cold.dir = o.dir + "/cold";
    return o;
  }
  bk::backup_result backup(timestamp_ms at, std::vector<bk::progress>* seen = nullptr) {
    auto r = bk::create({data, backups, "test", at, [seen](const bk::progress& p) {
                           if (seen) seen->push_back(p);
                         }, {}});
    BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().to_string()));
    return *r;
  }
};

void write_days(shard& sh, int from_day, int days) {
  for (int d = from_day; d < from_day + days; ++d) {
    write_batch b;
    for (int i = 0; i < 5; ++i) {
      series s{{{"__name__", "m"}, {"i", std::to_string(i)}}, {}};
      for (int m = 0; m < 24 * 60; m += 5) s.samples.push_back({t0 + d * day + m * minute, double(d * 1000 + m + i)});
      b.items.push_back(std::move(s));
    }
    BOOST_REQUIRE(sh.append(b, t0 + (d + 1) * day).has_value());
  }
}

} // namespace

BOOST_AUTO_TEST_SUITE(cold_backup)

BOOST_AUTO_TEST_CASE(backups_carry_segments_and_restore_them) {
  backed_fixture f;
  auto sh = f.open(f.opts);
  write_days(*sh, 0, 5);
  f.move(*sh, t0 + 5 * day);
  BOOST_REQUIRE(sh->stats().cold_segments == 1u);
  const auto want = f.all(*sh);
  sh.reset(); // `vigil backup` runs beside a node; here the shard is closed for simplicity of the LMDB locks
  const auto b1 = f.backup(t0 + 5 * day);
  auto m = bk::load_manifest(b1.dir);
  BOOST_REQUIRE(m.has_value());
  std::size_t cold_files = 0;
  for (const auto& file : m->files)
    if (file.path.starts_with("shard-000/cold/seg-")) ++cold_files;
  BOOST_TEST(cold_files == 1u);
  // Restore into a new data directory: the shard opens with its segments.
  const auto ro = f.restore_to("restored");
  {
    auto restored = f.open(ro);
    BOOST_TEST(restored->stats().cold_segments == 1u);
    BOOST_TEST(f.all(*restored) == want);
  }
  // A node whose cold directory is elsewhere still finds restored segments.
  auto elsewhere = ro;
  elsewhere.cold.dir = f.root.str() + "/cheap-disk/shard-000";
  elsewhere.cold.alt_dir = ro.dir + "/cold";
  {
    auto restored = f.open(elsewhere);
    BOOST_TEST(f.all(*restored) == want);
  }
  // More days, another pass: the next backup links the old segment from
  // the first backup and copies only the new one.
  sh = f.open(f.opts);
  write_days(*sh, 5, 2);
  f.move(*sh, t0 + 7 * day);
  BOOST_REQUIRE(sh->stats().cold_segments == 2u);
  const auto want2 = f.all(*sh);
  sh.reset();
  std::vector<bk::progress> seen;
  f.backup(t0 + 7 * day, &seen);
  int reused = 0, copied = 0;
  for (const auto& p : seen)
    if (p.finished && p.item.find("/cold/seg-") != std::string::npos) (p.what == bk::phase::reuse ? reused : copied)++;
  BOOST_TEST(reused == 1);
  BOOST_TEST(copied == 1);
  auto restored = f.open(f.restore_to("restored2"));
  BOOST_TEST(restored->stats().cold_segments == 2u);
  BOOST_TEST(f.all(*restored) == want2);
}

BOOST_AUTO_TEST_SUITE_END()
