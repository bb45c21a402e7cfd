// store/shard.hpp - one shard of the series store: one LMDB environment in its
// own directory holding the series index, postings and XOR chunks.
//
// Pure and synchronous: no threads, no actors, no clock (time is an argument).
// Thread-safety: a shard is used by exactly one owner (the shard actor) at a
// time; it is not safe to call concurrently. Every method opens and ends its
// LMDB transaction(s) before returning (env opened with MDB_NOTLS), so the
// owner may run on different OS threads between calls.
//
// Durability: append() returns only after its write transaction committed;
// with fsync_policy::always the commit is also fsynced. A process kill at any
// moment loses nothing that append() reported as appended.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/labels.hpp"
#include "core/sample.hpp"
#include "core/series.hpp"
#include "core/status.hpp"
#include "store/crypto.hpp"
#include "store/retention.hpp"

namespace vigil::store {

/// What a commit guarantees on power loss (a process crash loses nothing
/// committed under any policy: committed pages are in the OS page cache).
enum class fsync_policy : std::uint8_t {
  always = 0, ///< fsync every commit: power loss loses nothing acknowledged
  never = 1,  ///< MDB_NOSYNC; the owner calls sync() periodically. A process
              ///< crash loses nothing; power loss may lose commits since the
              ///< last sync() and, as lmdb.h warns for MDB_NOSYNC, may damage
              ///< the store unless the filesystem preserves write order
};

/// The cold tier (store/cold_tier.hpp, FORMAT.md §8): chunk records whose
/// newest sample is older than `after_ms` move out of LMDB into immutable
/// segment files in `dir`, and are read from there transparently.
struct cold_options {
  /// This shard's cold directory; empty: no cold tier (a shard whose
  /// registry names segments then refuses to open).
  std::string dir;
  /// Also searched for registered segments not found in `dir` (a restore
  /// puts segments into the shard's own "cold" directory); empty: none.
  std::string alt_dir;
  /// Age after which chunks move (0: nothing moves; segments already
  /// written are still read and expire by retention).
  timestamp_ms after_ms = 0;
  /// Move cutoffs (now - after) are rounded down to multiples of this, so a
  /// move pass runs (and writes a segment) at most once per `every_ms`.
  timestamp_ms every_ms = 24 * 60 * 60 * 1000;
  /// A segment being written is finished once it reaches this size; the
  /// pass continues in a new one.
  std::uint64_t max_segment_bytes = std::uint64_t{256} << 20;
};

struct shard_options {
  std::string dir;                                   ///< created if missing
  std::uint64_t map_size = std::uint64_t{64} << 30;  ///< LMDB map size (virtual)
  fsync_policy sync = fsync_policy::always;
  /// Samples older than their series' newest are accepted when they are at
  /// most this old (relative to append()'s `now`); 0: any age.
  timestamp_ms out_of_order_window_ms = 0;
  /// Cardinality limits of this shard (series_index.hpp); 0: none.
  std::uint64_t max_series_per_metric = 0;
  std::uint64_t max_series_per_service = 0;
  std::string service_label = "job";
  /// Encryption at rest (store/crypto.hpp): a new shard created with a key
  /// is encrypted; an existing one must be opened with the key it was
  /// created with, and an unencrypted one without a key.
  std::optional<encryption_key> encryption = std::nullopt;
  /// Downsampling (store/rollup.hpp, FORMAT.md §7): the resolutions that
  /// rollup_step() builds and select_rollup() reads. Empty: none. Appends
  /// of samples older than `now - rollups.min_after()` lower the series'
  /// rollup watermarks, so rolled windows they land in are rebuilt.
  rollup_config rollups = {};
  cold_options cold = {};
  /// open() first rewrites data.mdb compacted (mdb_env_copy2 with
  /// MDB_CP_COMPACT, fsynced, renamed over it) when the file is at least
  /// this large and more than half of it is free pages, left by a cold move
  /// or retention (LMDB reuses free pages but never shrinks its file). The
  /// copy holds only live pages, so it costs about the live data's size.
  /// 0: never.
  std::uint64_t compact_min_bytes = std::uint64_t{64} << 20;
  /// The head logs in-order appends (store/head.hpp) and rewrites open
  /// chunk records at checkpoints: one starts with the next write group
  /// once this many samples were logged since the last (more: fewer record
  /// rewrites, more memory for the logged samples readers see, a longer
  /// replay after a crash). 0: max(4,096, 8 x the series in the head,
  /// min(64 x the series, 131,072)).
  std::uint64_t checkpoint_samples = 0;
  /// The node's shard count: open() records it in a shard that has none
  /// recorded and fails (invalid_argument) when the shard records another,
  /// since series are placed by their labels' hash modulo the count and a
  /// different count would hide the data. 0: neither (tools, tests).
  std::uint32_t shard_count = 0;
  /// Open chunks a checkpoint sweep writes per write group (0: auto, a 64th
  /// of them and at least 256; store/head.hpp checkpoint_step).
  std::size_t checkpoint_slice_series = 0;
};

/// What open() does with compact_min_bytes (for tests): compacts the shard
/// in opts.dir if sparse; a no-op for smaller files or no shard.
status compact_if_sparse(const shard_options& opts, std::uint64_t min_bytes);

/// What compact_dense() did to one shard.
struct dense_compaction {
  std::uint64_t bytes_before = 0; ///< data.mdb's size before
  std::uint64_t bytes_after = 0;  ///< and after
  std::size_t sealed = 0;         ///< open chunks rewritten packed
};

/// Offline compaction of a stopped shard (`vigil compact`), the densest form
/// the hot tier has: opens the shard (replaying its log), rewrites every open
/// XOR chunk packed (shard::seal_open_chunks), closes it, then rewrites
/// data.mdb with every database copied in key order (MDB_APPEND), so every
/// B-tree page is full and no free page is left (mdb_env_copy2's
/// MDB_CP_COMPACT drops free pages but keeps half-empty leaves as they are),
/// fsynced and renamed over the old file. A crash leaves the old file (and a
/// compact.tmp directory that the next open removes). The caller makes sure
/// no process has the shard open. Cold segments are not touched.
result<dense_compaction> compact_dense(const shard_options& opts);

struct shard_stats {
  std::uint64_t series = 0;          ///< series in the index
  std::uint64_t chunks = 0;          ///< chunks: records (sealed + open) and open chunks only in the log
  std::uint64_t samples_appended = 0;///< since open
  std::uint64_t bytes_on_disk = 0;   ///< size of data.mdb actually used
  std::uint64_t rollup_records = 0;  ///< window records + watermarks in `rollups`
  std::uint64_t rollup_reads = 0;    ///< select_rollup() calls answered from rollups, since open
  std::uint64_t sealed_samples = 0;  ///< samples the head sealed since open
  std::uint64_t sealed_bytes = 0;    ///< bytes their sealed payloads added
  std::uint64_t cold_segments = 0;   ///< segment files in the cold tier
  std::uint64_t cold_bytes = 0;      ///< their bytes
  std::uint64_t cold_records_moved = 0; ///< chunk records moved to the cold tier since open
  std::uint64_t checkpoints = 0;       ///< head checkpoints since open
  std::uint64_t unflushed_samples = 0; ///< logged samples held for readers
};

/// What one cold-tier step did.
struct cold_progress {
  bool more = false;                  ///< the pass is not complete: call again
  std::uint64_t records_moved = 0;    ///< chunk records deleted from LMDB after they were written to a segment
  std::uint64_t segments_written = 0;
};

/// What one rollup step did.
struct rollup_progress {
  series_ref next = 0;                ///< first series of the next step; 0: the pass is complete
  std::uint64_t windows_written = 0;  ///< window records (re)written
};

/// A range function to answer from rollups (select_rollup): fn over
/// selector `ms` with range `range_ms`, at start, start + step, ... <= end
/// (step 0: at start only), from windows of `resolution_ms`.
/// @pre start, range_ms and step are multiples of resolution_ms, range_ms > 0
struct rollup_read {
  matchers ms;
  rollup_fn fn = rollup_fn::sum_over_time;
  timestamp_ms range_ms = 0;
  timestamp_ms resolution_ms = 0;
  timestamp_ms start = 0;
  timestamp_ms end = 0;
  timestamp_ms step = 0;
};

/// Bounds on one read: how many samples it may return and until when it may
/// run. The store has no clock: `expired` is the caller's deadline check.
struct read_limits {
  /// More samples than this in one select: resource_exhausted.
  std::uint64_t max_samples = std::numeric_limits<std::uint64_t>::max();
  /// Called before the read starts and then every few series (cheap calls
  /// only, e.g. one clock read); true: the read stops with errc::timeout.
  /// Empty: no deadline.
  std::function<bool()> expired;
  /// A read hint, not a limit (0: none): per series, only the newest sample
  /// at or before each of thin_first, thin_first + thin_step, ... <= the
  /// range's max is returned (what a PromQL instant-vector selector reads).
  timestamp_ms thin_first = 0;
  timestamp_ms thin_step = 0;
};

/// Keeps, of `samples` (ascending), only the newest sample at or before each
/// of first, first + step, ... <= last (each at most once). @pre step > 0
void thin_to_steps(std::vector<sample>& samples, timestamp_ms first, timestamp_ms step, timestamp_ms last);

class shard {
public:
  /// Opens (creating if needed) the shard in `opts.dir`. Returns corruption
  /// when the directory holds an unknown format version, io_error when LMDB
  /// cannot open it. Does not read all data: cost is independent of size.
  /// Encryption (opts.encryption): invalid_argument, prefixed with the
  /// directory's name ("shard-003: "), when encrypted data is opened without
  /// a key, unencrypted data with one, or encrypted data with another key
  /// ("encryption key does not match this data (key file ...)").
  static result<std::unique_ptr<shard>> open(const shard_options& opts);

