// store/chunk.hpp - the chunk record stored in LMDB: a small header with an
// encoding byte in front of the codec's bytes, so codecs can be added without
// rewriting old data. The open head chunk is XOR (appendable sample by
// sample); sealed chunks are packed (denser, decoded faster).
//
// Record bytes (value of the `chunks` sub-database; see store/FORMAT.md):
//   [u8 record version = 1][u8 chunk_encoding][u64 BE max_t (sign-flipped)][payload]
// The chunk's min time is in the key. Thread-safety: plain values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/sample.hpp"
#include "core/status.hpp"
#include "store/packed_chunk.hpp"
#include "store/xor_chunk.hpp"

namespace vigil::store {

/// Codec of a chunk's payload. Persisted: only ever append.
enum class chunk_encoding : std::uint8_t {
  xor_v1 = 1,    ///< store/xor_chunk.hpp (Prometheus XOR layout): open chunks, older sealed ones
  packed_v1 = 2, ///< store/packed_chunk.hpp (blocks of bit-packed times, decimal/XOR values): sealed chunks
  /// packed_v1 whose blocks name their timestamp column in the shard's
  /// `tscols` sub-database instead of holding it (written by `vigil compact`,
  /// format 4; store/FORMAT.md §3). read_chunk_record() with a txn resolves
  /// it to packed_v1: nothing past it sees this encoding.
  packed_shared_ts_v1 = 3,
};

inline constexpr std::uint8_t chunk_record_version = 1;
inline constexpr std::size_t chunk_record_header_bytes = 10;

/// A decoded chunk record; `payload` points into the record's bytes.
struct chunk_view {
  chunk_encoding encoding = chunk_encoding::xor_v1;
  timestamp_ms max_t = 0; ///< newest sample in the chunk
  std::span<const std::uint8_t> payload;
};

/// Writes the 10-byte record header to `out`.
void write_chunk_record_header(std::uint8_t* out, chunk_encoding enc, timestamp_ms max_t) noexcept;

/// Appends a whole record (header + payload) to `out`.
void append_chunk_record(std::vector<std::uint8_t>& out, chunk_encoding enc, timestamp_ms max_t,
                         std::span<const std::uint8_t> payload);

/// Parses a record. Returns corruption on a short record, an unknown record
/// version or an unknown encoding.
result<chunk_view> decode_chunk_record(std::span<const std::uint8_t> record);

/// Appends the samples of `c` with lo <= t <= hi to `out`, oldest first: the
/// fast path of chunk reads, for every encoding. Returns false when the
/// payload is malformed; `out` may then hold some of the samples, and the
/// caller re-reads with chunk_iterator for the precise error.
bool decode_chunk_range(const chunk_view& c, timestamp_ms lo, timestamp_ms hi, std::vector<sample>& out);

/// Iterates the samples of a chunk of any encoding. Reusable via reset().
class chunk_iterator {
public:
  /// Points at `c` (its bytes must outlive the iteration).
  void reset(const chunk_view& c) {
    packed_ = c.encoding == chunk_encoding::packed_v1;
    if (packed_) packed_it_.reset(c.payload);
    else xor_.reset(c.payload);
  }
  bool next() { return packed_ ? packed_it_.next() : xor_.next(); }
  bool seek(timestamp_ms t) { return packed_ ? packed_it_.seek(t) : xor_.seek(t); }
  sample at() const noexcept { return packed_ ? packed_it_.at() : xor_.at(); }
  timestamp_ms t() const noexcept { return packed_ ? packed_it_.t() : xor_.t(); }
  const status& err() const noexcept { return packed_ ? packed_it_.err() : xor_.err(); }

private:
  bool packed_ = false;
  xor_iterator xor_;
  packed_iterator packed_it_;
};

} // namespace vigil::store
