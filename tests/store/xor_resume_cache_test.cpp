#include "store/xor_resume_cache.hpp"

#include <limits>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "store/xor_chunk.hpp"

using namespace vigil;
using namespace vigil::store;

namespace {

std::vector<std::uint8_t> encode(timestamp_ms t0, std::size_t n, double first_value) {
  std::vector<std::uint8_t> buf;
  auto app = xor_appender::create(buf);
  for (std::size_t i = 0; i < n; ++i) app.append(t0 + static_cast<timestamp_ms>(i) * 15000, first_value + 0.5 * i);
  return buf;
}

std::span<const std::uint8_t> body(const std::vector<std::uint8_t>& chunk) {
  return std::span<const std::uint8_t>(chunk).subspan(xor_chunk_header_bytes);
}

/// The stop of a read of [lo, max] in `chunk`.
xor_resume stop_before(const std::vector<std::uint8_t>& chunk, timestamp_ms lo) {
  std::vector<sample> out;
  xor_resume st;
  BOOST_REQUIRE(xor_decode_range(chunk, lo, std::numeric_limits<timestamp_ms>::max(), out, nullptr, &st));
  BOOST_REQUIRE_GE(st.count, 2);
  return st;
}

} // namespace

BOOST_AUTO_TEST_SUITE(xor_resume_cache_suite)

BOOST_AUTO_TEST_CASE(a_stop_is_found_for_its_chunk_while_its_bits_stay_and_not_after) {
  xor_resume_cache cache(64);
  const auto chunk = encode(1'000'000, 100, 10.0);
  const auto st = stop_before(chunk, 1'000'000 + 80 * 15000);
  BOOST_TEST(st.count == 80);
  cache.store(7, 1'000'000, body(chunk), st);
  BOOST_TEST(cache.find(7, 1'000'000, body(chunk)).count == 80);
  // The same chunk grown by appends: the bits before the stop are the same.
  const auto grown = encode(1'000'000, 120, 10.0);
  BOOST_TEST(cache.find(7, 1'000'000, body(grown)).count == 80);
  // Another series, or another chunk of the series: nothing.
  BOOST_TEST(cache.find(8, 1'000'000, body(chunk)).count == 0);
  BOOST_TEST(cache.find(7, 1'015'000, body(chunk)).count == 0);
  // The chunk rewritten (a late sample merged: other values before the stop).
  auto rewritten = encode(1'000'000, 100, 10.0);
  {
    std::vector<std::uint8_t> buf;
    auto app = xor_appender::create(buf);
    for (int i = 0; i < 100; ++i) app.append(1'000'000 + i * 15000, i == 40 ? 99.0 : 10.0 + 0.5 * i);
    rewritten = buf;
  }
  BOOST_TEST(cache.find(7, 1'000'000, body(rewritten)).count == 0);
  // A shorter record (an older snapshot of the chunk) than the stop: nothing.
  const auto shorter = encode(1'000'000, 50, 10.0);
  BOOST_TEST(cache.find(7, 1'000'000, body(shorter)).count == 0);
}

BOOST_AUTO_TEST_CASE(the_hash_covers_the_bits_before_the_stop_and_no_more) {
  const std::vector<std::uint8_t> a{0x12, 0x34, 0xf0};
  std::vector<std::uint8_t> b = a;
  b[2] = 0xf7; // differs after bit 20
  BOOST_TEST(xor_resume_cache::prefix_hash(a, 20) == xor_resume_cache::prefix_hash(b, 20));
  BOOST_TEST(xor_resume_cache::prefix_hash(a, 21) != xor_resume_cache::prefix_hash(b, 22));
  b[2] = 0xe0; // differs at bit 19
  BOOST_TEST(xor_resume_cache::prefix_hash(a, 20) != xor_resume_cache::prefix_hash(b, 20));
  BOOST_TEST(xor_resume_cache::prefix_hash(a, 19) == xor_resume_cache::prefix_hash(b, 19));
}

BOOST_AUTO_TEST_CASE(a_slot_holds_the_newest_entry_of_its_chunks) {
  xor_resume_cache cache(64);
  std::vector<std::vector<std::uint8_t>> chunks;
  for (int i = 0; i < 500; ++i) chunks.push_back(encode(1'000'000, 30, i));
  for (int i = 0; i < 500; ++i) cache.store(static_cast<series_ref>(i), 1'000'000, body(chunks[i]), stop_before(chunks[i], 1'000'000 + 20 * 15000));
  int found = 0;
  for (int i = 0; i < 500; ++i) {
    const auto st = cache.find(static_cast<series_ref>(i), 1'000'000, body(chunks[i]));
    if (st.count == 0) continue;
    ++found;
    BOOST_TEST(st.count == 20);
    BOOST_TEST(st.v_bits == std::bit_cast<std::uint64_t>(i + 0.5 * 19));
  }
  BOOST_TEST(found >= 40); // 64 slots: the last entry of each slot stays
  BOOST_TEST(found <= 64);
}

BOOST_AUTO_TEST_SUITE_END()
