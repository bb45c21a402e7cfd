// store/backup.cpp - create(): planning, copying and reusing environments,
// and finding earlier backups. restore() and verify() are in
// backup_restore.cpp.
#include "store/backup.hpp"

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <optional>
#include <thread>

#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/backup_io.hpp"
#include "store/cold_tier.hpp"
#include "store/dir_lock.hpp"
#include "store/lmdb.hpp"

namespace vigil::store::backup {

namespace fs = std::filesystem;

namespace {

constexpr const char* partial_suffix = ".partial";
constexpr const char* data_file = "data.mdb";

/// One live environment, open for reading, and what to do with it.
struct planned_env {
  std::string name;
  lmdb::env env;
  env_identity id;
  std::uint64_t estimate = 0;                ///< bytes in use: an upper bound of the compact copy
  const env_entry* previous = nullptr;       ///< unchanged since this entry of the previous backup
};

/// The newest complete backup before this one.
struct previous_backup {
  std::string dir;
  manifest m;
};

bool is_shard_dir(const std::string& name) {
  if (!name.starts_with("shard-") || name.size() == 6) return false;
  return std::all_of(name.begin() + 6, name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// The environments of a data directory: shard-NNN (sorted), alerts, notify;
/// each must hold data.mdb.
result<std::vector<std::string>> find_envs(const std::string& data_dir) {
  std::error_code ec;
  std::vector<std::string> shards, others;
  for (const auto& e : fs::directory_iterator(data_dir, ec)) {
    const auto name = e.path().filename().string();
    std::error_code ignored; // an entry that cannot be inspected is not an environment
    if (!e.is_directory(ignored) || !fs::exists(e.path() / data_file, ignored)) continue;
    if (is_shard_dir(name)) shards.push_back(name);
    else if (name == "alerts" || name == "notify") others.push_back(name);
  }
  if (ec) return io_error("cannot list data directory " + data_dir + ": " + ec.message());
  if (shards.empty())
    return invalid_argument("no shard-NNN environment in " + data_dir + ": not a vigil data directory");
  std::sort(shards.begin(), shards.end());
  std::sort(others.begin(), others.end());
  shards.insert(shards.end(), others.begin(), others.end());
  return shards;
}

std::uint64_t birth_time_ns(const std::string& path) {
  struct statx stx {};
  if (::statx(AT_FDCWD, path.c_str(), 0, STATX_BTIME, &stx) != 0 || !(stx.stx_mask & STATX_BTIME)) return 0;
  return static_cast<std::uint64_t>(stx.stx_btime.tv_sec) * 1'000'000'000u + stx.stx_btime.tv_nsec;
}

result<env_identity> identify(const lmdb::env& e, const std::string& dir) {
  MDB_envinfo info;
  if (int rc = mdb_env_info(e.get(), &info); rc != MDB_SUCCESS) return lmdb::to_status(rc, "mdb_env_info " + dir);
  const std::string file = dir + "/" + data_file;
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return io_error("stat " + file);
  return env_identity{info.me_last_txnid, static_cast<std::uint64_t>(st.st_dev),
                      static_cast<std::uint64_t>(st.st_ino), birth_time_ns(file)};
}

const env_entry* unchanged_in(const previous_backup* prev, const std::string& name, const env_identity& id) {
  if (prev == nullptr) return nullptr;
  for (const auto& e : prev->m.envs)
    if (e.name == name && e.id == id) return &e;
  return nullptr;
}

result<planned_env> plan_env(const std::string& data_dir, const std::string& name, const previous_backup* prev) {
  const std::string dir = data_dir + "/" + name;
  auto e = lmdb::env::open_read_only(dir);
  if (!e) return std::move(e).error();
  int dead = 0;
  mdb_reader_check(e->get(), &dead); // frees slots of dead readers (e.g. a killed backup)
  auto id = identify(*e, dir);
  if (!id) return std::move(id).error();
  planned_env p{name, std::move(*e), *id, 0, unchanged_in(prev, name, *id)};
  p.estimate = p.env.used_bytes();
  return p;
}

void report(const progress_fn& f, phase what, const std::string& item, std::uint64_t done, std::uint64_t total,
            bool finished, const std::string& detail = {}) {
  if (f) f(progress{what, item, done, total, finished, detail});
}

/// Copies `e` compacted into the new file `path`, hashing it on the way:
/// LMDB writes into a pipe on a helper thread, this thread drains it.
result<digest> copy_env(const lmdb::env& e, const std::string& path, const bytes_fn& on_bytes) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return io_error("pipe: cannot create");
  (void)::fcntl(fds[1], F_SETPIPE_SZ, 1 << 20); // fewer wakeups; best effort
  status copy_st;
  std::thread writer([&e, &copy_st, wfd = fds[1]] {
    // LMDB's own writer thread inherits this mask: should the reading end
    // close early, writes fail with EPIPE instead of killing the process.
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &s, nullptr);
    copy_st = e.copy_to_fd(wfd, true);
    ::close(wfd);
  });
  auto d = drain_to_file(fds[0], path, on_bytes);
  ::close(fds[0]);
  writer.join();
  if (!copy_st.is_ok()) {
    ::unlink(path.c_str());
    return copy_st;
  }
  return d;
}

status take_file(const previous_backup& prev, const file_entry& f, const std::string& out_dir, manifest& m);

/// Where the cold segments of a shard live.
struct cold_layout {
  std::string data_dir;
  std::string cold_dir; ///< storage.cold.dir; empty: each shard's own "cold" directory
};

/// Takes the cold segments registered in the copy of shard environment
/// `name` (so exactly those of the copied snapshot) into the backup as
/// `name`/cold/<segment>: segments are immutable, so one that an earlier
/// backup holds with the same size is linked from there, the rest copied.
status capture_cold(const std::string& name, const cold_layout& where, const previous_backup* prev,
                    const std::string& out_dir, const progress_fn& f, manifest& m) {
  auto names = registered_cold_segments(out_dir + "/" + name);
  if (!names) return std::move(names).error();
  if (names->empty()) return status::ok();
  std::error_code ec;
  fs::create_directories(out_dir + "/" + name + "/cold", ec);
  if (ec) return io_error("create directory " + out_dir + "/" + name + "/cold: " + ec.message());
  const std::string own = where.data_dir + "/" + name + "/cold";
  const std::string primary = where.cold_dir.empty() ? own : where.cold_dir + "/" + name;
  for (const auto& seg : *names) {
    std::string src = primary + "/" + seg;
    if (!fs::exists(src, ec)) src = own + "/" + seg;
    const std::string rel = name + "/cold/" + seg;
    const auto size = fs::file_size(src, ec);
    if (ec)
      return not_found("cold segment " + primary + "/" + seg +
                       " is gone (retention deleted it during the backup?): run the backup again");
    bool taken = false;
    if (prev != nullptr)
      for (const auto& pf : prev->m.files)
        if (pf.path == rel && pf.size == size) {
          taken = take_file(*prev, pf, out_dir, m).is_ok();
          if (taken) report(f, phase::reuse, rel, size, size, true, prev->m.name);
          break;
        }
    if (taken) continue;
    report(f, phase::copy, rel, 0, size, false);
    auto d = copy_file(src, out_dir + "/" + rel, [&](std::uint64_t n) { report(f, phase::copy, rel, n, size, false); });
    if (!d) return std::move(d).error();
    m.files.push_back({rel, d->size, d->sha256, {}});
    report(f, phase::copy, rel, d->size, size, true);
  }
  return sync_dir(out_dir + "/" + name + "/cold");
}

status copy_into(planned_env& p, const std::string& out_dir, const progress_fn& f, manifest& m) {
  const std::string rel = p.name + "/" + data_file;
  std::error_code ec;
  fs::create_directories(out_dir + "/" + p.name, ec);
  if (ec) return io_error("create directory " + out_dir + "/" + p.name + ": " + ec.message());
  report(f, phase::copy, p.name, 0, p.estimate, false);
  auto d = copy_env(p.env, out_dir + "/" + rel, [&](std::uint64_t n) {
    report(f, phase::copy, p.name, n, p.estimate, false);
  });
  if (!d) return std::move(d).error();
  VIGIL_TRY(sync_dir(out_dir + "/" + p.name));
  m.files.push_back({rel, d->size, d->sha256, {}});
  m.envs.push_back({p.name, p.id, {}});
  report(f, phase::copy, p.name, d->size, p.estimate, true);
  return status::ok();
}

/// Takes `f` (a file of the previous backup) into the new backup: a hard
/// link where possible, else a reference to the backup holding its bytes.
status take_file(const previous_backup& prev, const file_entry& f, const std::string& out_dir, manifest& m) {
  const std::string from = file_location(prev.dir, f);
  std::error_code ec;
  if (fs::file_size(from, ec) != f.size || ec) return not_found("previous backup file changed: " + from);
  fs::create_directories(fs::path(out_dir + "/" + f.path).parent_path(), ec);
  fs::create_hard_link(from, out_dir + "/" + f.path, ec);
  file_entry taken = f;
  taken.origin = ec ? (f.origin.empty() ? prev.m.name : f.origin) : std::string();
  m.files.push_back(std::move(taken));
  return status::ok();
}

/// Reuses an unchanged environment: false when its files are gone.
result<bool> reuse_into(const planned_env& p, const previous_backup& prev, const std::string& out_dir,
                        const progress_fn& f, manifest& m) {
  const auto mark = m.files.size();
  std::uint64_t bytes = 0;
  for (const auto& file : prev.m.files) {
    if (!file.path.starts_with(p.name + "/")) continue;
    if (!take_file(prev, file, out_dir, m).is_ok()) {
      m.files.resize(mark);
      std::error_code ec;
      fs::remove_all(out_dir + "/" + p.name, ec); // the links taken so far
      return false;
    }
    bytes += file.size;
  }
  if (m.files.size() == mark) return false;
  m.envs.push_back({p.name, p.id, prev.m.name});
  report(f, phase::reuse, p.name, bytes, p.estimate, true, prev.m.name);
  return true;
}

std::optional<previous_backup> newest_backup(const std::string& to) {
  auto dir = resolve(to);
  if (!dir || *dir == to) return std::nullopt;
  auto m = load_manifest(*dir);
  if (!m) return std::nullopt; // a damaged backup is not a base for reuse
  return previous_backup{*dir, std::move(*m)};
}

/// Removes what crashed backups left (only called under the dir_lock).
void remove_partials(const std::string& to) {
  std::error_code ec;
  std::vector<fs::path> stale;
  for (const auto& e : fs::directory_iterator(to, ec))
    if (e.path().filename().string().ends_with(partial_suffix)) stale.push_back(e.path());
  for (const auto& p : stale) fs::remove_all(p, ec);
}

/// Claims the first backup name at or after `now_ms` not taken yet in `to`
/// by creating its .partial directory; returns the time it stands for.
result<std::int64_t> claim_name(const std::string& to, std::int64_t now_ms) {
  for (std::int64_t t = now_ms; t < now_ms + 1000; ++t) {
    const auto name = backup_name(t);
    std::error_code ec;
    if (fs::exists(to + "/" + name, ec)) continue;
    if (::mkdir((to + "/" + name + partial_suffix).c_str(), 0755) == 0) return t;
    if (errno != EEXIST) return io_error("create directory " + to + "/" + name + partial_suffix);
  }
  return io_error("no free backup name in " + to);
}

status check_paths(const std::string& data_dir, const std::string& to) {
  std::error_code ec;
  if (!fs::is_directory(data_dir, ec)) return invalid_argument("data directory " + data_dir + " does not exist");
  const auto d = fs::weakly_canonical(data_dir, ec).string() + "/";
  const auto t = fs::weakly_canonical(to, ec).string() + "/";
  if (t.starts_with(d)) return invalid_argument("the backup directory " + to + " lies inside the data directory");
  if (data_dir.find('\n') != std::string::npos) return invalid_argument("data directory name holds a line break");
  return status::ok();
}

result<std::vector<planned_env>> plan_all(const std::string& data_dir, const previous_backup* prev) {
  auto names = find_envs(data_dir);
  if (!names) return std::move(names).error();
  std::vector<planned_env> out;
  for (const auto& n : *names) {
    auto p = plan_env(data_dir, n, prev);
    if (!p) return std::move(p).error();
    out.push_back(std::move(*p));
  }
  return out;
}

/// Copies or reuses every environment into `out_dir`; fills `m` and `r`.
status capture_all(std::vector<planned_env>& plan, const previous_backup* prev, const std::string& out_dir,
                   const cold_layout& cold, const progress_fn& f, manifest& m, backup_result& r) {
  for (auto& p : plan) {
    bool reused = false;
    if (p.previous != nullptr) {
      auto ok = reuse_into(p, *prev, out_dir, f, m);
      if (!ok) return std::move(ok).error();
      reused = *ok;
    }
    if (!reused) {
      VIGIL_TRY(copy_into(p, out_dir, f, m));
      if (p.name.starts_with("shard-")) VIGIL_TRY(capture_cold(p.name, cold, prev, out_dir, f, m));
    }
    std::uint64_t bytes = 0;
    for (const auto& file : m.files)
      if (file.path.starts_with(p.name + "/")) bytes += file.size;
    r.envs.push_back({p.name, bytes, p.id.txnid, m.envs.back().reused_from});
    (reused ? r.bytes_reused : r.bytes_copied) += bytes;
    if (p.name.starts_with("shard-")) ++r.shards;
    p.env = lmdb::env{}; // close: its map and reader slot are no longer needed
  }
  return status::ok();
}

/// Writes the manifest and makes the backup complete (renames it in place).
status seal(const std::string& to, const std::string& partial, const manifest& m) {
  VIGIL_TRY(write_file(partial + "/" + manifest_file_name, encode(m)));
  VIGIL_TRY(sync_dir(partial));
  if (::rename(partial.c_str(), (to + "/" + m.name).c_str()) != 0) return io_error("rename " + partial);
  return sync_dir(to);
}

} // namespace

result<backup_result> create(const backup_options& o) {
  VIGIL_TRY(check_paths(o.data_dir, o.to));
  std::error_code ec;
  fs::create_directories(o.to, ec);
  if (ec) return io_error("create directory " + o.to + ": " + ec.message());
  auto lock = dir_lock::take(o.to, "another backup");
  if (!lock) return std::move(lock).error();
  remove_partials(o.to);
  const auto prev = newest_backup(o.to);
  const previous_backup* base = prev ? &*prev : nullptr;
  auto plan = plan_all(o.data_dir, base);
  if (!plan) return std::move(plan).error();
  // Names sort by age, even if the clock went back since the last backup.
  auto created = claim_name(o.to, std::max(o.now_ms, base ? base->m.created_ms + 1 : o.now_ms));
  if (!created) return std::move(created).error();
  const std::string name = backup_name(*created);
  const std::string partial = o.to + "/" + name + partial_suffix;
  std::uint64_t total = 0;
  for (const auto& p : *plan) total += p.estimate;
  report(o.on_progress, phase::plan, "backup", 0, total, false);
  const auto abs_data = fs::absolute(o.data_dir, ec).lexically_normal().string();
  manifest m{name, *created, o.vigil_version, 0, abs_data, {}, {}};
  backup_result r{name, o.to + "/" + name, {}, 0, 0, 0};
  status st = capture_all(*plan, base, partial, {o.data_dir, o.cold_dir}, o.on_progress, m, r);
  m.shards = r.shards;
  if (st.is_ok()) st = seal(o.to, partial, m);
  if (!st.is_ok()) {
    fs::remove_all(partial, ec);
    return st;
  }
  return r;
}

result<std::string> resolve(const std::string& from) {
  std::error_code ec;
  if (fs::exists(from + "/" + manifest_file_name, ec)) return from;
  std::string newest;
  for (const auto& e : fs::directory_iterator(from, ec)) {
    const auto name = e.path().filename().string();
    std::error_code ignored;
    if (is_backup_name(name) && fs::exists(e.path() / manifest_file_name, ignored) && name > newest) newest = name;
  }
  if (newest.empty()) return not_found("no backup in " + from + " (no MANIFEST, no <time>/MANIFEST)");
  return from + "/" + newest;
}

result<manifest> load_manifest(const std::string& backup_dir) {
  const std::string path = backup_dir + "/" + manifest_file_name;
  auto text = read_file(path);
  if (!text) return std::move(text).error();
  return decode(*text, path);
}

std::string file_location(const std::string& backup_dir, const file_entry& f) {
  if (f.origin.empty()) return backup_dir + "/" + f.path;
  auto dir = fs::path(backup_dir).lexically_normal();
  if (!dir.has_filename()) dir = dir.parent_path(); // "a/b/" -> "a/b"
  return (dir.parent_path() / f.origin / f.path).string();
}

} // namespace vigil::store::backup
