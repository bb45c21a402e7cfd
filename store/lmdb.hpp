// store/lmdb.hpp - a thin RAII layer over LMDB: env, txn, cursor, and the
// mapping of MDB return codes to vigil::status. No exceptions.
//
// Threading (lmdb.h, and STYLE §2.10): envs are opened with MDB_NOTLS, so a
// read txn is tied to its `txn` object, not to the OS thread; still, each txn
// must begin and end inside one call on one thread, and write txns are
// serialized by LMDB's own writer lock. Never open one directory twice in a
// process (LMDB's POSIX locks are per process).
// Lifetimes: a `cursor` must be destroyed before its `txn` ends; views returned
// by get()/key()/value() point into the map and are valid until the txn ends
// (write txns: until the next write).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <memory>
#include <mutex>
#include <vector>

#include <lmdb.h>

#include "core/status.hpp"

namespace vigil::store::lmdb {

using bytes = std::span<const std::uint8_t>;

/// MDB_SUCCESS -> ok; MDB_NOTFOUND -> not_found; MDB_MAP_FULL and the other
/// *_FULL codes and ENOMEM -> resource_exhausted; MDB_CORRUPTED,
/// MDB_PAGE_NOTFOUND, MDB_INVALID, MDB_VERSION_MISMATCH, MDB_INCOMPATIBLE ->
/// corruption; MDB_BAD_VALSIZE, MDB_BAD_DBI, MDB_KEYEXIST -> invalid_argument;
/// everything else (errno values, MDB_PANIC, MDB_BAD_TXN) -> io_error.
/// The message is "<context>: <mdb_strerror(rc)>".
status to_status(int rc, std::string_view context);

inline MDB_val to_val(bytes b) noexcept {
  return {b.size(), const_cast<std::uint8_t*>(b.data())};
}
inline bytes from_val(const MDB_val& v) noexcept {
  return {static_cast<const std::uint8_t*>(v.mv_data), v.mv_size};
}
inline bytes as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

struct env_options {
  std::uint64_t map_size = std::uint64_t{1} << 30;
  unsigned max_dbs = 16;
  bool no_sync = false; ///< MDB_NOSYNC: commits are not fsynced (see sync())
};

class env {
public:
  /// Creates `dir` if missing and opens the environment in it with MDB_NOTLS
  /// (+ MDB_NOSYNC when asked). io_error when the directory cannot be made.
  static result<env> open(const std::string& dir, const env_options& opts);

  env() = default;
  env(env&& o) noexcept : env_(o.env_), pool_(std::move(o.pool_)) { o.env_ = nullptr; }
  env& operator=(env&& o) noexcept;
  ~env();

  MDB_env* get() const noexcept { return env_; }
  /// Forces buffers to disk (mdb_env_sync(env, 1)).
  status sync();
  /// Bytes of the data file in use: (last page + 1) * page size.
  std::uint64_t used_bytes() const noexcept;
  /// The id of the last committed write txn (0 when it cannot be read).
  std::uint64_t last_txn_id() const noexcept;

  /// Opens the existing environment in `dir`, which another process may be
  /// writing, for reading only (MDB_RDONLY | MDB_NOTLS, with the map size
  /// recorded in the file). Used by backups; creates nothing.
  static result<env> open_read_only(const std::string& dir);
  /// Writes a copy of the environment to `fd` (mdb_env_copyfd2; with
  /// `compact`, MDB_CP_COMPACT: free pages omitted, pages renumbered). The
  /// copy is one read transaction: a consistent snapshot. Blocks until done;
  /// `fd` may be a pipe (written sequentially), which the caller drains.
  status copy_to_fd(int fd, bool compact) const;

  /// Read txns ended since the last begin, kept reset (mdb_txn_reset: no
  /// snapshot held, the MDB_NOTLS reader slot and the allocation kept) for
  /// the next read txn to renew. A begin otherwise mallocs the txn (~1 KB
  /// with its per-database arrays, which also made glibc consolidate its
  /// free lists) and locks the lock file's reader table for a slot: 3-4 %
  /// of a small instant query's CPU (8 shards, a txn each per selection).
  struct read_pool {
    std::mutex mu;
    std::vector<MDB_txn*> idle;
  };

private:
  friend class txn;
  void drain_pool() noexcept;

  MDB_env* env_ = nullptr;
  std::unique_ptr<read_pool> pool_ = std::make_unique<read_pool>();
};

class txn {
public:
  /// Begins a read-only or a write transaction.
  static result<txn> begin(const env& e, bool read_only);

  txn() = default;
  txn(txn&& o) noexcept : txn_(o.txn_), read_only_(o.read_only_), pool_(o.pool_) { o.txn_ = nullptr; }
  txn& operator=(txn&& o) noexcept;
  /// Aborts unless committed.
  ~txn() { abort(); }

  /// Commits; the txn is finished afterwards whatever the outcome.
  status commit();
  /// Discards the txn's writes (no-op when already finished).
  void abort() noexcept;

  MDB_txn* get() const noexcept { return txn_; }
  bool active() const noexcept { return txn_ != nullptr; }
  bool read_only() const noexcept { return read_only_; }

  /// Opens (with MDB_CREATE in write txns) the named sub-database.
  result<MDB_dbi> open_dbi(const char* name, unsigned flags);

  /// Looks `key` up; not_found (with an empty message) when absent.
  status get(MDB_dbi dbi, bytes key, bytes* value) const;
  status put(MDB_dbi dbi, bytes key, bytes value, unsigned flags = 0);
  /// Reserves `n` bytes for `key`'s value and returns where to write them
  /// (MDB_RESERVE; not for MDB_DUPSORT databases). Valid until the next write.
  result<std::uint8_t*> reserve(MDB_dbi dbi, bytes key, std::size_t n, unsigned flags = 0);
  /// Deletes `key` (one duplicate when `value` is given); not_found when absent.
  status del(MDB_dbi dbi, bytes key, const bytes* value = nullptr);
  /// Entry count and page statistics of `dbi`.
  result<MDB_stat> stat(MDB_dbi dbi) const;

private:
  MDB_txn* txn_ = nullptr;
  bool read_only_ = true;
  env::read_pool* pool_ = nullptr; ///< where a read txn goes when it ends (its env's)
};

class cursor {
public:
  static result<cursor> open(const txn& t, MDB_dbi dbi);

  cursor() = default;
  cursor(cursor&& o) noexcept : c_(o.c_), key_(o.key_), val_(o.val_) { o.c_ = nullptr; }
  cursor& operator=(cursor&& o) noexcept;
  ~cursor();

  /// Moves with `op` (MDB_NEXT, MDB_PREV, MDB_LAST, MDB_GET_MULTIPLE, ...).
  /// Returns true when positioned, false at MDB_NOTFOUND, or the error.
  result<bool> move(MDB_cursor_op op);
  /// Positions at the first key >= `key` (MDB_SET_RANGE).
  result<bool> seek(bytes key);
  /// Positions at exactly `key` (MDB_SET_KEY).
  result<bool> find(bytes key);

  /// Duplicates of the current key (1 for a key without duplicates).
  result<std::size_t> count() const;

  bytes key() const noexcept { return from_val(key_); }
  bytes value() const noexcept { return from_val(val_); }
  MDB_cursor* get() const noexcept { return c_; }

private:
  result<bool> position(MDB_cursor_op op, const char* what);

  MDB_cursor* c_ = nullptr;
  MDB_val key_{0, nullptr};
  MDB_val val_{0, nullptr};
};

} // namespace vigil::store::lmdb
