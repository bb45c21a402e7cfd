// store/codec_intseq.hpp - bit-packed integer sequences: the building block of
// packed chunks (store/packed_chunk.hpp) for timestamps and for values that
// are integers or fixed-point decimals.
//
// A sequence x[0..n) of 64-bit integers (arithmetic wraps mod 2^64, so any
// int64 round-trips) is stored as x[0], a common factor g of all x[i] - x[0],
// and one transform of z[i] = (x[i] - x[0]) / g chosen per sequence:
//   order 0  y[i] = z[i] - i*D          (residual from a line; D = 0: plain values)
//   order 1  y[i] = z[i] - z[i-1]       (deltas)
//   order 2  y[i] = d[i] - d[i-1], d[0] = D  (delta of deltas)
// for i = 1..n-1. The y[i] are frame-of-reference packed: w bits each of
// y[i] - base, and the few that do not fit (a counter reset, a missed scrape,
// a near-constant gauge's rare change) are listed as exceptions. The encoder
// estimates the size of each order and keeps the smallest. Byte layout: see
// store/FORMAT.md (section "Integer sequence").
//
// Thread-safety: plain values; one thread at a time per encoder. The encoder
// keeps scratch vectors, so encoding does not allocate once they have grown.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace vigil::store {

/// What the encoder chose for the last sequence (for tests and benchmarks).
struct intseq_choice {
  std::uint8_t order = 0;      ///< 0, 1 or 2
  std::uint8_t width = 0;      ///< bits per packed value (radix 0); with a radix, bits per group
  std::uint64_t gcd = 1;       ///< common factor g
  std::int64_t slope = 0;      ///< D of orders 0 and 2
  std::size_t exceptions = 0;  ///< values outside the packed window
  std::uint64_t radix = 0;     ///< 0: bit-packed; else radix-packed slots (values 0..radix-1)
};

/// Radix packing (dense mode): slots with values in [0, r) are packed k to a
/// group, the group being the number sum s[j] * r^j (j < k) in
/// bit_len(r^k - 1) bits, k the most with r^k <= 2^32 (so 20 values, the
/// spread of 0-19 ms of scrape jitter, take 4.43 bits instead of 5). Used
/// only when it saves space and k >= 2.
struct radix_group {
  std::uint64_t k = 1;     ///< slots per group
  unsigned bits = 0;       ///< bits per group
};
radix_group radix_grouping(std::uint64_t r) noexcept;

class intseq_encoder {
public:
  /// Dense mode also tries radix packing (FORMAT.md "Integer sequence",
  /// mode bit 4): smaller, slower to decode (a multiply per value). The
  /// cold tier writes dense; the hot tier does not.
  void set_dense(bool on) noexcept { dense_ = on; }

  /// Appends the encoding of `x` (n >= 1 values) to `out`; the decoder must
  /// be told n. @pre !x.empty()
  void encode(std::span<const std::uint64_t> x, std::vector<std::uint8_t>& out);

  const intseq_choice& last() const noexcept { return last_; }

private:
  struct candidate {
    std::uint8_t order = 1;
    std::int64_t slope = 0;
    std::uint64_t center = 0;   ///< (sampled) median of y
    std::uint64_t bits = 0;     ///< estimated, then (refined) exact size
    unsigned width = 0;         ///< of the centered, then the final window
    std::uint64_t base = 0;     ///< refined: the window's start
    std::size_t exceptions = 0; ///< refined: values outside the window
  };
  /// Picks a width from a histogram of offsets from the center.
  void estimate(const std::vector<std::uint64_t>& y, candidate& c);
  /// Narrows the window to the inliers and computes the exact size.
  void refine(const std::vector<std::uint64_t>& y, candidate& c);
  void write(const std::vector<std::uint64_t>& y, const candidate& c, std::uint64_t g,
             std::vector<std::uint8_t>& out);

  std::vector<std::uint64_t> z_, y_[5]; ///< z, then y of each candidate
  std::vector<std::uint64_t> slots_;    ///< packed values being written
  intseq_choice last_;
  bool dense_ = false;
};

/// Decodes n values (n >= 1) starting at in[*pos] into out[0..n), advancing
/// *pos past them. Returns nullptr, or what is malformed (truncated bytes, an
/// unknown mode, a width over 64, an exception index out of range); *pos is
/// then unspecified. Never reads outside `in`.
const char* intseq_decode(std::span<const std::uint8_t> in, std::size_t* pos, std::size_t n,
                          std::uint64_t* out) noexcept;

} // namespace vigil::store
