#include "store/bit_stream.hpp"

#include <bit>
#include <cassert>
#include <cstring>
#include <utility>

#include "store/varint.hpp"

namespace vigil::store {

bit_writer bit_writer::resume(std::vector<std::uint8_t>& out, std::uint64_t bit_len) {
  assert(bit_len <= out.size() * 8);
  out.resize(static_cast<std::size_t>((bit_len + 7) / 8));
  bit_writer w(out);
  w.free_ = static_cast<unsigned>((8 - bit_len % 8) % 8);
  if (w.free_ != 0) out.back() &= static_cast<std::uint8_t>(0xff << w.free_);
  return w;
}

bit_writer::bit_writer(bit_writer&& other) noexcept
    : own_(std::move(other.own_)),
      out_(other.out_ == &other.own_ ? &own_ : other.out_),
      free_(other.free_) {}

bit_writer& bit_writer::operator=(bit_writer&& other) noexcept {
  if (this != &other) {
    own_ = std::move(other.own_);
    out_ = other.out_ == &other.own_ ? &own_ : other.out_;
    free_ = other.free_;
  }
  return *this;
}

void bit_writer::write_bits(std::uint64_t v, unsigned n) {
  assert(n <= 64);
  if (n == 0) return;
  if (n < 64) v &= (std::uint64_t{1} << n) - 1;
  if (free_ != 0) { // top up the partial last byte
    if (n <= free_) {
      free_ -= n;
      out_->back() |= static_cast<std::uint8_t>(v << free_);
      return;
    }
    n -= free_;
    out_->back() |= static_cast<std::uint8_t>(v >> n);
    free_ = 0;
  }
  while (n >= 8) {
    n -= 8;
    out_->push_back(static_cast<std::uint8_t>(v >> n));
  }
  if (n != 0) {
    free_ = 8 - n;
    out_->push_back(static_cast<std::uint8_t>(v << free_));
  }
}

std::uint64_t bit_reader::peek64() const noexcept {
  const std::uint64_t byte = pos_ >> 3;
  const unsigned off = pos_ & 7;
  const std::uint64_t size_bytes = size_bits_ >> 3;
  std::uint64_t word = 0;
  if (byte + 8 <= size_bytes) {
    std::memcpy(&word, data_ + byte, 8);
    if constexpr (std::endian::native == std::endian::little) word = __builtin_bswap64(word);
  } else {
    for (std::uint64_t i = 0; i < 8; ++i)
      word = (word << 8) | (byte + i < size_bytes ? data_[byte + i] : 0);
  }
  word <<= off;
  if (off != 0 && byte + 8 < size_bytes) word |= data_[byte + 8] >> (8 - off);
  return word;
}

bool bit_reader::read_uvarint(std::uint64_t* out) noexcept {
  const std::uint64_t start = pos_;
  std::uint64_t v = 0;
  for (unsigned i = 0, shift = 0; i < max_varint_bytes; ++i, shift += 7) {
    std::uint8_t b = 0;
    if (!read_byte(&b) || (i == max_varint_bytes - 1 && b > 1)) break;
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if (b < 0x80) {
      *out = v;
      return true;
    }
  }
  pos_ = start;
  return false;
}

bool bit_reader::read_varint(std::int64_t* out) noexcept {
  std::uint64_t u = 0;
  if (!read_uvarint(&u)) return false;
  *out = zigzag_decode(u);
  return true;
}

} // namespace vigil::store
