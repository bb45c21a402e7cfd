// vigil backup / vigil restore: hot backups of a data directory and their
// restore (store/backup.hpp). Progress goes to stderr (a bar on a terminal,
// plus one line per environment or file), the summary line to stdout.
// vigil compact: offline dense rewrite of a stopped node's shards
// (store::compact_dense), one progress line per shard.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>

#include "cli/commands.hpp"
#include "cli/config.hpp"
#include "store/backup.hpp"
#include "store/crypto.hpp"
#include "store/dir_lock.hpp"
#include "store/shard.hpp"

#ifndef VIGIL_VERSION
#define VIGIL_VERSION "0.0.0"
#endif

namespace vigil::cli {

namespace {

namespace bk = store::backup;

int fail(const char* cmd, const std::string& msg) {
  std::fprintf(stderr, "vigil %s: %s\n", cmd, msg.c_str());
  return 1;
}

/// "12.3 MiB" (B, KiB, MiB or GiB).
std::string mib(std::uint64_t bytes) {
  static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  for (; u < 3 && v >= 1024; ++u) v /= 1024;
  char buf[32];
  std::snprintf(buf, sizeof(buf), u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

/// Renders progress reports: on a terminal a bar redrawn at most 10 times a
/// second; always one line per finished item with the overall percentage.
class progress_printer {
public:
  explicit progress_printer(const char* cmd) : cmd_(cmd), tty_(::isatty(STDERR_FILENO) == 1) {}

  void operator()(const bk::progress& p) {
    if (p.what == bk::phase::plan) return start(p);
    if (!p.finished) {
      current_ = std::min(p.done, p.total);
      return draw(p);
    }
    // A copy's total was an upper bound: the real size replaces it.
    total_ = total_ - std::min(total_, p.total) + p.done;
    finished_ += p.done;
    current_ = 0;
    line(describe(p));
  }

private:
  void start(const bk::progress& p) {
    total_ = p.total;
    finished_ = current_ = 0;
    const std::string what = p.item == "backup" ? "starting, " + mib(p.total) + " in use"
                             : p.item == "verify" ? "verifying " + mib(p.total)
                                                  : "writing " + mib(p.total);
    std::fprintf(stderr, "%s%s: %s\n", tty_ ? "\r\033[K" : "", cmd_, what.c_str());
  }

  int percent() const {
    if (total_ == 0) return 100;
    return static_cast<int>(100 * std::min(finished_ + current_, total_) / total_);
  }

  std::string describe(const bk::progress& p) const {
    switch (p.what) {
      case bk::phase::copy: return p.item + " copied " + mib(p.done);
      case bk::phase::reuse: return p.item + " reused from " + p.detail + " (unchanged) " + mib(p.done);
      case bk::phase::verify: return p.item + " ok " + mib(p.done);
      case bk::phase::restore: return p.item + " restored " + mib(p.done);
      default: return p.item;
    }
  }

  void line(const std::string& text) {
    char pct[16];
    std::snprintf(pct, sizeof(pct), " [%3d%%]", percent());
    std::fprintf(stderr, "%s%s: %s%s\n", tty_ ? "\r\033[K" : "", cmd_, text.c_str(), pct);
  }

  void draw(const bk::progress& p) {
    if (!tty_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    const int pct = percent(), width = 30, filled = pct * width / 100;
    std::fprintf(stderr, "\r\033[K[%s%s] %3d%% %s %s", std::string(filled, '#').c_str(),
                 std::string(width - filled, '.').c_str(), pct, p.item.c_str(), mib(p.done).c_str());
    std::fflush(stderr);
  }

  const char* cmd_;
  bool tty_;
  std::uint64_t total_ = 0, finished_ = 0, current_ = 0;
  std::chrono::steady_clock::time_point last_draw_{};
};

/// The data directory: --data-dir, else storage.data_dir of --config (or of
/// the embedded defaults), as `vigil serve` resolves it.
/// With storage.cold.dir, where the shards' cold segments are.
result<std::pair<std::string, std::string>> data_dir_of(const backup_flags& f) {
  auto c = load_config_file(f.config_file);
  if (!c) return std::move(c).error();
  return std::pair{f.data_dir.empty() ? c->node.data_dir : f.data_dir, c->node.cold.dir};
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace

int cmd_backup(const backup_flags& f) {
  auto dir = data_dir_of(f);
  if (!dir) return fail("backup", dir.error().message());
  progress_printer printer("backup");
  auto r = bk::create({dir->first, f.to, VIGIL_VERSION, now_ms(), std::ref(printer), dir->second});
  if (!r) return fail("backup", r.error().message());
  std::size_t reused = 0;
  for (const auto& e : r->envs) reused += e.reused_from.empty() ? 0 : 1;
  std::printf("backup %s complete: %zu environments (%u shards), %zu copied (%s), %zu reused (%s) in %s\n",
              r->name.c_str(), r->envs.size(), r->shards, r->envs.size() - reused, mib(r->bytes_copied).c_str(),
              reused, mib(r->bytes_reused).c_str(), r->dir.c_str());
  return 0;
}

int cmd_restore(const restore_flags& f) {
  progress_printer printer("restore");
  auto r = bk::restore({f.from, f.data_dir, f.force, std::ref(printer)});
  if (!r) return fail("restore", r.error().message());
  std::printf("restore of backup %s complete: %zu environments (%u shards), %zu files, %s verified and written "
              "to %s; start the node with storage.shards: %u\n",
              r->name.c_str(), r->envs.size(), r->shards, r->files, mib(r->bytes).c_str(), f.data_dir.c_str(),
              r->shards);
  return 0;
}

int cmd_compact(const compact_flags& f) {
  auto c = load_config_file(f.config_file);
  if (!c) return fail("compact", c.error().message());
  auto& node = c->node;
  if (!f.data_dir.empty()) node.data_dir = f.data_dir;
  const std::string key_file = f.encryption_key_file.empty() ? c->encryption_key_file : f.encryption_key_file;
  if (!key_file.empty()) {
    auto key = store::load_key_file(key_file);
    if (!key) return fail("compact", key.error().message());
    node.encryption = std::move(*key);
  }
  if (::access(node.data_dir.c_str(), F_OK) != 0) return fail("compact", "no data directory at " + node.data_dir);
  auto lock = store::dir_lock::take(node.data_dir, "a running vigil node");
  if (!lock) {
    const bool busy = lock.error().code() == errc::unavailable;
    return fail("compact", lock.error().message() + (busy ? "; stop the node first" : ""));
  }
  if (auto from = resolve_shard_count(node); !from) return fail("compact", from.error().message());
  std::uint64_t before = 0, after = 0;
  std::size_t shards = 0, sealed = 0;
  for (std::uint32_t id = 0; id < node.shard_count; ++id) {
    store::shard_options so;
    so.dir = node.shard_dir(id);
    if (::access((so.dir + "/data.mdb").c_str(), F_OK) != 0) continue; // a peer's shard, or none yet
    so.map_size = node.map_size;
    so.encryption = node.encryption;
    so.cold = node.cold;
    so.cold.dir = node.cold_dir(id);
    so.cold.alt_dir = so.dir + "/cold";
    so.compact_min_bytes = 0; // compact_dense does more
    auto r = store::compact_dense(so);
    if (!r) return fail("compact", r.error().message());
    ++shards;
    before += r->bytes_before;
    after += r->bytes_after;
    sealed += r->sealed;
    std::fprintf(stderr, "compact: shard-%03u %s -> %s (%zu open chunks sealed) [%3u%%]\n", id,
                 mib(r->bytes_before).c_str(), mib(r->bytes_after).c_str(), r->sealed,
                 (id + 1) * 100 / node.shard_count);
  }
  std::printf("compact of %s complete: %zu shards, %s -> %s, %zu open chunks sealed\n", node.data_dir.c_str(), shards,
              mib(before).c_str(), mib(after).c_str(), sealed);
  return 0;
}

} // namespace vigil::cli
