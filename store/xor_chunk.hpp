// store/xor_chunk.hpp - the Gorilla XOR chunk codec (Prometheus chunkenc/xor.go
// layout, bit for bit): delta-of-delta timestamps, XOR-compressed values.
//
// Chunk bytes:  [u16 BE sample count][bit stream]
//   sample 0:   t as zig-zag varint, v as 64 raw bits
//   sample 1:   t - t0 as uvarint, value XOR-encoded
//   sample n>1: delta-of-delta in buckets '0' | '10'+14b | '110'+17b |
//               '1110'+20b | '1111'+64b, value XOR-encoded
// Values are compared bit-for-bit, so NaN payloads (staleness markers) and
// ±Inf round-trip exactly. See store/FORMAT.md for the value encoding.
//
// Thread-safety: plain values; one thread at a time per object. Neither class
// allocates per sample beyond the chunk vector's amortized growth.
#pragma once

#include <bit>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "core/sample.hpp"
#include "core/status.hpp"
#include "store/bit_stream.hpp"

namespace vigil::store {

/// Most samples one chunk can hold (the header is a u16).
inline constexpr std::uint32_t xor_chunk_max_samples = 0xffff;

/// Size in bytes of the chunk header (the sample count).
inline constexpr std::size_t xor_chunk_header_bytes = 2;

/// The codec state after some samples; what an appender needs to continue.
struct xor_state {
  std::uint16_t count = 0;      ///< samples so far
  timestamp_ms t = 0;           ///< newest timestamp (valid when count > 0)
  std::uint64_t t_delta = 0;    ///< t - previous t (valid when count > 1)
  std::uint64_t v_bits = 0;     ///< newest value's bits
  std::uint8_t leading = 0xff;  ///< XOR window leading zeros; 0xff: no window yet
  std::uint8_t trailing = 0;    ///< XOR window trailing zeros
};

/// Appends samples to chunk bytes held in a caller's vector.
class xor_appender {
public:
  /// Starts a new, empty chunk: clears `buf` and writes the header.
  /// @pre `buf` outlives the appender and is modified only through it.
  static xor_appender create(std::vector<std::uint8_t>& buf);

  /// Continues an existing chunk in `buf` (e.g. read back from disk): decodes
  /// every sample to recover the state, then appends after the last one. The
  /// resulting bytes equal those of one appender that wrote every sample.
  /// Returns corruption when `buf` does not decode.
  static result<xor_appender> resume(std::vector<std::uint8_t>& buf);

  /// @pre count() < xor_chunk_max_samples and (count() == 0 or t > last_t()).
  void append(timestamp_ms t, double v);

  std::uint16_t count() const noexcept { return st_.count; }
  timestamp_ms last_t() const noexcept { return st_.t; }
  const xor_state& state() const noexcept { return st_; }
  std::size_t size_bytes() const noexcept { return w_.bytes().size(); }

private:
  xor_appender(bit_writer w, xor_state st) : w_(std::move(w)), st_(st) {}
  void write_dod(std::int64_t dod);
  void write_value(std::uint64_t v_bits);

  bit_writer w_;
  xor_state st_;
};

/// Appends the samples of chunk `bytes` with lo <= t <= hi to `out`, oldest
/// first, in one tight loop (the fast path of chunk reads). Returns false when
/// the bytes are malformed; `out` may then hold some of the samples, and the
/// caller re-reads with xor_iterator for the precise error.
bool xor_decode_range(std::span<const std::uint8_t> bytes, timestamp_ms lo, timestamp_ms hi,
                      std::vector<sample>& out);

/// The decoder's state just after one sample of a chunk (not its first two:
/// `count` >= 2), from which xor_decode_range can go on without decoding the
/// samples before it. Valid only for a chunk whose bytes before `bit_pos`
/// (counted from the end of the 2-byte header) are those it was taken from:
/// store/xor_resume_cache.hpp checks that.
struct xor_resume {
  timestamp_ms t = 0;        ///< the sample's time
  std::uint64_t v_bits = 0;  ///< its value's bits
  std::uint64_t t_delta = 0; ///< its time minus the time before it
  std::uint32_t bit_pos = 0; ///< where the next sample starts
  std::uint16_t count = 0;   ///< samples up to and including it; 0: no state
  std::uint8_t leading = 0xff, trailing = 0;
};

/// xor_decode_range, starting after `from` when it is given (from->count >=
/// 2, from->t < lo, and the chunk holds more than from->count samples; else
/// from the chunk's start). When `last_before_lo` is given it receives the
/// state after the newest sample with t < lo that lies past the first two
/// (count 0 when there is none), for the next read of a window further on.
bool xor_decode_range(std::span<const std::uint8_t> bytes, timestamp_ms lo, timestamp_ms hi,
                      std::vector<sample>& out, const xor_resume* from, xor_resume* last_before_lo);

/// Iterates the samples of one chunk; reset() points it at another chunk, so
/// one iterator serves many chunks without allocating.
class xor_iterator {
public:
  xor_iterator() = default;
  /// Same as reset(bytes).
  explicit xor_iterator(std::span<const std::uint8_t> bytes) { reset(bytes); }

  /// Starts over on `bytes` (not owned; must outlive the iteration). A header
  /// shorter than 2 bytes makes err() corruption.
  void reset(std::span<const std::uint8_t> bytes);

  /// Advances to the next sample. Returns false at the end or on error; then
  /// err() tells which (corruption names the sample index).
  bool next();

  /// Advances to the first sample with timestamp >= `t`; stays put when the
  /// current sample already qualifies. Returns false when there is none.
  bool seek(timestamp_ms t);

  timestamp_ms t() const noexcept { return st_.t; }
  double v() const noexcept { return std::bit_cast<double>(st_.v_bits); }
  sample at() const noexcept { return {st_.t, v()}; }

  /// Samples in the chunk (from the header) and samples read so far.
  std::uint16_t total() const noexcept { return total_; }
  std::uint16_t read() const noexcept { return st_.count; }
  /// ok, or corruption when the bytes are malformed.
  const status& err() const noexcept { return err_; }

  /// State and bit position after the last sample read (for the appender).
  const xor_state& state() const noexcept { return st_; }
  std::uint64_t bit_position() const noexcept { return r_.position(); }

private:
  bool fail(const char* what);
  bool advance();
  bool read_first();
  bool read_dod(std::int64_t* dod);
  bool read_value();

  bit_reader r_;
  xor_state st_;
  std::uint16_t total_ = 0;
  bool valid_ = false; ///< the last next()/seek() landed on a sample
  status err_;
};

} // namespace vigil::store
