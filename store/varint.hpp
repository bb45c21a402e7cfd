// store/varint.hpp - LEB128 varints (Go's encoding/binary PutUvarint/PutVarint
// layout, as Prometheus' XOR chunks use) over byte buffers.
//
// Header-only, allocation-free except for appending to a caller's vector.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace vigil::store {

/// Longest encoding of a 64-bit varint.
inline constexpr std::size_t max_varint_bytes = 10;

/// Writes `v` as an unsigned LEB128 varint to `out` (room for
/// max_varint_bytes) and returns the bytes written.
inline std::size_t put_uvarint(std::uint8_t* out, std::uint64_t v) noexcept {
  std::size_t n = 0;
  while (v >= 0x80) {
    out[n++] = static_cast<std::uint8_t>(v | 0x80);
    v >>= 7;
  }
  out[n++] = static_cast<std::uint8_t>(v);
  return n;
}

/// Appends `v` as an unsigned LEB128 varint to `out`.
inline void append_uvarint(std::vector<std::uint8_t>& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

/// Zig-zag maps signed to unsigned so small magnitudes stay short.
inline constexpr std::uint64_t zigzag_encode(std::int64_t v) noexcept {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}

inline constexpr std::int64_t zigzag_decode(std::uint64_t u) noexcept {
  return static_cast<std::int64_t>(u >> 1) ^ -static_cast<std::int64_t>(u & 1);
}

/// Appends `v` zig-zag encoded as a varint (Go's PutVarint).
inline void append_varint(std::vector<std::uint8_t>& out, std::int64_t v) {
  append_uvarint(out, zigzag_encode(v));
}

/// Reads an unsigned varint at `*pos`, advancing it. Returns false on a
/// truncated or over-long (> 10 bytes or > 64 bits) encoding; `*pos` is then
/// unspecified.
inline bool read_uvarint(std::span<const std::uint8_t> in, std::size_t* pos,
                         std::uint64_t* out) noexcept {
  std::uint64_t v = 0;
  for (unsigned shift = 0, i = 0; i < max_varint_bytes; ++i, shift += 7) {
    if (*pos >= in.size()) return false;
    const std::uint8_t b = in[(*pos)++];
    if (i == max_varint_bytes - 1 && b > 1) return false; // overflows 64 bits
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if (b < 0x80) {
      *out = v;
      return true;
    }
  }
  return false;
}

} // namespace vigil::store
