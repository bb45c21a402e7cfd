#include "store/keys.hpp"

#include <algorithm>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tests/store/test_print.hpp"

using namespace vigil;
using namespace vigil::store;

namespace {

bool bytes_less(const chunk_key& a, const chunk_key& b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
}

std::string as_string(const std::vector<std::uint8_t>& v) { return {v.begin(), v.end()}; }

} // namespace

BOOST_AUTO_TEST_SUITE(keys)

BOOST_AUTO_TEST_CASE(chunk_key_byte_order_equals_ref_time_order) {
  std::mt19937_64 rng(11);
  const timestamp_ms edges[] = {std::numeric_limits<timestamp_ms>::min(), -1, 0, 1,
                                std::numeric_limits<timestamp_ms>::max()};
  std::vector<std::pair<series_ref, timestamp_ms>> xs;
  for (int i = 0; i < 5000; ++i) {
    const series_ref ref = rng() % 4 == 0 ? rng() : rng() % 50;
    const timestamp_ms t = i % 7 == 0 ? edges[rng() % 5] : static_cast<timestamp_ms>(rng());
    xs.emplace_back(ref, t);
  }
  for (int i = 0; i < 20000; ++i) {
    const auto& a = xs[rng() % xs.size()];
    const auto& b = xs[rng() % xs.size()];
    BOOST_REQUIRE_EQUAL(a < b, bytes_less(make_chunk_key(a.first, a.second), make_chunk_key(b.first, b.second)));
  }
  for (const auto& [ref, t] : xs) {
    series_ref r = 0;
    timestamp_ms got = 0;
    BOOST_REQUIRE(decode_chunk_key(make_chunk_key(ref, t), &r, &got));
    BOOST_REQUIRE(r == ref && got == t);
  }
}

BOOST_AUTO_TEST_CASE(matches_golden_bytes) {
  const chunk_key k = make_chunk_key(0x0102030405060708ULL, -1);
  const chunk_key want{1, 2, 3, 4, 5, 6, 7, 8, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  BOOST_TEST(k == want, boost::test_tools::per_element());
  const chunk_key zero = make_chunk_key(1, 0);
  BOOST_TEST(zero[8] == 0x80);
  BOOST_TEST(make_ref_key(258) == (ref_key{0, 0, 0, 0, 0, 0, 1, 2}), boost::test_tools::per_element());
  std::vector<std::uint8_t> p;
  append_postings_key(p, "job", "api");
  BOOST_TEST(p == std::vector<std::uint8_t>({'j', 'o', 'b', 0, 'a', 'p', 'i'}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(appends_after_existing_bytes) {
  std::vector<std::uint8_t> buf{0xAA};
  append_chunk_key(buf, 7, 100);
  append_postings_key(buf, "a", "b");
  BOOST_REQUIRE_EQUAL(buf.size(), 1u + 16u + 3u);
  BOOST_TEST(buf[0] == 0xAA);
  series_ref ref = 0;
  timestamp_ms t = 0;
  BOOST_REQUIRE(decode_chunk_key(std::span<const std::uint8_t>(buf).subspan(1, 16), &ref, &t));
  BOOST_TEST(ref == 7u);
  BOOST_TEST(t == 100);
  postings_key_parts parts;
  BOOST_REQUIRE(decode_postings_key(std::span<const std::uint8_t>(buf).subspan(17), &parts));
  BOOST_TEST(parts.name == "a");
  BOOST_TEST(parts.value == "b");
}

BOOST_AUTO_TEST_CASE(rejects_keys_of_wrong_size) {
  const std::vector<std::uint8_t> short_key(15, 0);
  series_ref ref = 0;
  timestamp_ms t = 0;
  BOOST_TEST(!decode_chunk_key(short_key, &ref, &t));
  std::uint64_t v = 0;
  BOOST_TEST(!decode_ref_key(short_key, &v));
  postings_key_parts parts;
  BOOST_TEST(!decode_postings_key(std::vector<std::uint8_t>{'a', 'b'}, &parts));
}

BOOST_AUTO_TEST_CASE(postings_keys_round_trip_and_hash_long_values) {
  std::mt19937_64 rng(12);
  for (int i = 0; i < 300; ++i) {
    const std::string name(1 + rng() % 40, static_cast<char>('a' + rng() % 26));
    std::string value(rng() % 900, 'v');
    for (auto& c : value) c = static_cast<char>(rng() % 256);
    std::vector<std::uint8_t> k;
    append_postings_key(k, name, value);
    BOOST_REQUIRE(k.size() <= max_key_bytes);
    postings_key_parts parts;
    BOOST_REQUIRE(decode_postings_key(k, &parts));
    BOOST_TEST(parts.name == name);
    if (name.size() + 1 + value.size() <= max_key_bytes) {
      BOOST_TEST(!parts.hashed);
      BOOST_TEST(parts.value == value);
    } else {
      BOOST_TEST(parts.hashed);
      BOOST_TEST(k.size() == max_key_bytes);
      BOOST_TEST(value.starts_with(parts.value));
      BOOST_TEST(parts.hash == value_hash(value));
    }
  }
}

BOOST_AUTO_TEST_CASE(name_bounds_enclose_all_values_of_a_name_only) {
  std::vector<std::uint8_t> begin, end, ab, a_long, b;
  append_postings_name_begin(begin, "a");
  append_postings_name_end(end, "a");
  append_postings_key(ab, "ab", "");
  append_postings_key(a_long, "a", std::string(600, '\xff'));
  append_postings_key(b, "a", "");
  // std::string compares bytes as unsigned, like LMDB (extra parentheses:
  // Boost.Test would compare chars as signed).
  BOOST_TEST((as_string(begin) <= as_string(b)));
  BOOST_TEST((as_string(a_long) < as_string(end)));
  BOOST_TEST((as_string(end) < as_string(ab)));
}

BOOST_AUTO_TEST_CASE(value_hash_is_stable) {
  // Part of the on-disk format: must never change.
  BOOST_TEST(value_hash("") == value_hash(""));
  BOOST_TEST(value_hash("a") != value_hash("b"));
  BOOST_TEST(value_hash("hello") == 0x16fe05a1c75bcd0fULL);
}

BOOST_AUTO_TEST_SUITE_END()
