#include "store/chunk.hpp"

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

constexpr chunk_encoding all_encodings[] = {chunk_encoding::xor_v1, chunk_encoding::packed_v1};

/// A whole record of `xs` in encoding `enc` (packed: blocks of 120).
std::vector<std::uint8_t> record_of(chunk_encoding enc, const std::vector<sample>& xs) {
  std::vector<std::uint8_t> payload;
  if (enc == chunk_encoding::xor_v1) {
    auto app = xor_appender::create(payload);
    for (const auto& x : xs) app.append(x.t, x.v);
  } else {
    packed_encoder().encode(xs, 120, payload);
  }
  std::vector<std::uint8_t> rec;
  append_chunk_record(rec, enc, xs.back().t, payload);
  return rec;
}

} // namespace

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
  for (std::uint8_t enc : {0, 4, 9, 255}) {
    bad = rec;
    bad[1] = enc;
    BOOST_TEST(decode_chunk_record(bad).error().code() == errc::corruption);
  }
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

BOOST_AUTO_TEST_CASE(every_encoding_round_trips_and_the_fast_path_matches_the_iterator) {
  std::mt19937_64 rng(52);
  for (chunk_encoding enc : all_encodings) {
    for (int shape = 0; shape < chunk_shape_count; ++shape) {
      for (std::size_t n : {1u, 2u, 120u, 481u}) {
        const auto xs = chunk_shape(rng, shape, n);
        const auto rec = record_of(enc, xs);
        auto c = decode_chunk_record(rec);
        BOOST_REQUIRE(c.has_value());
        BOOST_TEST((c->encoding == enc));
        BOOST_TEST(c->max_t == xs.back().t);
        BOOST_TEST_CONTEXT("encoding " << static_cast<int>(enc) << " shape " << shape << " n " << n) {
          chunk_iterator it;
          it.reset(*c);
          std::vector<sample> all;
          while (it.next()) all.push_back(it.at());
          BOOST_REQUIRE(it.err().is_ok());
          BOOST_REQUIRE(all == xs);
          for (int trial = 0; trial < 10; ++trial) {
            timestamp_ms lo = vigil::store::testing::nudge(xs[rng() % n].t, -static_cast<timestamp_ms>(rng() % 2));
            timestamp_ms hi = vigil::store::testing::nudge(xs[rng() % n].t, static_cast<timestamp_ms>(rng() % 2));
            if (trial == 0) lo = std::numeric_limits<timestamp_ms>::min(), hi = std::numeric_limits<timestamp_ms>::max();
            std::vector<sample> fast, slow;
            BOOST_REQUIRE(decode_chunk_range(*c, lo, hi, fast));
            it.reset(*c);
            for (bool more = it.seek(lo); more && it.t() <= hi; more = it.next()) slow.push_back(it.at());
            BOOST_REQUIRE(it.err().is_ok());
            BOOST_REQUIRE(fast == slow);
          }
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(reads_xor_records_written_before_packed_chunks) {
  // The golden XOR chunk of store/FORMAT.md in a format-1 record, as every
  // vigil before packed_v1 wrote it.
  const std::vector<std::uint8_t> rec{0x01, 0x01, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0F, 0xA1, // max t 4001
                                      0x00, 0x04, 0xD0, 0x0F, 0x3F, 0xF0, 0x00, 0x00, 0x00, 0x00,
                                      0x00, 0x00, 0xE8, 0x07, 0x30, 0x97, 0xFF, 0xE0, 0x00, 0x40};
  const std::vector<sample> want{{1000, 1.0}, {2000, 1.0}, {3000, 2.0}, {4001, 2.0}};
  auto c = decode_chunk_record(rec);
  BOOST_REQUIRE(c.has_value());
  BOOST_TEST((c->encoding == chunk_encoding::xor_v1));
  BOOST_TEST(c->max_t == 4001);
  std::vector<sample> got;
  BOOST_REQUIRE(decode_chunk_range(*c, 0, 5000, got));
  BOOST_TEST(got == want, boost::test_tools::per_element());
  chunk_iterator it;
  it.reset(*c);
  BOOST_REQUIRE(it.seek(2500));
  BOOST_TEST(it.at() == (sample{3000, 2.0}));
}

BOOST_AUTO_TEST_CASE(garbled_records_of_every_encoding_are_corruption) {
  std::mt19937_64 rng(53);
  for (chunk_encoding enc : all_encodings) {
    for (int round = 0; round < 500; ++round) {
      auto rec = record_of(enc, chunk_shape(rng, static_cast<int>(rng() % chunk_shape_count), 1 + rng() % 200));
      rec.resize(chunk_record_header_bytes + rng() % (rec.size() - chunk_record_header_bytes));
      auto c = decode_chunk_record(rec);
      BOOST_REQUIRE(c.has_value());
      chunk_iterator it;
      it.reset(*c);
      while (it.next()) {
      }
      std::vector<sample> out;
      const bool fast = decode_chunk_range(*c, std::numeric_limits<timestamp_ms>::min(),
                                           std::numeric_limits<timestamp_ms>::max(), out);
      BOOST_TEST(fast == it.err().is_ok());
      if (!it.err().is_ok()) BOOST_TEST(it.err().code() == errc::corruption);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
