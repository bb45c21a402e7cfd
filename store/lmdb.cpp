#include "store/lmdb.hpp"

#include <cerrno>
#include <filesystem>
#include <utility>

namespace vigil::store::lmdb {

status to_status(int rc, std::string_view context) {
  if (rc == MDB_SUCCESS) return status::ok();
  std::string msg(context);
  msg += ": ";
  msg += mdb_strerror(rc);
  switch (rc) {
    case MDB_NOTFOUND: return not_found(std::move(msg));
    case MDB_MAP_FULL:
    case MDB_TXN_FULL:
    case MDB_DBS_FULL:
    case MDB_READERS_FULL:
    case MDB_CURSOR_FULL:
    case MDB_PAGE_FULL:
    case MDB_TLS_FULL:
    case MDB_MAP_RESIZED:
    case ENOMEM: return resource_exhausted(std::move(msg));
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
    case MDB_INCOMPATIBLE: return corruption(std::move(msg));
    case MDB_BAD_VALSIZE:
    case MDB_BAD_DBI:
    case MDB_KEYEXIST: return invalid_argument(std::move(msg));
    default: return io_error(std::move(msg));
  }
}

// ---- env --------------------------------------------------------------------

result<env> env::open(const std::string& dir, const env_options& opts) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return io_error("create directory " + dir + ": " + ec.message());
  env e;
  if (int rc = mdb_env_create(&e.env_); rc != MDB_SUCCESS) return to_status(rc, "mdb_env_create");
  if (int rc = mdb_env_set_maxdbs(e.env_, opts.max_dbs); rc != MDB_SUCCESS)
    return to_status(rc, "mdb_env_set_maxdbs");
  if (int rc = mdb_env_set_mapsize(e.env_, static_cast<std::size_t>(opts.map_size)); rc != MDB_SUCCESS)
    return to_status(rc, "mdb_env_set_mapsize");
  const unsigned flags = MDB_NOTLS | (opts.no_sync ? MDB_NOSYNC : 0u);
  if (int rc = mdb_env_open(e.env_, dir.c_str(), flags, 0644); rc != MDB_SUCCESS)
    return to_status(rc, "mdb_env_open " + dir);
  return e;
}

env& env::operator=(env&& o) noexcept {
  if (this != &o) {
    drain_pool();
    if (env_ != nullptr) mdb_env_close(env_);
    env_ = o.env_;
    pool_ = std::move(o.pool_);
    o.env_ = nullptr;
  }
  return *this;
}

env::~env() {
  drain_pool();
  if (env_ != nullptr) mdb_env_close(env_);
}

void env::drain_pool() noexcept {
  if (!pool_) return;
  std::lock_guard lock(pool_->mu);
  for (MDB_txn* t : pool_->idle) mdb_txn_abort(t);
  pool_->idle.clear();
}

status env::sync() { return to_status(mdb_env_sync(env_, 1), "mdb_env_sync"); }

std::uint64_t env::used_bytes() const noexcept {
  MDB_envinfo info;
  MDB_stat st;
  if (mdb_env_info(env_, &info) != MDB_SUCCESS || mdb_env_stat(env_, &st) != MDB_SUCCESS) return 0;
  return (static_cast<std::uint64_t>(info.me_last_pgno) + 1) * st.ms_psize;
}

std::uint64_t env::last_txn_id() const noexcept {
  MDB_envinfo info;
  if (mdb_env_info(env_, &info) != MDB_SUCCESS) return 0;
  return static_cast<std::uint64_t>(info.me_last_txnid);
}

result<env> env::open_read_only(const std::string& dir) {
  env e;
  if (int rc = mdb_env_create(&e.env_); rc != MDB_SUCCESS) return to_status(rc, "mdb_env_create");
  // Named sub-databases can be read (a shard has at most 8).
  if (int rc = mdb_env_set_maxdbs(e.env_, env_options{}.max_dbs); rc != MDB_SUCCESS)
    return to_status(rc, "mdb_env_set_maxdbs");
  // No mdb_env_set_mapsize: LMDB then maps the size recorded by the writer.
  if (int rc = mdb_env_open(e.env_, dir.c_str(), MDB_RDONLY | MDB_NOTLS, 0644); rc != MDB_SUCCESS)
    return to_status(rc, "mdb_env_open " + dir);
  return e;
}

status env::copy_to_fd(int fd, bool compact) const {
  return to_status(mdb_env_copyfd2(env_, fd, compact ? MDB_CP_COMPACT : 0u), "mdb_env_copyfd2");
}

// ---- txn --------------------------------------------------------------------

namespace {
/// Reset read txns an env keeps for reuse (more are aborted when they end).
constexpr std::size_t max_idle_read_txns = 16;
} // namespace

