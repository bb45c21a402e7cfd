// store/sealed_chunk.hpp - writes sealed chunks: the head's cut policy limits
// (chunk_limits), and chunk_sealer, which turns a cut head chunk or the
// samples of a late-sample merge into packed chunk records
// (store/packed_chunk.hpp), appending to a series' previous record while the
// limits allow, so records hold up to max_sealed_samples in blocks of up to
// max_block_samples (see store/FORMAT.md, "Records of blocks").
//
// Thread-safety: one owner (the head); every call runs inside the caller's
// write transaction and leaves committing to it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/sample.hpp"
#include "core/status.hpp"
#include "store/chunk.hpp"
#include "store/defaults.hpp"
#include "store/keys.hpp"
#include "store/lmdb.hpp"
#include "store/packed_chunk.hpp"
#include "store/schema.hpp"

namespace vigil::store {

/// When the head cuts a series' open chunk and starts a new one (before an
/// append that would exceed any of the first three), and how it writes sealed
/// chunks.
struct chunk_limits {
  std::uint16_t max_samples = defaults::max_chunk_samples;
  timestamp_ms max_span_ms = defaults::max_chunk_span_ms;
  std::size_t max_bytes = defaults::max_chunk_bytes;
  /// Sealed records (packed): a sealed chunk is appended to the previous
  /// record while that stays within these; see store/defaults.hpp. A
  /// max_sealed_samples <= max_samples keeps every sealed chunk apart.
  std::uint32_t max_sealed_samples = defaults::max_sealed_samples;
  std::uint32_t max_block_samples = defaults::max_block_samples;
  std::size_t max_sealed_bytes = defaults::max_sealed_bytes;
  timestamp_ms max_sealed_span_ms = defaults::max_sealed_span_ms;
  /// Encoding of sealed chunks: packed_v1, or xor_v1 to write what format 1
  /// wrote before packed chunks existed (one XOR record per chunk; for
  /// comparisons and for tools that expect Prometheus' chunk layout).
  chunk_encoding sealed_encoding = chunk_encoding::packed_v1;
};

class chunk_sealer {
public:
  /// @pre `db` is the shard's schema (its cipher outlives the sealer).
  chunk_sealer(const schema& db, const chunk_limits& limits) : db_(db), limits_(limits) {}

  /// Seals the cut head chunk of series `ref` that starts at `start`:
  /// `xor_bytes` is the XOR chunk holding its `count` samples, and `on_disk`
  /// tells whether its record under (ref, start) already holds them. Packed:
  /// appends them to the series' previous record when that is packed and
  /// stays within the limits (and deletes the chunk's own record), or writes
  /// them as a new record under (ref, start). corruption when a chunk does
  /// not decode.
  status seal(lmdb::txn& t, series_ref ref, timestamp_ms start, std::span<const std::uint8_t> xor_bytes,
              std::size_t count, bool on_disk);

  /// Writes `samples` (ascending, non-empty) of series `ref` as sealed
  /// records under their first times: one record up to max_sealed_samples
  /// plus one chunk's worth, else equal pieces of at most max_sealed_samples.
  /// For late-sample merges; existing records at those keys are replaced.
  status write(lmdb::txn& t, series_ref ref, std::span<const sample> samples);

  /// seal() of an open chunk already decoded: `samples` (ascending,
  /// non-empty) start at `start`; joined to the previous record when the
  /// limits allow, else written under (ref, start). For head::seal_open_chunks.
  status seal_samples(lmdb::txn& t, series_ref ref, timestamp_ms start, std::span<const sample> samples);

  /// See head::seal_open_chunks.
  result<std::size_t> seal_open_chunks(lmdb::txn& t, timestamp_ms before);

  /// Samples sealed by seal() since construction, and the bytes their sealed
  /// payloads added (a joined record counts its growth). Their ratio to 16
  /// bytes a raw sample is the codec's compression on recent data. Not
  /// rolled back when a transaction aborts (aborts are failures).
  std::uint64_t sealed_samples() const noexcept { return sealed_samples_; }
  std::uint64_t sealed_bytes() const noexcept { return sealed_bytes_; }

private:
  std::size_t block_samples() const noexcept;
  status put_record(lmdb::txn& t, const chunk_key& key, chunk_encoding enc, timestamp_ms max_t,
                    std::span<const std::uint8_t> payload);
  /// Seals sealed_ (decoded samples starting at `start`): joined or written.
  status seal_decoded(lmdb::txn& t, series_ref ref, timestamp_ms start);
  /// Appends sealed_ to the previous record of `ref` before `start` when the
  /// limits allow; *done tells whether it did.
  status join_previous(lmdb::txn& t, series_ref ref, timestamp_ms start, bool* done);

  schema db_;
  chunk_limits limits_;
  packed_encoder packer_;
  std::vector<sample> sealed_;        ///< samples of the chunk being sealed
  std::vector<std::uint8_t> payload_; ///< a packed payload being written
  std::vector<std::uint8_t> plain_;   ///< a decrypted record (encrypted stores)
  std::vector<std::uint8_t> record_;  ///< a record being encrypted (encrypted stores)
  std::uint64_t sealed_samples_ = 0;
  std::uint64_t sealed_bytes_ = 0;
};

} // namespace vigil::store