  /// The encryption errors open() would report for `opts`, found by reading
  /// only the meta records and writing nothing: ok when opts.dir holds no
  /// shard yet. A node calls it for each shard before it serves anything, so
  /// a wrong key stops it at start.
  static status check_encryption(const shard_options& opts);
  /// The shard-count error open() would report for `opts` (see
  /// shard_options::shard_count), reading only meta: ok when opts.dir holds
  /// no shard yet or none is recorded.
  static status check_shard_count(const shard_options& opts);
  /// The node shard count recorded in the shard at opts.dir, reading only
  /// meta: 0 when it holds no shard yet or none is recorded (written before
  /// the count was).
  static result<std::uint32_t> read_recorded_shard_count(const shard_options& opts);

  ~shard();
  shard(const shard&) = delete;
  shard& operator=(const shard&) = delete;

  /// Appends every series' samples in one write transaction. A sample older
  /// than (or at) its series' newest is merged into place: at an existing
  /// timestamp the last value written wins (an identical sample counts as a
  /// duplicate); with an out_of_order_window, late samples older than
  /// `now - window` are rejected and counted as out_of_order. Samples of one
  /// series within a batch are applied in batch order.
  /// On error nothing of the batch is committed.
  result<append_stats> append(const write_batch& batch, timestamp_ms now = 0);

