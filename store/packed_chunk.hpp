// store/packed_chunk.hpp - the packed chunk codec (chunk_encoding::packed_v1)
// for sealed chunks: timestamps as a bit-packed integer sequence
// (store/codec_intseq.hpp), values as constant, decimal or XOR
// (store/codec_float.hpp).
//
// A packed payload is a sample count and one or more self-contained blocks:
//   payload = [uvarint total samples] block+
//   block   = [uvarint L][L bytes: uvarint n, timestamps (n), value section (n)]
// The head extends the previous sealed record at each cut instead of writing
// a new record (fewer keys and record headers per sample): earlier blocks are
// copied, and only the last one may be re-encoded with the new samples. A reader skips a block
// without decoding it when the next block starts at or before the time it
// looks for. Samples are strictly ascending across the whole payload. Byte
// layout: see store/FORMAT.md (section "Packed chunk").
//
// Unlike xor_appender, a block cannot be appended to sample by sample: the
// open head chunk stays XOR, and is transcoded when it is sealed.
// Thread-safety: plain values; one thread at a time per object.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/sample.hpp"
#include "core/status.hpp"
#include "store/codec_float.hpp"
#include "store/codec_intseq.hpp"

namespace vigil::store {

/// Most samples in one block.
inline constexpr std::size_t packed_block_max_samples = 0xffff;

/// Encodes payloads; keeps scratch buffers so that encoding does not allocate
/// once they have grown.
class packed_encoder {
public:
  /// Appends a payload holding `samples` to `out`, in blocks of at most
  /// `max_block` samples (of equal size).
  /// @pre !samples.empty(), t strictly ascending, 1 <= max_block <= packed_block_max_samples.
  void encode(std::span<const sample> samples, std::size_t max_block, std::vector<std::uint8_t>& out);

  /// Appends to `out` a payload holding the samples of `old` and then
  /// `samples` (all newer): old's blocks are copied, except that its last
  /// block is decoded and re-encoded together with `samples` when the two
  /// fit in `max_block` samples (fewer, larger blocks: less header per
  /// sample); otherwise `samples` become new blocks. corruption when `old`
  /// does not decode. @pre as for encode().
  status append(std::span<const std::uint8_t> old, std::span<const sample> samples, std::size_t max_block,
                std::vector<std::uint8_t>& out);

  /// Appends one bare block (no payload header) to `out`.
  /// @pre 1 <= samples.size() <= packed_block_max_samples, t strictly ascending.
  void append_block(std::span<const sample> samples, std::vector<std::uint8_t>& out);

  /// Dense mode: radix-packed integer sequences where they are smaller
  /// (intseq_encoder::set_dense); for the cold tier.
  void set_dense(bool on) noexcept {
    times_.set_dense(on);
    values_.set_dense(on);
  }

  /// What the last block chose (for tests and benchmarks).
  const intseq_choice& last_times() const noexcept { return times_.last(); }
  const value_encoder& last_values() const noexcept { return values_; }

private:
  void append_blocks(std::span<const sample> samples, std::size_t max_block, std::vector<std::uint8_t>& out);

  intseq_encoder times_;
  value_encoder values_;
  std::vector<std::uint64_t> t_;
  std::vector<double> v_;
  std::vector<std::uint8_t> body_;
  std::vector<timestamp_ms> dt_;       ///< append(): the last block's samples
  std::vector<double> dv_;
  std::vector<std::uint64_t> scratch_;
  std::vector<sample> merged_;
};

/// One block's header, read without decoding the block.
struct packed_block {
  std::size_t n = 0;     ///< samples (1..packed_block_max_samples)
  timestamp_ms t0 = 0;   ///< first timestamp
  std::span<const std::uint8_t> body;
};

/// Reads the payload's sample count and sets *pos to its first block.
/// Returns nullptr, or what is malformed (no count, a count of 0).
const char* packed_read_header(std::span<const std::uint8_t> payload, std::size_t* pos, std::size_t* total) noexcept;

/// Reads the header of the block at payload[*pos] and advances *pos past the
/// block. Returns nullptr, or what is malformed.
const char* packed_read_block(std::span<const std::uint8_t> payload, std::size_t* pos, packed_block* b) noexcept;

/// Decodes all samples of `b` into t[0..n) and v[0..n), using scratch[0..n).
/// Returns nullptr, or what is malformed (including timestamps that do not
/// ascend and bytes left over after the values).
const char* packed_decode_block(const packed_block& b, timestamp_ms* t, double* v,
                                std::uint64_t* scratch) noexcept;

/// Samples in a payload (from its header). corruption when the header is
/// malformed.
result<std::size_t> packed_count(std::span<const std::uint8_t> payload);

/// Appends the samples with lo <= t <= hi to `out`, oldest first (the fast
/// path of chunk reads). Returns false when the payload is malformed; `out`
/// may then hold some samples, and the caller re-reads with packed_iterator
/// for the precise error.
bool packed_decode_range(std::span<const std::uint8_t> payload, timestamp_ms lo, timestamp_ms hi,
                         std::vector<sample>& out);

/// Iterates the samples of a packed payload, one block decoded at a time;
/// reset() points it at another payload without freeing its buffers.
class packed_iterator {
public:
  /// Starts over on `payload` (not owned; must outlive the iteration).
  void reset(std::span<const std::uint8_t> payload);
  /// Advances to the next sample; false at the end or on error (see err()).
  bool next();
  /// Advances to the first sample with t >= `t`; stays put when the current
  /// one qualifies. Skips whole blocks without decoding them.
  bool seek(timestamp_ms t);

  timestamp_ms t() const noexcept { return t_[i_ - 1]; }
  double v() const noexcept { return v_[i_ - 1]; }
  sample at() const noexcept { return {t(), v()}; }
  /// ok, or corruption naming the block and what is wrong.
  const status& err() const noexcept { return err_; }

private:
  bool fail(const char* what);
  /// Decodes the block at pos_; false at the end or on error.
  bool load(const packed_block& b);
  /// Reads the next block's header; false at the end (checking the count).
  bool read_next(packed_block* b);

  std::span<const std::uint8_t> payload_;
  std::size_t pos_ = 0;    ///< byte offset of the next block
  std::size_t block_ = 0;  ///< blocks read so far
  std::vector<timestamp_ms> t_;
  std::vector<double> v_;
  std::vector<std::uint64_t> scratch_;
  std::size_t i_ = 0, n_ = 0; ///< samples consumed / held in the current block
  std::size_t total_ = 0, seen_ = 0; ///< samples in the payload / in the blocks read or skipped
  bool valid_ = false;
  status err_;
};

} // namespace vigil::store
