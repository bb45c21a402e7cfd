// store/bit_stream.hpp - MSB-first bit writer and reader over byte buffers
// (the bit order of Prometheus' bstream, so XOR chunks are byte-compatible).
//
// bit_writer appends to a std::vector<uint8_t>: either the caller's (VictoriaMetrics
// style: no allocation per call beyond the vector's own growth) or one it owns.
// bit_reader reads a span it does not own and can start at any bit offset, so a
// reader can resume where an earlier one stopped. pack_lsb/unpack_lsb store
// fixed-width values least significant bit first, for bit-packed arrays.
// Thread-safety: plain values; one thread at a time per object.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace vigil::store {

class bit_writer {
public:
  /// Owns an empty buffer (see bytes()).
  bit_writer() : out_(&own_) {}

  /// Appends after the current end of `out` (byte-aligned: existing bytes are
  /// kept intact). @pre `out` outlives the writer and is modified only through it.
  explicit bit_writer(std::vector<std::uint8_t>& out) : out_(&out) {}

  /// Continues a stream whose first `bit_len` bits (counted from out[0]) are
  /// valid: drops bytes past ceil(bit_len / 8) and zeroes the unused low bits of
  /// the last byte, then appends there. @pre bit_len <= out.size() * 8.
  static bit_writer resume(std::vector<std::uint8_t>& out, std::uint64_t bit_len);

  bit_writer(bit_writer&& other) noexcept;
  bit_writer& operator=(bit_writer&& other) noexcept;
  bit_writer(const bit_writer&) = delete;
  bit_writer& operator=(const bit_writer&) = delete;

  void write_bit(bool bit) {
    if (free_ == 0) {
      out_->push_back(0);
      free_ = 8;
    }
    --free_;
    if (bit) out_->back() |= static_cast<std::uint8_t>(1u << free_);
  }

  /// Writes the low `n` bits of `v`, most significant first. @pre n <= 64.
  void write_bits(std::uint64_t v, unsigned n);

  /// Writes 8 bits (not necessarily byte-aligned).
  void write_byte(std::uint8_t b) { write_bits(b, 8); }

  /// Bits in the buffer from out[0] up to the write position.
  std::uint64_t bit_size() const noexcept { return out_->size() * 8 - free_; }

  std::vector<std::uint8_t>& bytes() noexcept { return *out_; }
  const std::vector<std::uint8_t>& bytes() const noexcept { return *out_; }

private:
  std::vector<std::uint8_t> own_;
  std::vector<std::uint8_t>* out_;
  unsigned free_ = 0; ///< unwritten low bits in out_->back() (0: start a new byte)
};

class bit_reader {
public:
  bit_reader() = default;
  /// Reads `bytes` (not owned; must outlive the reader) from `bit_offset`.
  explicit bit_reader(std::span<const std::uint8_t> bytes, std::uint64_t bit_offset = 0) noexcept
      : data_(bytes.data()), size_bits_(bytes.size() * 8), pos_(bit_offset) {}

  /// Reads `n` bits (MSB first) into the low bits of `*out`. Returns false,
  /// consuming nothing, when fewer than `n` bits remain. @pre n <= 64.
  bool read_bits(unsigned n, std::uint64_t* out) noexcept {
    if (n > size_bits_ - pos_ || pos_ > size_bits_) return false;
    *out = n == 0 ? 0 : peek64() >> (64 - n);
    pos_ += n;
    return true;
  }

  bool read_bit(bool* out) noexcept {
    if (pos_ >= size_bits_) return false;
    *out = (data_[pos_ >> 3] >> (7 - (pos_ & 7))) & 1;
    ++pos_;
    return true;
  }

  bool read_byte(std::uint8_t* out) noexcept {
    std::uint64_t v = 0;
    if (!read_bits(8, &v)) return false;
    *out = static_cast<std::uint8_t>(v);
    return true;
  }

  /// Reads a Go-style unsigned / zig-zag signed varint bit-aligned at the
  /// current position. Returns false on truncation or overflow.
  bool read_uvarint(std::uint64_t* out) noexcept;
  bool read_varint(std::int64_t* out) noexcept;

  /// Bit position from the start of the span (pass to a new reader to resume).
  std::uint64_t position() const noexcept { return pos_; }
  std::uint64_t remaining() const noexcept { return size_bits_ - pos_; }

private:
  /// The 64 bits starting at pos_, left-aligned; zero past the end.
  std::uint64_t peek64() const noexcept;

  const std::uint8_t* data_ = nullptr;
  std::uint64_t size_bits_ = 0;
  std::uint64_t pos_ = 0;
};

/// Appends `values` as `w` bits each (w <= 64, each value < 2^w), least
/// significant bit first: value i is bits i*w .. i*w+w-1 of the little-endian
/// bit string, in ceil(n*w / 8) bytes (the layout of packed chunks' integer
/// sequences, store/codec_intseq.hpp; unlike bit_writer's MSB-first order).
void pack_lsb(std::span<const std::uint64_t> values, unsigned w, std::vector<std::uint8_t>& out);

/// Reads m values of `w` bits packed by pack_lsb from p, which holds exactly
/// nbytes = ceil(m*w / 8) bytes (never read past), into out[0..m).
void unpack_lsb(const std::uint8_t* p, std::size_t nbytes, std::size_t m, unsigned w, std::uint64_t* out) noexcept;

/// Reads bits MSB first from a copy padded with at least 9 spare zero bytes,
/// so every peek is one unaligned load; the caller checks the position
/// against the real size after each value (the fast decode paths).
struct padded_bit_reader {
  const std::uint8_t* d = nullptr;
  std::uint64_t pos = 0;
  std::uint64_t peek() const noexcept {
    std::uint64_t w;
    std::memcpy(&w, d + (pos >> 3), 8);
    if constexpr (std::endian::native == std::endian::little) w = __builtin_bswap64(w);
    const unsigned off = pos & 7;
    if (off != 0) w = (w << off) | (d[(pos >> 3) + 8] >> (8 - off));
    return w;
  }
  /// @pre 1 <= n <= 64
  std::uint64_t bits(unsigned n) noexcept {
    const std::uint64_t v = peek() >> (64 - n);
    pos += n;
    return v;
  }
};

} // namespace vigil::store
