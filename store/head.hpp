// store/head.hpp - the open (head) chunk of every series appended to since
// open, the chunk cut policy, and the write path of one batch.
//
// Durability without a WAL: append() rewrites, inside the caller's write txn,
// the chunk record of every series it touched under key (ref, chunk start);
// when a chunk is cut the next one gets a new key. So a committed txn holds
// every acknowledged sample and restart replays nothing. The head is rebuilt
// lazily: the first append to a series after open reads that series' last
// chunk record and resumes its XOR appender.
//
// The open chunk is XOR (appendable). When it is cut, or when late samples
// rewrite a chunk, chunk_sealer (store/sealed_chunk.hpp) writes the sealed
// samples in the packed encoding, appending them to the series' previous
// sealed record while the limits allow.
//
// The head decides when to cut (chunk_limits, store/sealed_chunk.hpp); the
// codec only appends.
// Thread-safety: one owner (the shard); not safe for concurrent calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "core/series.hpp"
#include "core/status.hpp"
#include "store/defaults.hpp"
#include "store/hash_table.hpp"
#include "store/lmdb.hpp"
#include "store/sealed_chunk.hpp"
#include "store/schema.hpp"
#include "store/series_index.hpp"
#include "store/xor_chunk.hpp"

namespace vigil::store {

class head {
public:
  explicit head(const schema& s, chunk_limits limits = {});
  ~head();
  head(const head&) = delete;
  head& operator=(const head&) = delete;

  /// Appends `batch` inside write txn `t` (several batches may share one txn,
  /// e.g. for group commit): creates unknown series in `index` and writes the
  /// chunk record of each series it changed. A sample at or before its
  /// series' newest (out of order, backfill) is merged into the chunk that
  /// covers its time (chunks stay ordered and non-overlapping; one grown past
  /// the sample limit is split); at an existing timestamp the last value
  /// written wins, and an identical sample is counted as a duplicate. Late
  /// samples older than set_min_time() are rejected (counted out_of_order). The caller flushes the index,
  /// commits, then calls on_commit(); if anything fails it aborts the txn and
  /// calls on_abort(). invalid_argument for an unindexable label set;
  /// corruption when a stored chunk does not decode; LMDB errors as mapped.
  result<append_stats> append(lmdb::txn& t, series_index& index, const write_batch& batch);

  /// The txn of the appends since the last on_commit/on_abort committed.
  void on_commit() noexcept;
  /// That txn aborted: forgets every series it touched, so they are reloaded
  /// from the committed records on their next append.
  void on_abort();

  /// Drops the in-memory state of the series with labels `ls` (its chunks
  /// were deleted by retention); a later append reloads or recreates it.
  void forget(const labels& ls);

  /// Rewrites, packed and in place, the last chunk record of every series
  /// that is still XOR and whose newest sample is older than `before`
  /// (INT64_MAX: all): a flush before shutdown, or a periodic pass over idle
  /// series, so that open chunks do not stay in the larger XOR encoding. A
  /// later append to such a series rewrites its open chunk as XOR again (the
  /// head keeps appending to the XOR bytes it holds; a series not in memory
  /// is loaded from the packed record). Scans every chunk key in `t`; the
  /// caller commits. @returns the number of records rewritten.
  result<std::size_t> seal_open_chunks(lmdb::txn& t, timestamp_ms before);

  /// Late samples before `t` are rejected (INT64_MIN: any age is accepted).
  void set_min_time(timestamp_ms t) noexcept { min_time_ = t; }

  /// Series currently held in memory.
  std::size_t size() const noexcept { return series_.size(); }

  /// What the sealer sealed since open (chunk_sealer::sealed_samples/bytes).
  const chunk_sealer& sealer() const noexcept { return sealer_; }

private:
  struct memseries;

  memseries* lookup(std::uint64_t hash, const labels& ls) const;
  memseries* insert(std::uint64_t hash, const labels& ls, series_ref ref);
  void erase(memseries* s);
  /// nullptr (stats.limit_error set) when a new series is over a cardinality limit.
  result<memseries*> get_or_load(lmdb::txn& t, series_index& index, const labels& ls,
                                 append_stats& stats);
  status load_last_chunk(lmdb::txn& t, memseries& s);
  status append_samples(lmdb::txn& t, memseries& s, const std::vector<sample>& samples,
                        append_stats& stats);
  bool needs_cut(const memseries& s, timestamp_ms t) const noexcept;
  status merge_late(lmdb::txn& t, memseries& s, std::vector<sample>& late, append_stats& stats);
  status merge_into_sealed(lmdb::txn& t, memseries& s, timestamp_ms start, const sample* first,
                           const sample* last, append_stats& stats);
  status merge_into_open(lmdb::txn& t, memseries& s, const sample* first, const sample* last,
                         append_stats& stats);
  status write_chunk(lmdb::txn& t, memseries& s);

  schema db_;
  chunk_limits limits_;
  hash_table<memseries> series_; ///< by labels::hash()
  std::uint64_t epoch_ = 1;          ///< numbers transactions (bumped by on_commit/on_abort)
  std::vector<memseries*> touched_;  ///< series touched in the current transaction
  timestamp_ms min_time_ = std::numeric_limits<timestamp_ms>::min();
  std::vector<sample> late_, merged_; ///< scratch of the late-sample path
  std::vector<std::uint8_t> plain_, record_; ///< decrypted and to-be-encrypted records
  chunk_sealer sealer_;               ///< writes sealed chunks
};

} // namespace vigil::store
