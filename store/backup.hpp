// store/backup.hpp - hot backup and restore of a vigil data directory: every
// LMDB environment in it (shard-NNN, alerts, notify), copied while the node
// keeps running, plus a manifest with checksums (store/backup_manifest.hpp).
//
// Consistency: each environment is copied by mdb_env_copyfd2 with
// MDB_CP_COMPACT, inside one LMDB read transaction of this process, so each
// copy is exactly the environment after some committed transaction, taken
// after create() started. Environments are captured one after another, not
// at one instant: a write spanning several shards that commits during the
// backup may be in some shards' copies and not in others'. Nothing that was
// committed before create() started is missing.
//
// Cold segments: those registered in each shard's copy (so exactly the
// copied snapshot's) are copied too, or linked from an earlier backup that
// holds them (they never change once written).
//
// Incrementality: an environment whose identity (last txn id, device, inode
// and birth time of data.mdb) equals the one recorded in the newest earlier
// backup in the same directory has not changed; its file is hard-linked from
// there (or, where hard links fail, referenced by the manifest).
//
// Threading: both calls are synchronous and must not run concurrently on the
// same directories. create() copies each environment on a helper thread that
// LMDB writes into a pipe, while the calling thread hashes and stores the
// bytes and reports progress. Opening an environment that this process has
// open already breaks LMDB's locks (lmdb.h): do not back up a data directory
// from the process that serves it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "store/backup_manifest.hpp"

namespace vigil::store::backup {

enum class phase : std::uint8_t {
  plan,    ///< work ahead: `item` names the step ("backup", "verify", "restore"), `total` its bytes
  copy,    ///< an environment being copied; `total` is an upper bound (compaction shrinks it)
  reuse,   ///< an unchanged environment taken from `detail` (an earlier backup)
  verify,  ///< a backup file being checksummed
  restore, ///< a backup file being written into the data directory
};

/// One progress report. Reported for every item when it starts, every few
/// MiB, and when it is finished (`finished`, `done` final).
struct progress {
  phase what = phase::plan;
  std::string item;        ///< environment name (copy, reuse) or file path (verify, restore)
  std::uint64_t done = 0;  ///< bytes of `item` done
  std::uint64_t total = 0; ///< bytes of `item` expected
  bool finished = false;
  std::string detail;      ///< reuse: the backup reused from
};

using progress_fn = std::function<void(const progress&)>;

struct backup_options {
  std::string data_dir;      ///< the node's data directory
  std::string to;            ///< directory of backups; created if missing
  std::string vigil_version; ///< recorded in the manifest
  std::int64_t now_ms = 0;   ///< creation time (unix ms): names the backup (later if taken)
  progress_fn on_progress;   ///< may be empty
  /// storage.cold.dir of the node (empty: each shard's segments are in its
  /// own directory, shard-NNN/cold). Segments are backed up as
  /// shard-NNN/cold/<file> and restored there.
  std::string cold_dir = {};
};

struct env_result {
  std::string name;
  std::uint64_t bytes = 0;
  std::uint64_t txnid = 0;
  std::string reused_from; ///< empty: copied by this backup
};

struct backup_result {
  std::string name; ///< "20250102T030405.123Z"
  std::string dir;  ///< to/name
  std::vector<env_result> envs;
  std::uint32_t shards = 0;
  std::uint64_t bytes_copied = 0;
  std::uint64_t bytes_reused = 0;
};

/// Backs up every environment of `o.data_dir` into `o.to/<name>/`. The
/// backup is written as `<name>.partial` and renamed once its manifest is
/// durable, so a crashed backup is never taken for a complete one; the next
/// backup into `to` removes such leftovers. One backup at a time writes into
/// `to` (an flock on `to/.lock`; a second one gets unavailable). Errors:
/// invalid_argument when data_dir holds no shard-NNN environment or `to`
/// lies inside data_dir; io_error / LMDB errors otherwise, after removing
/// the partial backup.
result<backup_result> create(const backup_options& o);

struct restore_options {
  std::string from;     ///< a backup directory, or a directory of backups (the newest is taken)
  std::string data_dir; ///< the target; created if missing
  bool force = false;   ///< replace the environments of a non-empty data_dir
  progress_fn on_progress;
};

struct restore_result {
  std::string name; ///< the backup restored
  std::string dir;  ///< its directory
  std::vector<std::string> envs;
  std::uint32_t shards = 0;
  std::size_t files = 0;
  std::uint64_t bytes = 0;
};

/// Restores a backup into `o.data_dir`. Order: the target is checked (a
/// non-empty data_dir without `force`: invalid_argument, naming an entry),
/// then the manifest and every file's size and SHA-256 are verified
/// (corruption or a missing file: corruption naming the file) before
/// anything is written. Files are then copied into `data_dir/.restore.partial`
/// (checked again while copying) and each top-level entry is renamed into
/// place; with `force`, the entries it replaces, every other shard-NNN
/// directory and a stale `.restore.partial` are removed first. Other files in
/// data_dir are kept. The node must not be running on data_dir.
result<restore_result> restore(const restore_options& o);

/// The backup directory `from` designates: `from` itself when it holds a
/// MANIFEST, else its newest complete backup (not_found when none).
result<std::string> resolve(const std::string& from);

/// Reads and decodes `backup_dir`/MANIFEST.
result<manifest> load_manifest(const std::string& backup_dir);

/// Where the bytes of `f` of the backup in `backup_dir` live.
std::string file_location(const std::string& backup_dir, const file_entry& f);

/// Checks every file of `m` (in `backup_dir`) against its size and SHA-256.
/// corruption naming the first file that is missing or differs.
status verify(const std::string& backup_dir, const manifest& m, const progress_fn& on_progress);

} // namespace vigil::store::backup
