#include "store/label_codec.hpp"

#include <random>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tests/store/test_print.hpp"

using namespace vigil;
using namespace vigil::store;

BOOST_AUTO_TEST_SUITE(label_codec)

BOOST_AUTO_TEST_CASE(round_trips_random_label_sets) {
  std::mt19937_64 rng(21);
  for (int i = 0; i < 300; ++i) {
    std::vector<label> pairs;
    const std::size_t n = rng() % 12;
    for (std::size_t j = 0; j < n; ++j) {
      std::string name(1 + rng() % 10, 'a'), value(1 + rng() % 300, 'x');
      for (auto& c : name) c = static_cast<char>('a' + rng() % 26);
      for (auto& c : value) c = static_cast<char>(rng() % 256);
      pairs.push_back({name, value});
    }
    const labels ls(pairs);
    std::vector<std::uint8_t> buf;
    append_labels(buf, ls);
    auto got = decode_labels(buf);
    BOOST_REQUIRE(got.has_value());
    BOOST_REQUIRE(*got == ls);
  }
}

BOOST_AUTO_TEST_CASE(matches_golden_bytes) {
  std::vector<std::uint8_t> buf;
  append_labels(buf, labels{{"__name__", "up"}, {"job", "a"}});
  const std::string want = std::string("\x02\x08__name__\x02up\x03job\x01" "a", 19);
  BOOST_TEST(std::string(buf.begin(), buf.end()) == want);
}

BOOST_AUTO_TEST_CASE(appends_after_existing_bytes) {
  std::vector<std::uint8_t> buf{0x42};
  const labels ls{{"a", "1"}};
  append_labels(buf, ls);
  BOOST_TEST(buf[0] == 0x42);
  auto got = decode_labels(std::span<const std::uint8_t>(buf).subspan(1));
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST(*got == ls);
}

BOOST_AUTO_TEST_CASE(rejects_malformed_bytes) {
  std::vector<std::uint8_t> buf;
  append_labels(buf, labels{{"a", "1"}, {"b", "2"}});
  for (std::size_t n = 0; n < buf.size(); ++n)
    BOOST_TEST(decode_labels(std::span<const std::uint8_t>(buf.data(), n)).error().code() == errc::corruption);
  auto trailing = buf;
  trailing.push_back(0);
  BOOST_TEST(decode_labels(trailing).error().code() == errc::corruption);
  const std::vector<std::uint8_t> unsorted{2, 1, 'b', 1, '2', 1, 'a', 1, '1'};
  BOOST_TEST(decode_labels(unsorted).error().code() == errc::corruption);
  const std::vector<std::uint8_t> empty_value{1, 1, 'a', 0};
  BOOST_TEST(decode_labels(empty_value).error().code() == errc::corruption);
}

BOOST_AUTO_TEST_SUITE_END()
