// store/backup_restore.cpp - verify() and restore() of store/backup.hpp.
#include <filesystem>
#include <set>

#include <cstdio>

#include "store/backup.hpp"
#include "store/backup_io.hpp"
#include "store/dir_lock.hpp"

namespace vigil::store::backup {

namespace fs = std::filesystem;

namespace {

constexpr const char* staging_name = ".restore.partial";

void report(const progress_fn& f, phase what, const std::string& item, std::uint64_t done, std::uint64_t total,
            bool finished) {
  if (f) f(progress{what, item, done, total, finished, {}});
}

std::uint64_t total_bytes(const manifest& m) {
  std::uint64_t n = 0;
  for (const auto& f : m.files) n += f.size;
  return n;
}

/// corruption naming `where` when `got` is not what `want` says.
status compare(const file_entry& want, const digest& got, const std::string& where) {
  if (got.size != want.size)
    return corruption("size mismatch in " + where + ": expected " + std::to_string(want.size) + " bytes, found " +
                      std::to_string(got.size));
  if (got.sha256 != want.sha256)
    return corruption("checksum mismatch in " + where + ": expected sha256 " + want.sha256 + ", found " + got.sha256);
  return status::ok();
}

/// The top-level entries of `path` (relative, '/'-joined).
std::string top_level(const std::string& path) { return path.substr(0, path.find('/')); }

bool is_shard_dir(const std::string& name) {
  return name.starts_with("shard-") && name.size() > 6 &&
         name.find_first_not_of("0123456789", 6) == std::string::npos;
}

/// Entries of an existing `data_dir` (none when it does not exist).
result<std::vector<std::string>> entries_of(const std::string& data_dir) {
  std::error_code ec;
  std::vector<std::string> out;
  if (!fs::exists(data_dir, ec)) return out;
  if (!fs::is_directory(data_dir, ec)) return invalid_argument("data directory " + data_dir + " is not a directory");
  for (const auto& e : fs::directory_iterator(data_dir, ec)) out.push_back(e.path().filename().string());
  if (ec) return io_error("cannot list " + data_dir + ": " + ec.message());
  return out;
}

status check_target(const std::string& data_dir, bool force) {
  auto entries = entries_of(data_dir);
  if (!entries) return std::move(entries).error();
  if (entries->empty() || force) return status::ok();
  return invalid_argument("data directory " + data_dir + " is not empty (it holds '" + entries->front() +
                          "'); pass --force to replace its environments");
}

/// Copies every file into `staging`, checking each against the manifest.
status stage(const std::string& backup_dir, const manifest& m, const std::string& staging, const progress_fn& f) {
  std::error_code ec;
  for (const auto& file : m.files) {
    const std::string to = staging + "/" + file.path;
    fs::create_directories(fs::path(to).parent_path(), ec);
    if (ec) return io_error("create directory for " + to + ": " + ec.message());
    report(f, phase::restore, file.path, 0, file.size, false);
    const auto from = file_location(backup_dir, file);
    auto d = copy_file(from, to, [&](std::uint64_t n) { report(f, phase::restore, file.path, n, file.size, false); });
    if (!d) return std::move(d).error();
    VIGIL_TRY(compare(file, *d, from)); // the backup changed since it was verified
    report(f, phase::restore, file.path, d->size, file.size, true);
  }
  std::set<std::string> dirs;
  for (const auto& file : m.files) dirs.insert(fs::path(staging + "/" + file.path).parent_path().string());
  for (const auto& d : dirs) VIGIL_TRY(sync_dir(d));
  return status::ok();
}

/// What `install` replaces in data_dir: every top-level entry of the backup,
/// with `force` also every shard-NNN directory (a shard the backup lacks
/// would otherwise mix in).
std::set<std::string> replaced(const manifest& m, const std::vector<std::string>& existing, bool force) {
  std::set<std::string> out;
  for (const auto& f : m.files) out.insert(top_level(f.path));
  if (force)
    for (const auto& e : existing)
      if (is_shard_dir(e)) out.insert(e);
  return out;
}

/// Moves the staged entries into `data_dir`, replacing what was there.
status install(const manifest& m, const std::string& data_dir, const std::string& staging, bool force) {
  auto existing = entries_of(data_dir);
  if (!existing) return std::move(existing).error();
  std::error_code ec;
  for (const auto& name : replaced(m, *existing, force)) {
    fs::remove_all(data_dir + "/" + name, ec);
    if (ec) return io_error("remove " + data_dir + "/" + name + ": " + ec.message());
    if (!fs::exists(staging + "/" + name, ec)) continue;
    if (std::rename((staging + "/" + name).c_str(), (data_dir + "/" + name).c_str()) != 0)
      return io_error("rename " + staging + "/" + name + " into " + data_dir);
  }
  fs::remove_all(staging, ec);
  return sync_dir(data_dir);
}

} // namespace

status verify(const std::string& backup_dir, const manifest& m, const progress_fn& f) {
  report(f, phase::plan, "verify", 0, total_bytes(m), false);
  for (const auto& file : m.files) {
    const auto where = file_location(backup_dir, file);
    report(f, phase::verify, file.path, 0, file.size, false);
    auto d = hash_file(where, [&](std::uint64_t n) { report(f, phase::verify, file.path, n, file.size, false); });
    if (!d && d.error().code() == errc::not_found) return corruption(d.error().message());
    if (!d) return std::move(d).error();
    VIGIL_TRY(compare(file, *d, where));
    report(f, phase::verify, file.path, d->size, file.size, true);
  }
  return status::ok();
}

result<restore_result> restore(const restore_options& o) {
  auto dir = resolve(o.from);
  if (!dir) return std::move(dir).error();
  auto m = load_manifest(*dir);
  if (!m) return std::move(m).error();
  VIGIL_TRY(check_target(o.data_dir, o.force));
  VIGIL_TRY(verify(*dir, *m, o.on_progress));
  // Verified: from here on the data directory is written, never under a
  // running node (which holds its lock).
  std::error_code ec;
  fs::create_directories(o.data_dir, ec);
  auto lock = dir_lock::take(o.data_dir, "a running vigil node");
  if (!lock) {
    const bool busy = lock.error().code() == errc::unavailable;
    return status{lock.error().code(), lock.error().message() + (busy ? "; stop the node first" : "")};
  }
  const std::string staging = o.data_dir + "/" + staging_name;
  fs::remove_all(staging, ec); // a crashed restore's leftovers (only reachable with --force)
  fs::create_directories(staging, ec);
  if (ec) return io_error("create directory " + staging + ": " + ec.message());
  report(o.on_progress, phase::plan, "restore", 0, total_bytes(*m), false);
  status st = stage(*dir, *m, staging, o.on_progress);
  if (st.is_ok()) st = install(*m, o.data_dir, staging, o.force);
  if (!st.is_ok()) {
    fs::remove_all(staging, ec);
    return st;
  }
  restore_result r{m->name, *dir, {}, m->shards, m->files.size(), total_bytes(*m)};
  for (const auto& e : m->envs) r.envs.push_back(e.name);
  return r;
}

} // namespace vigil::store::backup
