#include "store/codec_intseq.hpp"

#include <limits>
#include <random>
#include <vector>

#include <boost/test/unit_test.hpp>

using namespace vigil::store;

namespace {

constexpr std::uint64_t i64_min = std::uint64_t{1} << 63;

std::vector<std::uint8_t> encode(const std::vector<std::uint64_t>& x, intseq_choice* choice = nullptr,
                                 bool dense = false) {
  intseq_encoder enc;
  enc.set_dense(dense);
  std::vector<std::uint8_t> out;
  enc.encode(x, out);
  if (choice) *choice = enc.last();
  return out;
}

std::vector<std::uint64_t> decode(const std::vector<std::uint8_t>& in, std::size_t n) {
  std::vector<std::uint64_t> out(n);
  std::size_t pos = 0;
  const char* e = intseq_decode(in, &pos, n, out.data());
  BOOST_REQUIRE_MESSAGE(e == nullptr, e);
  BOOST_TEST(pos == in.size());
  return out;
}

/// Sequences of many shapes, as uint64 (wrapping int64).
std::vector<std::uint64_t> shape(std::mt19937_64& rng, int kind, std::size_t n) {
  std::vector<std::uint64_t> x(n);
  std::uint64_t v = rng();
  for (std::size_t i = 0; i < n; ++i) {
    switch (kind) {
      case 0: break;                                                   // constant
      case 1: v += 15000; break;                                       // linear
      case 2: v = 1'700'000'000'000 + i * 15000 + rng() % 20; break;   // jittered grid
      case 3: v += rng() % 1000; break;                                // counter
      case 4: v = rng(); break;                                        // random 64-bit
      case 5: v = i % 2 ? i64_min + rng() % 3 : ~i64_min - rng() % 3; break; // both ends of int64
      case 6: v += 4096 * (rng() % 64) - 4096 * 32; break;             // multiples of 4 KiB
      case 7: v = rng() % 50 == 0 ? rng() : 1000 + rng() % 8; break;   // outliers
      case 8: v = i * i * 3 + rng() % 2; break;                        // smooth curve
      default: v = rng() % 30 == 0 ? v + 1'000'000 : v; break;         // near-constant steps
    }
    x[i] = v;
  }
  return x;
}

/// 4,000 encodings of 1-200 values made by make(round, n), each truncated
/// (even rounds) or with one bit flipped: decoding must report an error or
/// stay inside the bytes, and every truncation that cuts the packed bits
/// must be reported.
template <class Make>
void damage_and_decode(std::mt19937_64& rng, Make make) {
  std::size_t rejected = 0, total = 0;
  for (int round = 0; round < 4000; ++round) {
    const std::size_t n = 1 + rng() % 200;
    auto bytes = make(round, n);
    if (round % 2 == 0) bytes.resize(rng() % bytes.size()); // truncated
    else bytes[rng() % bytes.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
    std::vector<std::uint64_t> out(n);
    std::size_t pos = 0;
    const char* e = intseq_decode(bytes, &pos, n, out.data());
    if (e != nullptr) ++rejected;
    else BOOST_REQUIRE(pos <= bytes.size());
    ++total;
  }
  BOOST_TEST(rejected > total / 3);
}

} // namespace

BOOST_AUTO_TEST_SUITE(codec_intseq)

BOOST_AUTO_TEST_CASE(round_trips_random_sequences) {
  std::mt19937_64 rng(21);
  for (int kind = 0; kind < 10; ++kind) {
    for (std::size_t n : {1u, 2u, 3u, 4u, 5u, 17u, 119u, 120u, 1000u, 65535u}) {
      const auto x = shape(rng, kind, n);
      BOOST_TEST_CONTEXT("kind " << kind << " n " << n) {
        BOOST_TEST(decode(encode(x), n) == x);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(matches_golden_bytes) {
  // 1000, 2000, 3000, 4001: deltas 1000 1000 1001 pack in one bit each.
  const std::vector<std::uint64_t> x{1000, 2000, 3000, 4001};
  const std::vector<std::uint8_t> want{0xD0, 0x0F,  // x0 = 1000 (zig-zag varint)
                                       0x01,        // mode: order 1 (deltas), no factor, no exceptions
                                       0x01,        // width 1
                                       0xD0, 0x0F,  // base 1000
                                       0x04};       // slots 0 0 1, least significant bit first
  BOOST_TEST(encode(x) == want, boost::test_tools::per_element());
  BOOST_TEST(decode(want, 4) == x);
  // 0, 4096, 12288, 8192 and one outlier: common factor 4096, an exception.
  const std::vector<std::uint64_t> y{0, 4096, 12288, 8192, 4096 * 1000, 4096};
  intseq_choice c;
  const auto bytes = encode(y, &c);
  BOOST_TEST(c.gcd == 4096u);
  BOOST_TEST(decode(bytes, y.size()) == y);
}

BOOST_AUTO_TEST_CASE(appends_after_existing_bytes_and_decodes_from_an_offset) {
  std::mt19937_64 rng(22);
  const auto a = shape(rng, 3, 50), b = shape(rng, 7, 70);
  std::vector<std::uint8_t> out{0x55};
  intseq_encoder enc;
  enc.encode(a, out);
  const std::size_t mid = out.size();
  enc.encode(b, out);
  BOOST_TEST(std::vector<std::uint8_t>(out.begin() + 1, out.begin() + static_cast<std::ptrdiff_t>(mid)) == encode(a));
  std::size_t pos = 1;
  std::vector<std::uint64_t> ga(a.size()), gb(b.size());
  BOOST_REQUIRE(intseq_decode(out, &pos, a.size(), ga.data()) == nullptr);
  BOOST_TEST(pos == mid);
  BOOST_REQUIRE(intseq_decode(out, &pos, b.size(), gb.data()) == nullptr);
  BOOST_TEST(pos == out.size());
  BOOST_TEST(ga == a);
  BOOST_TEST(gb == b);
}

BOOST_AUTO_TEST_CASE(chooses_order_factor_and_exceptions) {
  std::mt19937_64 rng(23);
  intseq_choice c;
  encode(shape(rng, 2, 120), &c); // a jittered grid: residuals from the line
  BOOST_TEST(c.order == 0);
  BOOST_TEST(c.slope == 15000);
  BOOST_TEST(c.width <= 5);
  encode(shape(rng, 1, 120), &c); // exactly linear: nothing to pack
  BOOST_TEST(c.width == 0);
  BOOST_TEST(c.exceptions == 0u);
  encode(shape(rng, 6, 120), &c);
  BOOST_TEST(c.gcd % 4096 == 0u);
  encode(shape(rng, 9, 120), &c); // rare steps: zero deltas with exceptions
  BOOST_TEST(c.width == 0);
  BOOST_TEST(c.exceptions >= 1u);
  std::vector<std::uint64_t> reset; // a counter that resets once
  for (std::uint64_t i = 0; i < 120; ++i) reset.push_back(i < 60 ? 1'000'000 + i * 10 + rng() % 5 : i * 7);
  const auto bytes = encode(reset, &c);
  BOOST_TEST(c.order == 1);
  BOOST_TEST(c.exceptions >= 1u);
  BOOST_TEST(c.width <= 4);
  BOOST_TEST(bytes.size() < 120u * 4 / 8 + 20);
}

BOOST_AUTO_TEST_CASE(malformed_bytes_are_reported_never_read_past) {
  std::mt19937_64 rng(24);
  damage_and_decode(rng, [&rng](int, std::size_t n) { return encode(shape(rng, static_cast<int>(rng() % 10), n)); });
  std::vector<std::uint64_t> out(5);
  std::size_t pos = 0;
  const std::vector<std::uint8_t> wide{0x02, 0x01, 65, 0x00}; // width 65
  BOOST_TEST(intseq_decode(wide, &pos, 5, out.data()) != nullptr);
  pos = 0;
  const std::vector<std::uint8_t> mode{0x02, 0x13, 0x00, 0x00}; // order 3
  BOOST_TEST(intseq_decode(mode, &pos, 5, out.data()) != nullptr);
}

BOOST_AUTO_TEST_CASE(dense_mode_round_trips_and_radix_packs_jitter) {
  std::mt19937_64 rng(25);
  for (int kind = 0; kind < 10; ++kind)
    for (std::size_t n : {1u, 2u, 3u, 7u, 8u, 9u, 15u, 119u, 240u, 1024u, 4096u}) {
      const auto x = shape(rng, kind, n);
      BOOST_TEST_CONTEXT("kind " << kind << " n " << n) {
        BOOST_TEST(decode(encode(x, nullptr, true), n) == x);
      }
    }
  // Values spread over r = 3 .. 2^20 (r not a power of two), with every
  // digit value present and a few exceptions.
  for (std::uint64_t r : {3u, 5u, 6u, 20u, 39u, 100u, 1000u, 65'535u, 65'537u, 1'000'003u}) {
    for (std::size_t n : {2u, 50u, 1025u}) {
      std::vector<std::uint64_t> x(n);
      for (std::size_t i = 0; i < n; ++i) x[i] = 5000 + (i % 7 == 3 ? r - 1 : rng() % r);
      if (n > 100) x[n / 2] = 1u << 30; // an exception
      intseq_choice c;
      const auto bytes = encode(x, &c, true);
      BOOST_TEST_CONTEXT("r " << r << " n " << n) {
        BOOST_TEST(decode(bytes, n) == x);
        if (n > 100 && r <= 100) BOOST_TEST(c.radix != 0u); // above, r^k rounds up to about whole bits
      }
    }
  }
  // The ingest benchmark's timestamps: 15 s grid, 0-19 ms of jitter. Radix
  // 20 (or less) in groups of 7: 31 bits for 7 values instead of 35.
  std::vector<std::uint64_t> t(1024);
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = 1'700'000'000'000 + i * 15000 + rng() % 20;
  intseq_choice plain, dense;
  const auto a = encode(t, &plain), b = encode(t, &dense, true);
  BOOST_TEST(plain.radix == 0u);
  BOOST_TEST(plain.width == 5u);
  BOOST_TEST(dense.radix <= 20u);
  BOOST_TEST(dense.radix >= 17u);
  BOOST_TEST(b.size() * 100 < a.size() * 90, b.size() << " vs " << a.size() << " bytes");
  BOOST_TEST(decode(b, t.size()) == t);
  // Radix grouping: the most digits with r^k <= 2^32.
  BOOST_TEST(radix_grouping(20).k == 7u);
  BOOST_TEST(radix_grouping(20).bits == 31u);
  BOOST_TEST(radix_grouping(3).k == 20u);
  BOOST_TEST(radix_grouping(65'536).k == 2u);
  BOOST_TEST(radix_grouping(65'537).k == 1u);
  BOOST_TEST(radix_grouping(1).k == 1u);
}

BOOST_AUTO_TEST_CASE(malformed_dense_bytes_are_reported_never_read_past) {
  std::mt19937_64 rng(26);
  damage_and_decode(rng, [&rng](int round, std::size_t n) { // radix-packed: values in [0, 3..52)
    std::vector<std::uint64_t> x(n);
    for (auto& v : x) v = 1000 + rng() % static_cast<std::uint64_t>(3 + round % 50);
    return encode(x, nullptr, true);
  });
  std::vector<std::uint64_t> out(5);
  std::size_t pos = 0;
  // x0 = 1, mode radix + order 1, radix 1 (invalid), base 0, ...
  const std::vector<std::uint8_t> r1{0x02, 0x11, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00};
  BOOST_TEST(intseq_decode(r1, &pos, 5, out.data()) != nullptr);
  pos = 0; // radix 3 (4 slots in one group of 20 digits: 32 bits), group value 3^4 = 81: digits past the 4th
  const std::vector<std::uint8_t> big{0x02, 0x11, 0x03, 0x00, 81, 0x00, 0x00, 0x00};
  BOOST_TEST(intseq_decode(big, &pos, 5, out.data()) != nullptr);
  pos = 0; // the same with 80 = 2222 in base 3: valid
  const std::vector<std::uint8_t> ok{0x02, 0x11, 0x03, 0x00, 80, 0x00, 0x00, 0x00};
  BOOST_REQUIRE(intseq_decode(ok, &pos, 5, out.data()) == nullptr);
  BOOST_TEST(out[4] == 1u + 8u);
}

BOOST_AUTO_TEST_SUITE_END()