  /// Group commit: append_to_group() adds a batch to one open write
  /// transaction (begun by the first batch); commit_group() commits it
  /// (fsync per policy), so N concurrent writers pay for one commit. Nothing
  /// of a group is durable or visible before commit_group() returns ok.
  /// A batch with an unindexable label set is refused with invalid_argument
  /// before it touches the group; any other failure aborts the whole group
  /// (group_open() is then false and every batch in it must be failed).
  /// append() is append_to_group() + commit_group().
  result<append_stats> append_to_group(const write_batch& batch, timestamp_ms now = 0);
  status commit_group();
  bool group_open() const noexcept;
  /// Samples appended to the open group so far.
  std::uint64_t group_samples() const noexcept;

  /// One bounded step of enforcing `policy` at `now`: for at most
  /// `max_series` series from ref `from` on, deletes the chunks whose newest
  /// sample is older than the series' retention, and removes series left
  /// without chunks (hot or cold) from the index. A step with `from` 0
  /// first deletes the cold segments whose newest sample is older than the
  /// longest retention of the series in them. One write transaction, so an owner that
  /// interleaves steps with appends never stalls ingestion for long.
  result<retention_progress> retention_step(const retention_policy& policy, timestamp_ms now,
                                            series_ref from, std::size_t max_series);

  /// One bounded step of downsampling at `now`: for the series from ref
  /// `from` on, rolls up every complete window of each configured resolution
  /// that ends at or before `now - after` and is not yet rolled up, reading
  /// raw samples; at most about `max_windows` windows' time spans are looked
  /// at (a series cut short is resumed by the next step) and `max_series`
  /// series visited. One write transaction; nothing to do without rollups.
  result<rollup_progress> rollup_step(timestamp_ms now, series_ref from, std::size_t max_series,
                                      std::size_t max_windows);

