#include "store/codec_float.hpp"

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "core/sample.hpp"

using namespace vigil;
using namespace vigil::store;

namespace {

std::vector<std::uint64_t> bits_of(const std::vector<double>& v) {
  std::vector<std::uint64_t> out;
  for (double x : v) out.push_back(std::bit_cast<std::uint64_t>(x));
  return out;
}

std::vector<std::uint8_t> encode(const std::vector<double>& v, value_mode* mode = nullptr) {
  value_encoder enc;
  std::vector<std::uint8_t> out;
  enc.encode(v, out);
  if (mode) *mode = enc.last_mode();
  return out;
}

std::vector<double> decode(const std::vector<std::uint8_t>& in, std::size_t n) {
  std::vector<double> out(n);
  std::vector<std::uint64_t> scratch(n);
  std::size_t pos = 0;
  const char* e = values_decode(in, &pos, n, out.data(), scratch.data());
  BOOST_REQUIRE_MESSAGE(e == nullptr, e);
  BOOST_TEST(pos == in.size());
  return out;
}

/// Decimals with `digits` digits after the point, as a parser would produce
/// them (the double nearest m / 10^digits).
double decimal(std::int64_t m, int digits) { return static_cast<double>(m) / std::pow(10.0, digits); }

} // namespace

BOOST_AUTO_TEST_SUITE(codec_float)

