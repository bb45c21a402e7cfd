// store/codec_float.hpp - the value section of a packed chunk block
// (store/packed_chunk.hpp): n doubles, stored bit-exactly in one of three modes.
//
//   constant  every value has the same bits (NaN payloads included): 8 bytes
//   decimal   every value, but a few "specials", is m / 10^k for an integer
//             |m| < 2^53 and one k in 0..18, computed exactly that way (so
//             counters, integer gauges and fixed-point decimals such as 0.01 s
//             CPU ticks): k, then the m as an integer sequence
//             (store/codec_intseq.hpp), then the specials' raw bits (NaN,
//             ±Inf, the staleness marker, -0.0, values with more digits)
//   xor       the Gorilla XOR value stream of store/xor_chunk.hpp
//   bits      the IEEE-754 bit patterns as an integer sequence: float counters
//             and slowly moving floats, whose patterns grow by similar steps
// Of xor and bits (and decimal, when it takes over 2 bytes a value) the
// smaller is kept.
// The encoder checks every decimal by recomputing it as the decoder will, so
// decoding returns the same bits that were encoded. Byte layout: see
// store/FORMAT.md (section "Value section").
//
// Thread-safety: plain values; one thread at a time per encoder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "store/codec_intseq.hpp"

namespace vigil::store {

enum class value_mode : std::uint8_t {
  constant = 0,
  xor_bits = 1,
  bits = 2,
  decimal = 3,
};

/// Largest decimal exponent k (10^k and m / 10^k stay exact below 10^22).
inline constexpr unsigned max_decimal_digits = 18;

class value_encoder {
public:
  /// Appends the value section of `v` (n >= 1 values) to `out`.
  void encode(std::span<const double> v, std::vector<std::uint8_t>& out);
  /// Integer sections in dense mode (intseq_encoder::set_dense).
  void set_dense(bool on) noexcept { ints_.set_dense(on); }

  value_mode last_mode() const noexcept { return mode_; }
  unsigned last_digits() const noexcept { return digits_; }
  const intseq_choice& last_ints() const noexcept { return ints_.last(); }

private:
  /// Appends the decimal section; false (out unchanged) when it does not apply.
  bool encode_decimal(std::span<const double> v, std::vector<std::uint8_t>& out);

  intseq_encoder ints_;
  std::vector<std::uint64_t> m_;
  std::vector<std::uint32_t> specials_;
  std::vector<std::uint8_t> tmp_, bits_;
  value_mode mode_ = value_mode::constant;
  unsigned digits_ = 0;
};

/// Decodes the value section of n values at in[*pos] (up to in's end) into
/// out[0..n). `scratch` must hold n values. Returns nullptr, or what is
/// malformed; never reads outside `in`. On success *pos is past the section.
const char* values_decode(std::span<const std::uint8_t> in, std::size_t* pos, std::size_t n, double* out,
                          std::uint64_t* scratch) noexcept;

} // namespace vigil::store
