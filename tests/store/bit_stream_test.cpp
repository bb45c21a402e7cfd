#include "store/bit_stream.hpp"

#include <random>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tests/store/test_print.hpp"

using namespace vigil::store;

namespace {

struct field {
  std::uint64_t value;
  unsigned width;
};

std::vector<field> random_fields(std::mt19937_64& rng, std::size_t n) {
  std::vector<field> out;
  for (std::size_t i = 0; i < n; ++i) {
    const auto w = static_cast<unsigned>(rng() % 65);
    const std::uint64_t v = w == 0 ? 0 : (w == 64 ? rng() : rng() & ((std::uint64_t{1} << w) - 1));
    out.push_back({v, w});
  }
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(bit_stream)

BOOST_AUTO_TEST_CASE(round_trips_random_bit_fields) {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 50; ++round) {
    const auto fields = random_fields(rng, 500);
    bit_writer w;
    for (const auto& f : fields) w.write_bits(f.value, f.width);
    bit_reader r(w.bytes());
    for (const auto& f : fields) {
      std::uint64_t v = ~std::uint64_t{0};
      BOOST_REQUIRE(r.read_bits(f.width, &v));
      BOOST_REQUIRE_EQUAL(v, f.value);
    }
    BOOST_TEST(r.remaining() < 8u);
  }
}

BOOST_AUTO_TEST_CASE(writes_msb_first_golden_bytes) {
  std::vector<std::uint8_t> buf{0xEE};
  bit_writer w(buf);
  w.write_bit(true);
  w.write_bits(0b0101, 4);
  w.write_bits(0xABC, 12);
  w.write_byte(0xFF);
  // 1 0101 101010111100 11111111 -> 10101101 01011110 01111111 1(0000000)
  const std::vector<std::uint8_t> want{0xEE, 0xAD, 0x5E, 0x7F, 0x80};
  BOOST_TEST(buf == want, boost::test_tools::per_element());
  BOOST_TEST(w.bit_size() == 8u + 25u);
}

BOOST_AUTO_TEST_CASE(appends_after_existing_bytes) {
  std::vector<std::uint8_t> buf{1, 2, 3};
  bit_writer w(buf);
  w.write_bits(0x5, 3);
  w.write_bits(0x1234567890abcdefULL, 64);
  BOOST_TEST(buf[0] == 1);
  BOOST_TEST(buf[1] == 2);
  BOOST_TEST(buf[2] == 3);
  bit_reader r(buf, 24);
  std::uint64_t v = 0;
  BOOST_REQUIRE(r.read_bits(3, &v));
  BOOST_TEST(v == 0x5u);
  BOOST_REQUIRE(r.read_bits(64, &v));
  BOOST_TEST(v == 0x1234567890abcdefULL);
}

BOOST_AUTO_TEST_CASE(resumed_writer_produces_identical_bytes) {
  std::mt19937_64 rng(7);
  const auto fields = random_fields(rng, 300);
  bit_writer whole;
  for (const auto& f : fields) whole.write_bits(f.value, f.width);
  // Re-create the writer every 10th field from the bytes and bit length only,
  // with garbage past the end that resume() must discard.
  std::vector<std::uint8_t> buf;
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < fields.size(); i += 10) {
    buf.push_back(0xFF);
    bit_writer w = bit_writer::resume(buf, bits);
    for (std::size_t j = i; j < std::min(i + 10, fields.size()); ++j) w.write_bits(fields[j].value, fields[j].width);
    bits = w.bit_size();
  }
  BOOST_TEST(buf == whole.bytes(), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(reader_resumes_from_position) {
  std::mt19937_64 rng(9);
  const auto fields = random_fields(rng, 100);
  bit_writer w;
  for (const auto& f : fields) w.write_bits(f.value, f.width);
  bit_reader first(w.bytes());
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 37; ++i) BOOST_REQUIRE(first.read_bits(fields[i].width, &v));
  bit_reader second(w.bytes(), first.position());
  for (std::size_t i = 37; i < fields.size(); ++i) {
    BOOST_REQUIRE(second.read_bits(fields[i].width, &v));
    BOOST_REQUIRE_EQUAL(v, fields[i].value);
  }
}

BOOST_AUTO_TEST_CASE(refuses_to_read_past_the_end) {
  const std::vector<std::uint8_t> buf{0xAB, 0xCD};
  bit_reader r(buf);
  std::uint64_t v = 0;
  BOOST_TEST(!r.read_bits(17, &v));
  BOOST_TEST(r.position() == 0u); // nothing consumed
  BOOST_TEST(r.read_bits(12, &v));
  BOOST_TEST(v == 0xABCu);
  bool bit = false;
  for (int i = 0; i < 4; ++i) BOOST_TEST(r.read_bit(&bit));
  BOOST_TEST(!r.read_bit(&bit));
}

BOOST_AUTO_TEST_CASE(reads_unaligned_varints) {
  bit_writer w;
  w.write_bits(0b101, 3);
  const std::uint64_t values[] = {0, 1, 127, 128, 300, ~std::uint64_t{0}};
  for (std::uint64_t x : values) {
    std::uint64_t z = x;
    while (z >= 0x80) {
      w.write_byte(static_cast<std::uint8_t>(z | 0x80));
      z >>= 7;
    }
    w.write_byte(static_cast<std::uint8_t>(z));
  }
  bit_reader r(w.bytes(), 3);
  for (std::uint64_t x : values) {
    std::uint64_t got = 0;
    BOOST_REQUIRE(r.read_uvarint(&got));
    BOOST_TEST(got == x);
  }
  std::uint64_t got = 0;
  BOOST_TEST(!r.read_uvarint(&got));
}

BOOST_AUTO_TEST_CASE(owning_writer_keeps_its_bytes_when_moved) {
  bit_writer a;
  a.write_bits(0xA, 4);
  bit_writer b(std::move(a));
  b.write_bits(0xB, 4);
  BOOST_TEST(b.bytes().size() == 1u);
  BOOST_TEST(b.bytes()[0] == 0xAB);
}

BOOST_AUTO_TEST_CASE(lsb_arrays_round_trip_every_width) {
  std::mt19937_64 rng(9);
  for (unsigned w = 0; w <= 64; ++w) {
    for (std::size_t m : {0u, 1u, 2u, 7u, 8u, 9u, 63u, 119u, 1000u}) {
      std::vector<std::uint64_t> values(m);
      for (auto& v : values) v = w == 64 ? rng() : w == 0 ? 0 : rng() & ((std::uint64_t{1} << w) - 1);
      std::vector<std::uint8_t> bytes;
      pack_lsb(values, w, bytes);
      BOOST_REQUIRE_EQUAL(bytes.size(), (m * w + 7) / 8);
      std::vector<std::uint64_t> got(m, 12345);
      unpack_lsb(bytes.data(), bytes.size(), m, w, got.data());
      BOOST_REQUIRE(got == values);
    }
  }
}

BOOST_AUTO_TEST_CASE(lsb_arrays_match_golden_bytes_after_existing_bytes) {
  // 3-bit values 1 2 3 4 5: bits (LSB first) 100 010 110 001 101 ->
  // bytes 0b11010001 0b01011000 = D1 58 (value i at bits 3i..3i+2).
  std::vector<std::uint8_t> out{0xAB};
  pack_lsb(std::vector<std::uint64_t>{1, 2, 3, 4, 5}, 3, out);
  BOOST_TEST(out == (std::vector<std::uint8_t>{0xAB, 0xD1, 0x58}), boost::test_tools::per_element());
  std::vector<std::uint64_t> got(5);
  unpack_lsb(out.data() + 1, 2, 5, 3, got.data());
  BOOST_TEST(got == (std::vector<std::uint64_t>{1, 2, 3, 4, 5}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
