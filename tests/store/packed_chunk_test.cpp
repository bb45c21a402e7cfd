#include "store/packed_chunk.hpp"

#include <bit>
#include <limits>
#include <random>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tests/store/chunk_shapes.hpp"
#include "tests/store/test_print.hpp"

using namespace vigil;
using namespace vigil::store;
using vigil::store::testing::chunk_shape;
using vigil::store::testing::chunk_shape_count;

namespace {

constexpr timestamp_ms t_min = std::numeric_limits<timestamp_ms>::min();
constexpr timestamp_ms t_max = std::numeric_limits<timestamp_ms>::max();

/// A payload of blocks of at most `block` samples each.
std::vector<std::uint8_t> encode(const std::vector<sample>& xs, std::size_t block = 120) {
  packed_encoder enc;
  std::vector<std::uint8_t> out;
  enc.encode(xs, block, out);
  return out;
}

std::vector<sample> iterate(const std::vector<std::uint8_t>& payload) {
  packed_iterator it;
  it.reset(payload);
  std::vector<sample> out;
  while (it.next()) out.push_back(it.at());
  BOOST_REQUIRE_MESSAGE(it.err().is_ok(), it.err().to_string());
  return out;
}

std::vector<sample> range(const std::vector<std::uint8_t>& payload, timestamp_ms lo, timestamp_ms hi) {
  std::vector<sample> out;
  BOOST_REQUIRE(packed_decode_range(payload, lo, hi, out));
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(packed_chunk)

BOOST_AUTO_TEST_CASE(round_trips_every_shape_bit_exactly) {
  std::mt19937_64 rng(11);
  for (int shape = 0; shape < chunk_shape_count; ++shape) {
    for (std::size_t n : {1u, 2u, 3u, 7u, 120u, 240u, 1000u}) {
      for (std::size_t block : {std::size_t{120}, std::size_t{1000}}) {
        const auto xs = chunk_shape(rng, shape, n);
        const auto payload = encode(xs, block);
        BOOST_TEST_CONTEXT("shape " << shape << " n " << n << " block " << block) {
          BOOST_TEST(iterate(payload) == xs, boost::test_tools::per_element());
          BOOST_TEST(range(payload, t_min, t_max) == xs, boost::test_tools::per_element());
          auto count = packed_count(payload);
          BOOST_REQUIRE(count.has_value());
          BOOST_TEST(*count == n);
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(round_trips_a_block_of_the_largest_size) {
  std::mt19937_64 rng(12);
  for (int shape : {0, 5, 8, 14}) {
    const auto xs = chunk_shape(rng, shape, packed_block_max_samples);
    const auto payload = encode(xs, packed_block_max_samples);
    BOOST_TEST(iterate(payload) == xs);
  }
}

BOOST_AUTO_TEST_CASE(matches_golden_bytes) {
  // (1000, 1) (2000, 1) (3000, 2) (4001, 2): a count, then one block of 14 bytes.
  const std::vector<sample> xs{{1000, 1.0}, {2000, 1.0}, {3000, 2.0}, {4001, 2.0}};
  const auto got = encode(xs);
  const std::vector<std::uint8_t> want{
      0x04,                                     // samples in the payload
      0x0E,                                     // block length
      0x04,                                     // n = 4
      0xD0, 0x0F, 0x01, 0x01, 0xD0, 0x0F, 0x04, // times: t0 = 1000; order 1 (deltas), w = 1,
                                                //   base = 1000; slots 0 0 1 (LSB first)
      0x03,                                     // values: decimal, k = 0
      0x02, 0x01, 0x01, 0x00, 0x02};            //   m0 = 1; order 1, w = 1, base 0; slots 0 1 0
  BOOST_TEST(got == want, boost::test_tools::per_element());
  BOOST_TEST(iterate(want) == xs, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(appends_after_existing_bytes) {
  std::mt19937_64 rng(13);
  const auto a = chunk_shape(rng, 3, 50), b = chunk_shape(rng, 3, 50);
  std::vector<std::uint8_t> out{0xAA, 0xBB};
  packed_encoder enc;
  enc.encode(a, 120, out);
  BOOST_TEST(out[0] == 0xAA);
  BOOST_TEST(out[1] == 0xBB);
  const std::vector<std::uint8_t> alone = encode(a, 120);
  BOOST_TEST(std::vector<std::uint8_t>(out.begin() + 2, out.end()) == alone, boost::test_tools::per_element());
  // Appending: when the last block and the new samples fit one block, that
  // block is re-encoded with them (the result equals encoding everything at
  // once); otherwise the old blocks are copied and new ones follow.
  std::vector<sample> later;
  for (const auto& x : b) later.push_back({x.t + 100'000'000'000, x.v});
  auto all = a;
  all.insert(all.end(), later.begin(), later.end());
  std::vector<std::uint8_t> merged{0xCC};
  BOOST_REQUIRE(enc.append(alone, later, 240, merged).is_ok());
  BOOST_TEST(merged[0] == 0xCC);
  merged.erase(merged.begin());
  BOOST_TEST(merged == encode(all, 240), boost::test_tools::per_element());
  std::vector<std::uint8_t> two;
  BOOST_REQUIRE(enc.append(alone, later, 60, two).is_ok());
  BOOST_TEST(two[0] == 100); // the new count
  const auto second = encode(later, 60);
  std::vector<std::uint8_t> want(alone.begin() + 1, alone.end());
  want.insert(want.end(), second.begin() + 1, second.end());
  want.insert(want.begin(), std::uint8_t{100});
  BOOST_TEST(two == want, boost::test_tools::per_element());
  BOOST_TEST(iterate(two) == all, boost::test_tools::per_element());
  BOOST_TEST(!enc.append({}, later, 240, two).is_ok());
}

BOOST_AUTO_TEST_CASE(chooses_the_dense_encodings_for_scraped_data) {
  std::mt19937_64 rng(14);
  packed_encoder enc;
  std::vector<std::uint8_t> out;
  auto block_of = [&](int shape) {
    out.clear();
    enc.append_block(chunk_shape(rng, shape, 120), out);
    return out.size();
  };
  BOOST_TEST(block_of(7) < 120u * 6 / 8 + 30); // constant (times with +-20 ms jitter: 6 bits each)
  BOOST_TEST((enc.last_values().last_mode() == value_mode::constant));
  BOOST_TEST(enc.last_times().width <= 6);
  BOOST_TEST(block_of(9) < 25u); // constant, regular times: headers, t0 and the value
  BOOST_TEST((enc.last_values().last_mode() == value_mode::constant));
  BOOST_TEST(block_of(0) < 120u); // counter +0..49 every 15 s exactly: 6 bits a value
  BOOST_TEST((enc.last_values().last_mode() == value_mode::decimal));
  BOOST_TEST(enc.last_times().width == 0);
  block_of(3); // 2-digit decimals
  BOOST_TEST((enc.last_values().last_mode() == value_mode::decimal));
  BOOST_TEST(enc.last_values().last_digits() == 2u);
  block_of(8); // decimals with NaN, Inf, stale markers, -0.0 as specials
  BOOST_TEST((enc.last_values().last_mode() == value_mode::decimal));
  block_of(5); // random bits: XOR or bits, whichever is smaller
  BOOST_TEST((enc.last_values().last_mode() != value_mode::decimal));
  block_of(6); // a noisy float random walk: its bit patterns as integers
  BOOST_TEST((enc.last_values().last_mode() == value_mode::bits));
  block_of(9); // all stale: constant
  BOOST_TEST((enc.last_values().last_mode() == value_mode::constant));
  block_of(13); // near-constant 4 KiB pages: deltas of 0 with a few exceptions
  BOOST_TEST(enc.last_values().last_ints().width == 0);
  BOOST_TEST(enc.last_values().last_ints().gcd % 4096 == 0u);
  block_of(1); // a counter reset is an exception, not a wider window
  BOOST_TEST(enc.last_values().last_ints().exceptions >= 1u);
  BOOST_TEST(enc.last_values().last_ints().width <= 10);
}

BOOST_AUTO_TEST_CASE(decode_range_and_seek_match_a_filter_across_blocks) {
  std::mt19937_64 rng(15);
  for (int shape = 0; shape < chunk_shape_count; ++shape) {
    const auto xs = chunk_shape(rng, shape, 500);
    const auto payload = encode(xs, 1 + rng() % 150);
    for (int trial = 0; trial < 20; ++trial) {
      timestamp_ms lo = vigil::store::testing::nudge(xs[rng() % xs.size()].t, -static_cast<timestamp_ms>(rng() % 3));
      timestamp_ms hi = vigil::store::testing::nudge(xs[rng() % xs.size()].t, static_cast<timestamp_ms>(rng() % 3) - 1);
      if (trial == 0) lo = t_min, hi = t_max;
      std::vector<sample> want;
      for (const auto& x : xs)
        if (x.t >= lo && x.t <= hi) want.push_back(x);
      std::vector<sample> got{{1, 2.0}}; // appends after what is there
      BOOST_REQUIRE(packed_decode_range(payload, lo, hi, got));
      got.erase(got.begin());
      BOOST_REQUIRE(got == want);
      // The iterator: seek to lo, then next while <= hi.
      packed_iterator it;
      it.reset(payload);
      std::vector<sample> via_seek;
      for (bool more = it.seek(lo); more && it.t() <= hi; more = it.next()) via_seek.push_back(it.at());
      BOOST_REQUIRE(it.err().is_ok());
      BOOST_REQUIRE(via_seek == want);
    }
  }
}

BOOST_AUTO_TEST_CASE(seek_stays_put_and_never_moves_back) {
  std::vector<sample> xs;
  for (int i = 0; i < 360; ++i) xs.push_back({i * 10, static_cast<double>(i)});
  const auto payload = encode(xs, 120);
  packed_iterator it;
  it.reset(payload);
  BOOST_REQUIRE(it.seek(1555)); // skips the first block undecoded
  BOOST_TEST(it.t() == 1560);
  BOOST_REQUIRE(it.seek(1560));
  BOOST_TEST(it.t() == 1560);
  BOOST_REQUIRE(it.seek(10));
  BOOST_TEST(it.t() == 1560);
  BOOST_REQUIRE(it.next());
  BOOST_TEST(it.t() == 1570);
  BOOST_REQUIRE(it.seek(3590));
  BOOST_TEST(it.v() == 359.0);
  BOOST_TEST(!it.seek(3591));
  BOOST_TEST(!it.next());
  BOOST_TEST(it.err().is_ok());
}

BOOST_AUTO_TEST_CASE(truncated_payloads_are_corruption) {
  std::mt19937_64 rng(16);
  for (int shape = 0; shape < chunk_shape_count; ++shape) {
    const auto payload = encode(chunk_shape(rng, shape, 130), 60);
    for (std::size_t cut = 0; cut < payload.size(); ++cut) {
      const std::vector<std::uint8_t> part(payload.begin(), payload.begin() + static_cast<std::ptrdiff_t>(cut));
      packed_iterator it;
      it.reset(part);
      while (it.next()) {
      }
      BOOST_TEST_CONTEXT("shape " << shape << " cut " << cut) {
        BOOST_TEST(it.err().code() == errc::corruption);
        std::vector<sample> out;
        BOOST_TEST(!packed_decode_range(part, t_min, t_max, out));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(garbled_payloads_never_crash) {
  // Fuzz-style: flip, overwrite, splice and extend bytes; each read must end
  // in samples or corruption (run under the sanitizers for memory errors).
  std::mt19937_64 rng(17);
  std::size_t corrupt = 0, total = 0;
  for (int round = 0; round < 3000; ++round) {
    auto payload = encode(chunk_shape(rng, static_cast<int>(rng() % chunk_shape_count), 1 + rng() % 300),
                          1 + rng() % 130);
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = rng() % payload.size();
      switch (rng() % 4) {
        case 0: payload[at] ^= static_cast<std::uint8_t>(1u << (rng() % 8)); break;
        case 1: payload[at] = static_cast<std::uint8_t>(rng()); break;
        case 2: payload.erase(payload.begin() + static_cast<std::ptrdiff_t>(at)); break;
        default: payload.insert(payload.begin() + static_cast<std::ptrdiff_t>(at), static_cast<std::uint8_t>(rng()));
      }
      if (payload.empty()) payload.push_back(0);
    }
    packed_iterator it;
    it.reset(payload);
    std::size_t n = 0;
    while (it.next()) ++n;
    std::vector<sample> out;
    const bool ok = packed_decode_range(payload, t_min, t_max, out);
    BOOST_REQUIRE(ok == it.err().is_ok());
    if (ok) BOOST_REQUIRE_EQUAL(out.size(), n);
    corrupt += ok ? 0 : 1;
    ++total;
    it.reset(payload);
    (void)it.seek(static_cast<timestamp_ms>(rng()));
  }
  BOOST_TEST(corrupt > total / 2); // most garbling is detected
}

BOOST_AUTO_TEST_CASE(empty_payload_is_corruption) {
  packed_iterator it;
  it.reset({});
  BOOST_TEST(!it.next());
  BOOST_TEST(it.err().code() == errc::corruption);
  BOOST_TEST(!packed_count({}).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