BOOST_AUTO_TEST_CASE(round_trips_values_bit_exactly) {
  std::mt19937_64 rng(31);
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  for (int kind = 0; kind < 9; ++kind) {
    for (std::size_t n : {1u, 2u, 3u, 60u, 120u, 1000u}) {
      std::vector<double> v;
      for (std::size_t i = 0; i < n; ++i) {
        switch (kind) {
          case 0: v.push_back(decimal(static_cast<std::int64_t>(rng() % 100000) - 50000, 1 + static_cast<int>(i % 3))); break;
          case 1: v.push_back(decimal(static_cast<std::int64_t>(rng() >> 12), static_cast<int>(rng() % 19))); break;
          case 2: v.push_back(std::bit_cast<double>(rng())); break; // NaN payloads included
          case 3: v.push_back(static_cast<double>(rng() >> (rng() % 64))); break; // integers up to 2^64
          case 4: {
            const double sp[] = {nan, -nan, stale_nan(), inf, -inf, -0.0, 0.0, 5e-324, 1e308};
            v.push_back(rng() % 3 == 0 ? sp[rng() % 9] : static_cast<double>(rng() % 100));
            break;
          }
          case 5: v.push_back(-1e18 + static_cast<double>(i)); break;
          case 6: v.push_back(std::ldexp(static_cast<double>(rng() % 1000), -static_cast<int>(rng() % 30))); break;
          case 7: v.push_back(decimal(4503599627370495 - static_cast<std::int64_t>(i), 1)); break; // near 2^52
          default: v.push_back(stale_nan()); break;
        }
      }
      value_mode mode;
      const auto bytes = encode(v, &mode);
      BOOST_TEST_CONTEXT("kind " << kind << " n " << n << " mode " << static_cast<int>(mode)) {
        BOOST_TEST(bits_of(decode(bytes, n)) == bits_of(v));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(matches_golden_bytes) {
  // constant: mode 0, the bits little-endian
  BOOST_TEST(encode({1.5, 1.5}) == (std::vector<std::uint8_t>{0x00, 0, 0, 0, 0, 0, 0, 0xF8, 0x3F}),
             boost::test_tools::per_element());
  // 0.25 0.5 0.75: decimal k = 2 (mode 3 + 2), m = 25 50 75: x0 = 25 (0x32);
  // common factor 25, so z = 0 1 2: deltas (mode 0x01 | 0x04), factor 0x19,
  // width 0, base 1 (0x02).
  BOOST_TEST(encode({0.25, 0.5, 0.75}) == (std::vector<std::uint8_t>{0x05, 0x32, 0x05, 0x19, 0x00, 0x02}),
             boost::test_tools::per_element());
  // 1, 1, 1, NaN: decimal k = 0 with specials (bit 7); the NaN repeats m = 1,
  // so all deltas are 0 (width 0, base 0); then 1 special at index 3 and its
  // bits.
  const double nan = std::bit_cast<double>(std::uint64_t{0x7ff8000000000001});
  const std::vector<std::uint8_t> want{0x83, 0x02, 0x01, 0x00, 0x00, 0x01, 0x03,
                                       0x01, 0, 0, 0, 0, 0, 0xF8, 0x7F};
  BOOST_TEST(encode({1.0, 1.0, 1.0, nan}) == want, boost::test_tools::per_element());
  BOOST_TEST(bits_of(decode(want, 4)) == bits_of({1.0, 1.0, 1.0, nan}));
}

BOOST_AUTO_TEST_CASE(appends_after_existing_bytes) {
  std::vector<std::uint8_t> out{0x77, 0x88};
  value_encoder enc;
  const std::vector<double> v{0.1, 0.2, 0.30000000000000004, 7};
  enc.encode(v, out);
  BOOST_TEST(out[0] == 0x77);
  BOOST_TEST(std::vector<std::uint8_t>(out.begin() + 2, out.end()) == encode(v), boost::test_tools::per_element());
  std::vector<double> got(v.size());
  std::vector<std::uint64_t> scratch(v.size());
  std::size_t pos = 2;
  BOOST_REQUIRE(values_decode(out, &pos, v.size(), got.data(), scratch.data()) == nullptr);
  BOOST_TEST(bits_of(got) == bits_of(v));
}

BOOST_AUTO_TEST_CASE(chooses_the_mode) {
  std::mt19937_64 rng(32);
  value_encoder enc;
  std::vector<std::uint8_t> out;
  auto mode_of = [&](const std::vector<double>& v) {
    out.clear();
    enc.encode(v, out);
    return enc.last_mode();
  };
  BOOST_TEST((mode_of({stale_nan(), stale_nan()}) == value_mode::constant));
  std::vector<double> ticks, noise, mostly;
  for (int i = 0; i < 120; ++i) {
    ticks.push_back(decimal(1'000'000 + i * 150 + static_cast<std::int64_t>(rng() % 7), 2)); // CPU seconds
    noise.push_back(1000 * std::bit_cast<double>((rng() >> 12) | 0x3ff0000000000000));        // full mantissa
    mostly.push_back(i % 40 == 39 ? std::numeric_limits<double>::infinity() : decimal(i, 3));
  }
  BOOST_TEST((mode_of(ticks) == value_mode::decimal));
  BOOST_TEST(enc.last_digits() == 2u);
  BOOST_TEST(out.size() < 120u * 4 / 8 + 16); // deltas 150..156: 3 bits each
  BOOST_TEST((mode_of(noise) != value_mode::decimal));
  std::vector<double> sum; // a float counter (a histogram's _sum)
  double acc = 12345.678;
  for (int i = 0; i < 120; ++i) sum.push_back(acc += 0.25 + static_cast<double>(rng() % 1000) / 997.0);
  BOOST_TEST((mode_of(sum) == value_mode::bits));
  BOOST_TEST(out.size() < 120u * 11 / 2); // ~40 random bits a step; XOR takes ~52
  BOOST_TEST((mode_of(mostly) == value_mode::decimal));
  BOOST_TEST(enc.last_digits() == 3u);
}

BOOST_AUTO_TEST_CASE(malformed_sections_are_reported) {
  std::mt19937_64 rng(33);
  std::size_t rejected = 0;
  for (int round = 0; round < 3000; ++round) {
    const std::size_t n = 1 + rng() % 130;
    std::vector<double> v;
    for (std::size_t i = 0; i < n; ++i)
      v.push_back(round % 3 == 0 ? std::bit_cast<double>(rng()) : decimal(static_cast<std::int64_t>(rng() % 9999), 2));
    auto bytes = encode(v);
    bytes.resize(rng() % bytes.size());
    std::vector<double> got(n);
    std::vector<std::uint64_t> scratch(n);
    std::size_t pos = 0;
    if (values_decode(bytes, &pos, n, got.data(), scratch.data()) != nullptr) ++rejected;
  }
  BOOST_TEST(rejected > 2500u);
  std::vector<double> got(2);
  std::vector<std::uint64_t> scratch(2);
  std::size_t pos = 0;
  const std::vector<std::uint8_t> unknown{0x16, 0x00}; // decimal k = 19
  BOOST_TEST(values_decode(unknown, &pos, 2, got.data(), scratch.data()) != nullptr);
}

BOOST_AUTO_TEST_SUITE_END()