result<txn> txn::begin(const env& e, bool read_only) {
  txn t;
  t.read_only_ = read_only;
  if (read_only) t.pool_ = e.pool_.get();
  for (;;) {
    MDB_txn* reuse = nullptr;
    if (t.pool_ != nullptr) {
      std::lock_guard lock(t.pool_->mu);
      if (!t.pool_->idle.empty()) {
        reuse = t.pool_->idle.back();
        t.pool_->idle.pop_back();
      }
    }
    if (reuse != nullptr && mdb_txn_renew(reuse) == MDB_SUCCESS) {
      t.txn_ = reuse;
    } else {
      if (reuse != nullptr) mdb_txn_abort(reuse);
      if (int rc = mdb_txn_begin(e.get(), nullptr, read_only ? MDB_RDONLY : 0u, &t.txn_); rc != MDB_SUCCESS) {
        t.txn_ = nullptr;
        return to_status(rc, read_only ? "begin read txn" : "begin write txn");
      }
    }
    if (!read_only) return t;
    // LMDB 0.9 takes a reader's txn id from the lock file and only then
    // copies the roots from the meta page of that id's parity. A reader
    // delayed between the two (preempted) while two commits complete copies
    // the roots of the newer one - a consistent snapshot, but newer than
    // mdb_txn_id() says, and the store matches txn ids against its log
    // (store/unflushed.hpp). The meta slot of id N is rewritten only by
    // commit N + 2: when no meta page is past N + 1 after the copy, the
    // roots are N's. Otherwise begin again (rare: it takes a preemption).
    const std::uint64_t id = mdb_txn_id(t.txn_);
    if (e.last_txn_id() <= id + 1) return t;
    t.abort();
  }
}

txn& txn::operator=(txn&& o) noexcept {
  if (this != &o) {
    abort();
    txn_ = o.txn_;
    read_only_ = o.read_only_;
    pool_ = o.pool_;
    o.txn_ = nullptr;
  }
  return *this;
}

status txn::commit() {
  if (txn_ == nullptr) return io_error("commit: transaction already finished");
  const int rc = mdb_txn_commit(txn_);
  txn_ = nullptr; // mdb_txn_commit frees the txn even when it fails
  return to_status(rc, "commit");
}

void txn::abort() noexcept {
  if (txn_ == nullptr) return;
  if (read_only_ && pool_ != nullptr) {
    mdb_txn_reset(txn_); // the snapshot is released here, whether kept or not
    std::unique_lock lock(pool_->mu);
    if (pool_->idle.size() < max_idle_read_txns) {
      pool_->idle.push_back(std::exchange(txn_, nullptr));
      return;
    }
  }
  mdb_txn_abort(txn_);
  txn_ = nullptr;
}

result<MDB_dbi> txn::open_dbi(const char* name, unsigned flags) {
  MDB_dbi dbi = 0;
  const unsigned create = read_only_ ? 0u : MDB_CREATE;
  if (int rc = mdb_dbi_open(txn_, name, flags | create, &dbi); rc != MDB_SUCCESS)
    return to_status(rc, std::string("open sub-database ") + name);
  return dbi;
}

status txn::get(MDB_dbi dbi, bytes key, bytes* value) const {
  MDB_val k = to_val(key), v{0, nullptr};
  const int rc = mdb_get(txn_, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return {errc::not_found, {}};
  if (rc != MDB_SUCCESS) return to_status(rc, "get");
  *value = from_val(v);
  return status::ok();
}

status txn::put(MDB_dbi dbi, bytes key, bytes value, unsigned flags) {
  MDB_val k = to_val(key), v = to_val(value);
  return to_status(mdb_put(txn_, dbi, &k, &v, flags), "put");
}

result<std::uint8_t*> txn::reserve(MDB_dbi dbi, bytes key, std::size_t n, unsigned flags) {
  MDB_val k = to_val(key), v{n, nullptr};
  if (int rc = mdb_put(txn_, dbi, &k, &v, flags | MDB_RESERVE); rc != MDB_SUCCESS)
    return to_status(rc, "put (reserve)");
  return static_cast<std::uint8_t*>(v.mv_data);
}

status txn::del(MDB_dbi dbi, bytes key, const bytes* value) {
  MDB_val k = to_val(key), v{0, nullptr};
  if (value != nullptr) v = to_val(*value);
  return to_status(mdb_del(txn_, dbi, &k, value != nullptr ? &v : nullptr), "del");
}

result<MDB_stat> txn::stat(MDB_dbi dbi) const {
  MDB_stat st;
  if (int rc = mdb_stat(txn_, dbi, &st); rc != MDB_SUCCESS) return to_status(rc, "mdb_stat");
  return st;
}

// ---- cursor -----------------------------------------------------------------

result<cursor> cursor::open(const txn& t, MDB_dbi dbi) {
  cursor c;
  if (int rc = mdb_cursor_open(t.get(), dbi, &c.c_); rc != MDB_SUCCESS) {
    c.c_ = nullptr;
    return to_status(rc, "mdb_cursor_open");
  }
  return c;
}

cursor& cursor::operator=(cursor&& o) noexcept {
  if (this != &o) {
    if (c_ != nullptr) mdb_cursor_close(c_);
    c_ = o.c_;
    key_ = o.key_;
    val_ = o.val_;
    o.c_ = nullptr;
  }
  return *this;
}

cursor::~cursor() {
  if (c_ != nullptr) mdb_cursor_close(c_);
}

result<bool> cursor::position(MDB_cursor_op op, const char* what) {
  const int rc = mdb_cursor_get(c_, &key_, &val_, op);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != MDB_SUCCESS) return to_status(rc, what);
  return true;
}

result<std::size_t> cursor::count() const {
  std::size_t n = 0;
  if (int rc = mdb_cursor_count(c_, &n); rc != MDB_SUCCESS) return to_status(rc, "mdb_cursor_count");
  return static_cast<std::size_t>(n);
}

result<bool> cursor::move(MDB_cursor_op op) { return position(op, "cursor move"); }

result<bool> cursor::seek(bytes key) {
  key_ = to_val(key);
  return position(MDB_SET_RANGE, "cursor seek");
}

result<bool> cursor::find(bytes key) {
  key_ = to_val(key);
  return position(MDB_SET_KEY, "cursor find");
}

} // namespace vigil::store::lmdb