  /// One bounded step of moving chunks to the cold tier at `now`: a pass
  /// starts when `now - cold.after` (rounded down to cold.every) has moved
  /// past the previous pass's cutoff; it copies, `max_series` series per
  /// step (read transactions: appends go on), every chunk record whose
  /// newest sample is before the cutoff into new segments (one per
  /// retention class of `policy`, so classes expire apart), finishes and
  /// fsyncs them, registers them in meta and then deletes the copied records
  /// in bounded write transactions (a record changed since it was copied
  /// stays: the next pass moves it). Nothing to do when cold.after is 0.
  result<cold_progress> cold_step(const retention_policy& policy, timestamp_ms now, std::size_t max_series);

  /// The values of `req.fn` per matching series (labels without the metric
  /// name except for last_over_time), computed from rollup windows; exactly
  /// what the engine computes from the raw samples (sums may round
  /// differently). Empty optional when some matching series is not rolled
  /// up far enough (its raw data must be read instead). Rollups configured
  /// with serve_queries off: always empty. Limits as select().
  result<std::optional<std::vector<series>>> select_rollup(const rollup_read& req,
                                                           const read_limits& limits) const;

  /// The resolutions queries may read (empty when rollups are off or not
  /// served), coarsest first.
  std::vector<timestamp_ms> rollup_resolutions() const;

  /// All series matching every matcher (at least one matcher must not match
  /// the empty string) with their samples inside `range`; series without
  /// samples in range are omitted. Sorted by labels; each series' samples
  /// in strictly increasing time order (one per timestamp: the value that
  /// won, see append).
  result<std::vector<series>> select(const matchers& ms, time_range range) const;

  /// select() within `limits`: stops early with errc::timeout once
  /// `limits.expired()` returns true (checked before the first series and
  /// every store::defaults::deadline_check_series series), or with
  /// resource_exhausted once more than `limits.max_samples` samples were
  /// read. Either way nothing is returned; the read txn ends.
  result<std::vector<series>> select(const matchers& ms, time_range range,
                                     const read_limits& limits) const;

  /// What select() returns, handed to `sink` in batches of whole series, in
  /// label order, each batch once it holds about `batch_samples` samples (the
  /// last may hold fewer). A caller that consumes each batch before the next
  /// keeps only one batch of samples in memory (and in cache). Stops at the
  /// first error `sink` returns; limits as select() (max_samples counts all
  /// batches).
  status select_batches(const matchers& ms, time_range range, const read_limits& limits,
                        std::size_t batch_samples,
                        const std::function<status(std::vector<series>&)>& sink) const;

  /// Label sets of matching series that have samples in `range`, sorted.
  result<std::vector<labels>> series_labels(const matchers& ms, time_range range) const;

  /// Sorted unique label names of matching series (all series if `ms` empty).
  result<std::vector<std::string>> label_names(const matchers& ms, time_range range) const;

  /// Sorted unique values of label `name` over matching series (all if empty).
  result<std::vector<std::string>> label_values(std::string_view name, const matchers& ms,
                                                time_range range) const;

  /// Flushes to disk (mdb_env_sync). Needed only under fsync_policy::never.
  status sync();

  /// Checkpoints the head (its own write txn, committed per the fsync
  /// policy): writes every open chunk changed since its record was written
  /// and empties the log, so a restart replays nothing and readers drop
  /// the logged samples. No txn when nothing changed. The owner calls it
  /// when writes pause; ~shard() calls it. unavailable while a group is open.
  status checkpoint();

  /// Rewrites, packed, the open (XOR) chunk of every series whose newest
  /// sample is older than `before` (INT64_MAX: all), in one write txn
  /// (head::seal_open_chunks): before an offline compaction, or for idle
  /// series. A later append to such a series resumes it. Returns how many
  /// records were rewritten; unavailable while a group is open.
  result<std::size_t> seal_open_chunks(timestamp_ms before);
  /// Checkpoints done since open (by append_to_group, checkpoint(), and the
  /// retention, rollup and cold steps, which start with one).
  std::uint64_t checkpoints() const noexcept;

  shard_stats stats() const;

  /// The state behind a shard (store/shard_impl.hpp; named only inside store/).
  struct impl;

private:
  /// Lowers the rollup watermarks of the batch's series that got samples
  /// old enough to land in rolled windows (inside the open group's txn).
  status invalidate_rollups(const write_batch& batch, timestamp_ms now);
  explicit shard(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace vigil::store
