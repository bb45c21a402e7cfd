#include "store/compress.hpp"

#include <random>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tests/store/test_print.hpp"

using namespace vigil;
using namespace vigil::store;

namespace {

std::vector<std::uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

} // namespace

BOOST_AUTO_TEST_SUITE(compress)

BOOST_AUTO_TEST_CASE(round_trips_random_inputs) {
  std::mt19937_64 rng(5);
  for (int i = 0; i < 200; ++i) {
    const std::size_t n = rng() % 5000;
    const unsigned alphabet = 1 + static_cast<unsigned>(rng() % 256); // small: compressible
    std::vector<std::uint8_t> in(n);
    for (auto& b : in) b = static_cast<std::uint8_t>(rng() % alphabet);
    std::vector<std::uint8_t> frame, out;
    store::compress(in, frame);
    auto used = decompress(frame, out);
    BOOST_REQUIRE(used.has_value());
    BOOST_TEST(*used == frame.size());
    BOOST_REQUIRE(out == in);
  }
}

BOOST_AUTO_TEST_CASE(stores_raw_when_lz4_does_not_shrink) {
  std::mt19937_64 rng(6);
  std::vector<std::uint8_t> noise(1000);
  for (auto& b : noise) b = static_cast<std::uint8_t>(rng());
  std::vector<std::uint8_t> frame;
  BOOST_TEST((store::compress(noise, frame) == compress_method::raw));
  BOOST_TEST(frame.size() == noise.size() + 5); // method + two 2-byte varints

  std::vector<std::uint8_t> text;
  for (int i = 0; i < 50; ++i) {
    const std::string ls = "__name__=http_requests_total,job=api,instance=host-" + std::to_string(i) + ":9100;";
    text.insert(text.end(), ls.begin(), ls.end());
  }
  frame.clear();
  BOOST_TEST((store::compress(text, frame) == compress_method::lz4));
  BOOST_TEST(frame.size() < text.size() / 3);
}

BOOST_AUTO_TEST_CASE(matches_golden_bytes) {
  std::vector<std::uint8_t> frame;
  store::compress(bytes_of("abc"), frame);
  BOOST_TEST(frame == std::vector<std::uint8_t>({0x00, 0x03, 0x03, 'a', 'b', 'c'}), boost::test_tools::per_element());

  // 100 x 'a' as an lz4 block: literal 'a', match offset 1 length 94, five
  // trailing literals. Decoding is fixed by the lz4 block format.
  const std::vector<std::uint8_t> lz4_frame{0x01, 100, 11, 0x1F, 'a', 0x01, 0x00, 0x4B, 0x50, 'a', 'a', 'a', 'a', 'a'};
  std::vector<std::uint8_t> out;
  auto used = decompress(lz4_frame, out);
  BOOST_REQUIRE(used.has_value());
  BOOST_TEST(*used == lz4_frame.size());
  BOOST_TEST(out == std::vector<std::uint8_t>(100, 'a'), boost::test_tools::per_element());

  frame.clear();
  store::compress(std::vector<std::uint8_t>(100, 'a'), frame);
  BOOST_REQUIRE(frame.size() >= 3u);
  BOOST_TEST(frame[0] == 0x01);
  BOOST_TEST(frame[1] == 100);
}

BOOST_AUTO_TEST_CASE(appends_frames_after_existing_bytes) {
  std::vector<std::uint8_t> buf{0xAA, 0xBB};
  const auto a = bytes_of(std::string(300, 'x') + "tail");
  const auto b = bytes_of("short");
  store::compress(a, buf);
  store::compress(b, buf);
  BOOST_TEST(buf[0] == 0xAA);
  BOOST_TEST(buf[1] == 0xBB);
  std::span<const std::uint8_t> rest(buf);
  rest = rest.subspan(2);
  std::vector<std::uint8_t> out;
  auto used = decompress(rest, out);
  BOOST_REQUIRE(used.has_value());
  BOOST_TEST(out == a);
  out.clear();
  auto used2 = decompress(rest.subspan(*used), out);
  BOOST_REQUIRE(used2.has_value());
  BOOST_TEST(out == b);
  BOOST_TEST(*used + *used2 == rest.size());
}

BOOST_AUTO_TEST_CASE(rejects_corrupt_frames) {
  std::vector<std::uint8_t> frame;
  store::compress(std::vector<std::uint8_t>(500, 'z'), frame);
  std::vector<std::uint8_t> out{1, 2};
  for (std::size_t n = 0; n < frame.size(); ++n) {
    const std::span<const std::uint8_t> part(frame.data(), n);
    BOOST_TEST(decompress(part, out).error().code() == errc::corruption);
  }
  auto bad = frame;
  bad[0] = 7; // unknown method
  BOOST_TEST(decompress(bad, out).error().code() == errc::corruption);
  bad = frame;
  bad[1] = 0x7f; // wrong raw length: lz4 output size disagrees
  BOOST_TEST(decompress(bad, out).error().code() == errc::corruption);
  BOOST_TEST(out == std::vector<std::uint8_t>({1, 2})); // untouched on error
}

BOOST_AUTO_TEST_SUITE_END()
