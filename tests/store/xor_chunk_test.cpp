#include "store/xor_chunk.hpp"

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tests/store/test_print.hpp"

using namespace vigil;
using namespace vigil::store;

namespace {

std::vector<std::uint8_t> encode(const std::vector<sample>& xs) {
  std::vector<std::uint8_t> buf;
  auto app = xor_appender::create(buf);
  for (const auto& s : xs) app.append(s.t, s.v);
  return buf;
}

std::vector<sample> decode(const std::vector<std::uint8_t>& buf) {
  std::vector<sample> out;
  xor_iterator it(buf);
  while (it.next()) out.push_back(it.at());
  BOOST_REQUIRE_MESSAGE(it.err().is_ok(), it.err().to_string());
  return out;
}

/// Shapes seen in practice plus adversarial ones.
std::vector<sample> random_series(std::mt19937_64& rng, int shape, std::size_t n) {
  std::vector<sample> out;
  timestamp_ms t = static_cast<timestamp_ms>(rng() % 2'000'000'000'000) - 1'000'000'000'000;
  double v = static_cast<double>(rng() % 1000);
  for (std::size_t i = 0; i < n; ++i) {
    switch (shape) {
      case 0: t += 15000; v += 1; break;                                        // counter, regular
      case 1: t += 15000 + static_cast<timestamp_ms>(rng() % 200) - 100; break; // jitter, constant
      case 2: t += 1 + static_cast<timestamp_ms>(rng() % 5'000'000); v = std::bit_cast<double>(rng()); break;
      case 3: t += 1 + static_cast<timestamp_ms>(rng() % 3); v = static_cast<double>(rng() % 7) / 3; break;
      default: t += static_cast<timestamp_ms>(1 + (rng() >> 24)); v = -v * 1.5; break; // huge dods
    }
    out.push_back({t, v});
  }
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(xor_chunk)

BOOST_AUTO_TEST_CASE(round_trips_random_series) {
  std::mt19937_64 rng(1);
  for (int shape = 0; shape < 5; ++shape) {
    for (std::size_t n : {1u, 2u, 3u, 120u, 1000u}) {
      const auto xs = random_series(rng, shape, n);
      const auto got = decode(encode(xs));
      BOOST_REQUIRE_EQUAL(got.size(), xs.size());
      for (std::size_t i = 0; i < xs.size(); ++i) BOOST_REQUIRE(got[i] == xs[i]);
    }
  }
}

BOOST_AUTO_TEST_CASE(matches_golden_bytes) {
  // Hand-derived from Prometheus' layout: header 4; t0=1000 zig-zag varint
  // D0 0F; 1.0 raw; delta 1000 uvarint E8 07; then bits
  // 0 | 0 1 1 00001 001011 11111111111 | 10 00000000000001 0
  const std::vector<sample> xs{{1000, 1.0}, {2000, 1.0}, {3000, 2.0}, {4001, 2.0}};
  const std::vector<std::uint8_t> want{0x00, 0x04, 0xD0, 0x0F, 0x3F, 0xF0, 0x00, 0x00, 0x00, 0x00,
                                       0x00, 0x00, 0xE8, 0x07, 0x30, 0x97, 0xFF, 0xE0, 0x00, 0x40};
  const auto got = encode(xs);
  BOOST_TEST(got == want, boost::test_tools::per_element());
  BOOST_TEST(decode(want) == xs, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(resumed_appender_writes_identical_bytes) {
  std::mt19937_64 rng(2);
  for (int shape = 0; shape < 5; ++shape) {
    const auto xs = random_series(rng, shape, 500);
    std::vector<std::uint8_t> buf;
    auto first = xor_appender::create(buf);
    for (std::size_t i = 0; i < xs.size(); i += 10) {
      // As Prometheus' test: a new appender from the bytes every 10th sample.
      auto app = xor_appender::resume(buf);
      BOOST_REQUIRE(app.has_value());
      BOOST_REQUIRE_EQUAL(app->count(), i);
      for (std::size_t j = i; j < std::min(i + 10, xs.size()); ++j) app->append(xs[j].t, xs[j].v);
    }
    BOOST_TEST(buf == encode(xs), boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(special_values_round_trip_bit_exact) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> vs{0.0, -0.0, nan, -nan, stale_nan(), inf, -inf, stale_nan(),
                               std::bit_cast<double>(std::uint64_t{0x7ff8dead0000beefULL}),
                               std::numeric_limits<double>::denorm_min(), 1.0, stale_nan(), stale_nan(),
                               std::numeric_limits<double>::max(), nan, 42.0};
  std::vector<sample> xs;
  for (std::size_t i = 0; i < vs.size(); ++i) xs.push_back({static_cast<timestamp_ms>(i) * 1000, vs[i]});
  const auto got = decode(encode(xs));
  BOOST_REQUIRE_EQUAL(got.size(), xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i)
    BOOST_TEST(std::bit_cast<std::uint64_t>(got[i].v) == std::bit_cast<std::uint64_t>(xs[i].v));
  BOOST_TEST(is_stale_nan(got[4].v));
}

BOOST_AUTO_TEST_CASE(round_trips_delta_of_delta_bucket_edges) {
  std::vector<sample> xs{{0, 0}, {100000, 0}};
  std::int64_t delta = 100000;
  const std::int64_t dods[] = {8192, -8191, 8193, -8192, 65536, -65535, 65537, 524288, -524287, 524289,
                               -524288, 0, 1, -1};
  for (std::int64_t d : dods) {
    delta += d;
    xs.push_back({xs.back().t + delta, 1});
  }
  BOOST_TEST(decode(encode(xs)) == xs, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(round_trips_extreme_timestamps) {
  const timestamp_ms lo = std::numeric_limits<timestamp_ms>::min();
  const timestamp_ms hi = std::numeric_limits<timestamp_ms>::max();
  const std::vector<sample> xs{{lo, 1}, {lo + 1, 2}, {-1, 3}, {0, 4}, {hi - 1, 5}, {hi, 6}};
  BOOST_TEST(decode(encode(xs)) == xs, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(seek_finds_first_sample_at_or_after) {
  std::vector<sample> xs;
  for (int i = 0; i < 120; ++i) xs.push_back({i * 10, static_cast<double>(i)});
  const auto buf = encode(xs);
  xor_iterator it(buf);
  BOOST_REQUIRE(it.seek(55));
  BOOST_TEST(it.t() == 60);
  BOOST_REQUIRE(it.seek(60)); // already there: stays
  BOOST_TEST(it.t() == 60);
  BOOST_REQUIRE(it.seek(10)); // backwards: stays
  BOOST_TEST(it.t() == 60);
  BOOST_REQUIRE(it.seek(1190));
  BOOST_TEST(it.v() == 119.0);
  BOOST_TEST(!it.seek(1191));
  it.reset(buf);
  BOOST_REQUIRE(it.seek(-5));
  BOOST_TEST(it.t() == 0);
  BOOST_TEST(it.err().is_ok());
}

BOOST_AUTO_TEST_CASE(iterator_is_reusable_across_chunks) {
  const auto a = encode({{1, 1}, {2, 2}});
  const auto b = encode({{10, 5}, {20, 6}, {30, 7}});
  xor_iterator it(a);
  int n = 0;
  while (it.next()) ++n;
  it.reset(b);
  while (it.next()) ++n;
  BOOST_TEST(n == 5);
  BOOST_TEST(it.t() == 30);
}

BOOST_AUTO_TEST_CASE(reports_corruption_for_truncated_chunks) {
  std::mt19937_64 rng(3);
  const auto buf = encode(random_series(rng, 2, 50));
  for (std::size_t cut = 0; cut + 1 < buf.size(); cut += 7) {
    const std::vector<std::uint8_t> part(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(cut));
    xor_iterator it(part);
    while (it.next()) {
    }
    BOOST_TEST(it.err().code() == errc::corruption);
    std::vector<std::uint8_t> copy = part;
    BOOST_TEST(!xor_appender::resume(copy).has_value());
  }
}

BOOST_AUTO_TEST_CASE(empty_chunk_has_only_a_header) {
  std::vector<std::uint8_t> buf{9, 9, 9};
  auto app = xor_appender::create(buf);
  BOOST_TEST(buf.size() == 2u);
  BOOST_TEST(app.count() == 0);
  xor_iterator it(buf);
  BOOST_TEST(!it.next());
  BOOST_TEST(it.err().is_ok());
  auto resumed = xor_appender::resume(buf);
  BOOST_REQUIRE(resumed.has_value());
  resumed->append(5, 1.5);
  BOOST_TEST(decode(buf) == std::vector<sample>({{5, 1.5}}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(decode_range_matches_the_iterator) {
  std::mt19937_64 rng(7);
  for (int shape = 0; shape < 5; ++shape) {
    for (std::size_t n : {1u, 2u, 3u, 120u, 1000u}) {
      const auto xs = random_series(rng, shape, n);
      const auto buf = encode(xs);
      for (int trial = 0; trial < 8; ++trial) {
        timestamp_ms lo = xs[rng() % n].t - static_cast<timestamp_ms>(rng() % 3), hi = xs[rng() % n].t;
        if (trial == 0) lo = std::numeric_limits<timestamp_ms>::min(), hi = std::numeric_limits<timestamp_ms>::max();
        std::vector<sample> want;
        for (const auto& x : xs)
          if (x.t >= lo && x.t <= hi) want.push_back(x);
        std::vector<sample> got{{1, 2.0}}; // appends after what is there
        BOOST_REQUIRE(xor_decode_range(buf, lo, hi, got));
        BOOST_REQUIRE_EQUAL(got.size(), want.size() + 1);
        for (std::size_t i = 0; i < want.size(); ++i)
          BOOST_REQUIRE(std::bit_cast<std::uint64_t>(got[i + 1].v) == std::bit_cast<std::uint64_t>(want[i].v) &&
                        got[i + 1].t == want[i].t);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(decode_range_rejects_truncated_chunks) {
  std::mt19937_64 rng(3);
  const auto buf = encode(random_series(rng, 2, 50));
  for (std::size_t cut = 0; cut + 1 < buf.size(); cut += 7) {
    const std::vector<std::uint8_t> part(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(cut));
    std::vector<sample> out;
    BOOST_TEST(!xor_decode_range(part, std::numeric_limits<timestamp_ms>::min(),
                                 std::numeric_limits<timestamp_ms>::max(), out));
  }
}

BOOST_AUTO_TEST_CASE(a_window_read_resumed_from_an_earlier_stop_reads_what_a_whole_decode_reads) {
  // A read of [lo, hi] hands back the state after the newest sample before
  // lo; a read of any later window started there (and a chunk grown by
  // appends since) returns exactly what decoding from the chunk's start does.
  std::mt19937_64 rng(11);
  int resumed = 0;
  for (int shape = 0; shape < 5; ++shape) {
    for (std::size_t n : {3u, 40u, 120u, 1000u}) {
      const auto xs = random_series(rng, shape, n);
      for (int trial = 0; trial < 12; ++trial) {
        const std::size_t grown = n - rng() % std::min<std::size_t>(n, 5); // the first read saw a shorter chunk
        const auto early = encode(std::vector<sample>(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(grown)));
        const auto full = encode(xs);
        const timestamp_ms lo1 = xs[rng() % grown].t - static_cast<timestamp_ms>(rng() % 2);
        std::vector<sample> first;
        xor_resume stop;
        BOOST_REQUIRE(xor_decode_range(early, lo1, std::numeric_limits<timestamp_ms>::max(), first, nullptr, &stop));
        if (stop.count == 0) continue; // nothing past the first two samples before lo1
        BOOST_REQUIRE_LT(xs[stop.count - 1].t, lo1);
        BOOST_REQUIRE_EQUAL(stop.t, xs[stop.count - 1].t);
        BOOST_REQUIRE(stop.count == n - 1 || stop.count >= grown || xs[stop.count].t >= lo1);
        // A later window (lo2 >= lo1) of the grown chunk, from the stop.
        const timestamp_ms lo2 = lo1 + static_cast<timestamp_ms>(rng() % 40000);
        const timestamp_ms hi2 = trial % 3 == 0 ? xs[rng() % n].t : std::numeric_limits<timestamp_ms>::max();
        std::vector<sample> want, got{{1, 2.0}};
        for (const auto& x : xs)
          if (x.t >= lo2 && x.t <= hi2) want.push_back(x);
        xor_resume stop2;
        BOOST_REQUIRE(xor_decode_range(full, lo2, hi2, got, &stop, &stop2));
        ++resumed;
        BOOST_REQUIRE_EQUAL(got.size(), want.size() + 1);
        for (std::size_t i = 0; i < want.size(); ++i)
          BOOST_REQUIRE(std::bit_cast<std::uint64_t>(got[i + 1].v) == std::bit_cast<std::uint64_t>(want[i].v) &&
                        got[i + 1].t == want[i].t);
        if (stop2.count != 0) BOOST_REQUIRE_GT(stop2.count, stop.count); // moved on, never back
        // An earlier window ignores a stop at or past its start.
        std::vector<sample> before, whole;
        BOOST_REQUIRE(xor_decode_range(full, xs.front().t, stop.t, before, &stop, nullptr));
        BOOST_REQUIRE(xor_decode_range(full, xs.front().t, stop.t, whole));
        BOOST_REQUIRE_EQUAL(before.size(), whole.size());
        BOOST_REQUIRE_EQUAL(before.size(), stop.count);
      }
    }
  }
  BOOST_TEST(resumed > 100);
}

BOOST_AUTO_TEST_SUITE_END()
