#include "store/bit_stream.hpp"

#include <algorithm>
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

// ---- fixed-width arrays, least significant bit first ---------------------------

namespace {

/// 8 little-endian bytes at p, of which only `avail` may exist.
std::uint64_t load_le64(const std::uint8_t* p, std::size_t avail) noexcept {
  std::uint64_t w = 0;
  if (avail >= 8) {
    std::memcpy(&w, p, 8);
    if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
    return w;
  }
  for (std::size_t i = 0; i < avail; ++i) w |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return w;
}

} // namespace

void pack_lsb(std::span<const std::uint64_t> values, unsigned w, std::vector<std::uint8_t>& out) {
  assert(w <= 64);
  if (w == 0 || values.empty()) return;
  // Gathered in a register and stored 8 bytes at a time into spare room.
  const std::size_t at = out.size(), nbytes = (values.size() * w + 7) / 8;
  out.resize(at + nbytes + 8, 0);
  std::uint8_t* q = out.data() + at;
  std::uint64_t acc = 0;
  unsigned used = 0; // bits in acc, < 64
  const auto store = [&q](std::uint64_t word) {
    if constexpr (std::endian::native == std::endian::big) word = __builtin_bswap64(word);
    std::memcpy(q, &word, 8);
    q += 8;
  };
  for (std::uint64_t v : values) {
    assert(w == 64 || v < (std::uint64_t{1} << w));
    acc |= v << used;
    if (used + w < 64) {
      used += w;
      continue;
    }
    store(acc);
    acc = used == 0 ? 0 : v >> (64 - used);
    used = used + w - 64;
  }
  if (used > 0) store(acc);
  out.resize(at + nbytes);
}

void unpack_lsb(const std::uint8_t* p, std::size_t nbytes, std::size_t m, unsigned w, std::uint64_t* out) noexcept {
  if (w == 0) {
    std::fill(out, out + m, 0);
    return;
  }
  const std::uint64_t mask = w >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << w) - 1;
  std::size_t i = 0;
  std::uint64_t bit = 0;
  if (w <= 56 && nbytes >= 8) {
    // Values whose 8-byte load stays inside the packed bytes: one load each.
    const std::size_t fast = std::min<std::size_t>(m, (nbytes - 8) * 8 / w + 1);
    for (; i < fast; ++i, bit += w) {
      std::uint64_t v;
      std::memcpy(&v, p + (bit >> 3), 8);
      if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
      out[i] = (v >> (bit & 7)) & mask;
    }
  }
  for (; i < m; ++i, bit += w) {
    const auto byte = static_cast<std::size_t>(bit >> 3);
    const auto sh = static_cast<unsigned>(bit & 7);
    std::uint64_t v = load_le64(p + byte, nbytes - byte) >> sh;
    if (sh + w > 64) v |= static_cast<std::uint64_t>(p[byte + 8]) << (64 - sh);
    out[i] = v & mask;
  }
}

} // namespace vigil::store
