#include "store/chunk.hpp"

#include <random>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tests/store/test_print.hpp"

using namespace vigil;
using namespace vigil::store;

BOOST_AUTO_TEST_SUITE(chunk)

BOOST_AUTO_TEST_CASE(record_matches_golden_bytes) {
  std::vector<std::uint8_t> rec;
  const std::vector<std::uint8_t> payload{0x00, 0x01, 0xAB};
  append_chunk_record(rec, chunk_encoding::xor_v1, -2, payload);
  const std::vector<std::uint8_t> want{0x01, 0x01, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0x00, 0x01, 0xAB};
  BOOST_TEST(rec == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(records_round_trip_after_existing_bytes) {
  std::mt19937_64 rng(51);
  for (int i = 0; i < 100; ++i) {
    std::vector<std::uint8_t> payload(rng() % 300);
    for (auto& b : payload) b = static_cast<std::uint8_t>(rng());
    const auto max_t = static_cast<timestamp_ms>(rng());
    std::vector<std::uint8_t> buf{0xEE, 0xEE};
    append_chunk_record(buf, chunk_encoding::xor_v1, max_t, payload);
    auto c = decode_chunk_record(std::span<const std::uint8_t>(buf).subspan(2));
    BOOST_REQUIRE(c.has_value());
    BOOST_TEST((c->encoding == chunk_encoding::xor_v1));
    BOOST_TEST(c->max_t == max_t);
    BOOST_TEST(std::vector<std::uint8_t>(c->payload.begin(), c->payload.end()) == payload);
  }
}

BOOST_AUTO_TEST_CASE(rejects_unknown_versions_and_encodings) {
  std::vector<std::uint8_t> rec;
  append_chunk_record(rec, chunk_encoding::xor_v1, 5, std::vector<std::uint8_t>{0, 0});
  auto bad = rec;
  bad[0] = 2;
  BOOST_TEST(decode_chunk_record(bad).error().code() == errc::corruption);
  bad = rec;
  bad[1] = 9;
  BOOST_TEST(decode_chunk_record(bad).error().code() == errc::corruption);
  BOOST_TEST(decode_chunk_record(std::span<const std::uint8_t>(rec.data(), 9)).error().code() == errc::corruption);
}

BOOST_AUTO_TEST_CASE(iterator_dispatches_on_the_encoding) {
  std::vector<std::uint8_t> payload;
  auto app = xor_appender::create(payload);
  app.append(10, 1.5);
  app.append(20, 2.5);
  std::vector<std::uint8_t> rec;
  append_chunk_record(rec, chunk_encoding::xor_v1, 20, payload);
  chunk_iterator it;
  it.reset(*decode_chunk_record(rec));
  BOOST_REQUIRE(it.seek(15));
  BOOST_TEST(it.at() == (sample{20, 2.5}));
  BOOST_TEST(!it.next());
  BOOST_TEST(it.err().is_ok());
}

BOOST_AUTO_TEST_SUITE_END()
