// store/head.hpp - the open (head) chunk of every series appended to since
// open, the chunk cut policy, and the write path of one batch.
//
// Durability through a log: append() adds the samples it appends in order to
// open chunks to one record of the `wal` sub-database, inside the caller's
// write txn, instead of rewriting each touched open chunk's record (which
// cost a B-tree leaf page per series and commit). Cuts, late samples and
// merges still write chunk records at once. checkpoint() writes every open
// chunk that changed since its record was written and empties the log; at
// open (or after an aborted txn) replay() re-applies the log to the open
// chunks read from their records. So a committed txn holds every
// acknowledged sample, in records or in the log. Readers see logged samples
// through store/unflushed.hpp. The head is otherwise rebuilt lazily: the
// first append to a series after open reads that series' last chunk record
// and resumes its XOR appender.
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
#include "store/wal.hpp"
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

  /// The samples the current txn logged (appended in order), in order.
  std::span<const logged_sample> logged() const noexcept { return logged_; }
  /// Whether the current txn holds a checkpoint.
  bool checkpointed() const noexcept { return checkpointed_; }
  /// Open chunks that changed since their records were written (an upper
  /// bound: what the next checkpoint looks at).
  std::size_t dirty() const noexcept { return dirty_.size(); }
  /// Open chunks without any record yet (new since the last checkpoint).
  std::size_t unrecorded() const noexcept;

  /// Writes (in `t`) the record of every open chunk that changed since its
  /// record was written, and empties the log. @returns records written.
  result<std::size_t> checkpoint(lmdb::txn& t);

  /// One step of a checkpoint spread over write groups (a **sweep**): the
  /// first step takes the series whose open chunk changed since its record
  /// was written and the log's next key; each step writes (in `t`) the
  /// records of up to `max_series` of them, in ref order; the step that
  /// writes the last one deletes the log records before that key (every
  /// sample logged before the sweep began is in records then) and makes
  /// swept() true. Samples appended meanwhile go on being logged. So no
  /// single commit rewrites every open chunk (at 25k series a shard one
  /// full checkpoint wrote ~7 MB in one fsynced txn, a ~240 ms stall for
  /// every write of the node). @returns records written.
  result<std::size_t> checkpoint_step(lmdb::txn& t, std::size_t max_series);
  /// Whether a sweep is under way (begun, not yet complete).
  bool sweeping() const noexcept { return sweeping_; }
  /// Series the sweep under way still has to visit.
  std::size_t sweep_left() const noexcept { return sweeping_ ? sweep_.size() - sweep_pos_ : 0; }
  /// Whether the current txn completed a sweep.
  bool swept() const noexcept { return swept_; }
  /// Series whose records the current txn wrote (an open chunk rewritten,
  /// or cut and sealed): those hold every sample the series logged in
  /// earlier txns (store/unflushed.hpp covered()). Repeats are possible.
  /// The caller takes them after the commit, before on_commit().
  std::vector<series_ref>& covered() noexcept { return covered_; }

  /// True after an aborted txn that may have lost the in-memory state of
  /// logged samples: replay() must run before the next write.
  bool needs_replay() const noexcept { return needs_replay_; }
  /// Re-applies the log (in `t`) to open chunks loaded from their records,
  /// skipping samples a record already holds, then checkpoints. Used at
  /// open and after an abort (the head is then empty). corruption when a
  /// log record does not decode or names a series not in `index`.
  status replay(lmdb::txn& t, series_index& index);

  /// The txn of the appends since the last on_commit/on_abort committed.
  void on_commit() noexcept;
  /// That txn aborted. When nothing of the head's state depends on the log
  /// it forgets every series the txn touched, so they are reloaded from the
  /// committed records on their next append; otherwise it drops everything
  /// and needs_replay() turns true.
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
  /// is loaded from the packed record). Checkpoints first, then scans every
  /// chunk key in `t`; the caller commits. @returns the number of records
  /// rewritten.
  result<std::size_t> seal_open_chunks(lmdb::txn& t, timestamp_ms before);

  /// Late samples before `t` are rejected (INT64_MIN: any age is accepted).
  void set_min_time(timestamp_ms t) noexcept { min_time_ = t; }

  /// Series currently held in memory.
  std::size_t size() const noexcept { return series_.size(); }
  /// Whether the series with labels `ls` is held (then its labels passed
  /// series_index::validate when it was loaded or created).
  bool holds(const labels& ls) const { return lookup(ls.hash(), ls) != nullptr; }

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
  void mark_dirty(memseries& s);
  status log(lmdb::txn& t);

  schema db_;
  chunk_limits limits_;
  hash_table<memseries> series_; ///< by labels::hash()
  std::uint64_t epoch_ = 1;          ///< numbers transactions (bumped by on_commit/on_abort)
  std::vector<memseries*> touched_;  ///< series touched in the current transaction
  timestamp_ms min_time_ = std::numeric_limits<timestamp_ms>::min();
  std::vector<sample> late_, merged_; ///< scratch of the late-sample path
  std::vector<std::uint8_t> plain_, record_; ///< decrypted and to-be-encrypted records
  std::vector<memseries*> dirty_;     ///< series whose open chunk differs from its record
  std::vector<logged_sample> logged_; ///< samples logged by the current txn
  std::vector<series_ref> covered_;   ///< see covered()
  std::size_t logged_written_ = 0;    ///< of which already in a log record
  std::uint64_t log_seq_ = 0;         ///< key of the next log record (0: not read yet)
  bool checkpointed_ = false;         ///< the current txn holds a checkpoint
  std::vector<memseries*> sweep_;     ///< the sweep's series, ascending ref
  std::size_t sweep_pos_ = 0;         ///< next of sweep_ to visit
  std::uint64_t sweep_seq_ = 0;       ///< log records below this key are in records once the sweep ends
  bool sweeping_ = false;
  bool swept_ = false;                ///< the current txn completed a sweep
  status read_log_seq(lmdb::txn& t);
  void end_sweep() noexcept;
  bool needs_replay_ = false;
  chunk_sealer sealer_;               ///< writes sealed chunks
};

} // namespace vigil::store
