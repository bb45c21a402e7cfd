// store/shard.cpp - the shard facade: open, append, sync, stats. The read
// side (select, label queries) is in shard_query.cpp.
#include "store/shard.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <limits>

#include "store/chunk_reader.hpp"
#include "store/shard_impl.hpp"
#include "store/shard_rollup.hpp"

namespace vigil::store {

namespace {

/// The shard count recorded in `meta` (0: none) or corruption.
result<std::uint32_t> recorded_shard_count(const lmdb::txn& t, MDB_dbi meta, const std::string& name) {
  lmdb::bytes v;
  status st = t.get(meta, lmdb::as_bytes(meta_shard_count_key), &v);
  if (st.code() == errc::not_found) return std::uint32_t{0};
  if (!st) return st;
  if (v.size() != 5 || v[0] != 1) return corruption(name + ": meta shard_count: malformed record");
  return static_cast<std::uint32_t>(v[1]) << 24 | static_cast<std::uint32_t>(v[2]) << 16 |
         static_cast<std::uint32_t>(v[3]) << 8 | static_cast<std::uint32_t>(v[4]);
}

status shard_count_mismatch(const std::string& name, std::uint32_t recorded, std::uint32_t configured) {
  return invalid_argument(name + " was written by a node of " + std::to_string(recorded) +
                          " shards, but storage.shards is " + std::to_string(configured) +
                          ": series are placed on shards by a hash of their labels modulo the shard count, so "
                          "another count would hide stored series; start with storage.shards: " +
                          std::to_string(recorded));
}

/// Records opts.shard_count in a shard without one, or checks it.
status record_shard_count(lmdb::env& env, const schema& db, const shard_options& opts) {
  if (opts.shard_count == 0) return status::ok();
  auto r = lmdb::txn::begin(env, true);
  if (!r) return std::move(r).error();
  auto have = recorded_shard_count(*r, db.meta, name_of(opts));
  if (!have) return std::move(have).error();
  r->abort();
  if (*have != 0) return *have == opts.shard_count ? status::ok() : shard_count_mismatch(name_of(opts), *have, opts.shard_count);
  auto w = lmdb::txn::begin(env, false);
  if (!w) return std::move(w).error();
  const std::uint32_t n = opts.shard_count;
  const std::uint8_t rec[5] = {1, static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
                               static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
  VIGIL_TRY(w->put(db.meta, lmdb::as_bytes(meta_shard_count_key), lmdb::bytes(rec, sizeof(rec))));
  return w->commit();
}

} // namespace

shard::shard(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

shard::~shard() {
  // A clean close leaves nothing to replay (and an older build, which knows
  // no log, nothing to miss). Failure here only means a replay at open.
  if (impl_ && !impl_->group) (void)checkpoint();
}


result<std::unique_ptr<shard>> shard::open(const shard_options& opts) {
  if (opts.compact_min_bytes > 0) VIGIL_TRY(compact_if_sparse(opts, opts.compact_min_bytes));
  auto e = lmdb::env::open(opts.dir, env_options_of(opts));
  if (!e) return std::move(e).error();
  std::unique_ptr<cipher> crypt;
  if (opts.encryption) crypt = std::make_unique<cipher>(*opts.encryption);
  auto db = open_schema(*e, crypt.get(), name_of(opts));
  if (!db) return std::move(db).error();
  VIGIL_TRY(record_shard_count(*e, *db, opts));
  auto p = std::make_unique<impl>(std::move(*e), std::move(crypt), *db);
  p->out_of_order_window_ms = opts.out_of_order_window_ms;
  VIGIL_TRY(opts.rollups.validate());
  p->rollups = opts.rollups;
  p->index.set_limits({opts.max_series_per_metric, opts.max_series_per_service, opts.service_label});
  auto t = lmdb::txn::begin(p->env, true);
  if (!t) return std::move(t).error();
  VIGIL_TRY(p->index.load(*t));
  auto logged = t->stat(p->db.wal);
  if (!logged) return std::move(logged).error();
  t->abort();
  p->checkpoint_samples = opts.checkpoint_samples;
  p->sweep_slice = opts.checkpoint_slice_series;
  if (logged->ms_entries > 0) { // not checkpointed before the process ended: replay
    auto w = lmdb::txn::begin(p->env, false);
    if (!w) return std::move(w).error();
    if (auto st = p->hd.replay(*w, p->index); !st) return status{st.code(), name_of(opts) + ": " + st.message()};
    VIGIL_TRY(w->commit());
    p->after_commit();
  }
  if (auto st = load_cold(*p, opts.cold); !st) return status{st.code(), name_of(opts) + ": " + st.message()};
  return std::unique_ptr<shard>(new shard(std::move(p)));
}

status shard::check_shard_count(const shard_options& opts) {
  std::error_code ec;
  if (opts.shard_count == 0 || !std::filesystem::exists(std::filesystem::path(opts.dir) / "data.mdb", ec))
    return status::ok();
  auto e = lmdb::env::open(opts.dir, env_options_of(opts));
  if (!e) return std::move(e).error();
  auto t = lmdb::txn::begin(*e, true);
  if (!t) return std::move(t).error();
  MDB_dbi meta = 0;
  if (int rc = mdb_dbi_open(t->get(), "meta", 0, &meta); rc == MDB_NOTFOUND) return status::ok();
  else if (rc != MDB_SUCCESS) return lmdb::to_status(rc, "open sub-database meta");
  auto have = recorded_shard_count(*t, meta, name_of(opts));
  if (!have) return std::move(have).error();
  if (*have != 0 && *have != opts.shard_count) return shard_count_mismatch(name_of(opts), *have, opts.shard_count);
  return status::ok();
}

result<std::uint32_t> shard::read_recorded_shard_count(const shard_options& opts) {
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::path(opts.dir) / "data.mdb", ec)) return std::uint32_t{0};
  auto e = lmdb::env::open(opts.dir, env_options_of(opts));
  if (!e) return std::move(e).error();
  auto t = lmdb::txn::begin(*e, true);
  if (!t) return std::move(t).error();
  MDB_dbi meta = 0;
  if (int rc = mdb_dbi_open(t->get(), "meta", 0, &meta); rc == MDB_NOTFOUND) return std::uint32_t{0};
  else if (rc != MDB_SUCCESS) return lmdb::to_status(rc, "open sub-database meta");
  return recorded_shard_count(*t, meta, name_of(opts));
}

status shard::check_encryption(const shard_options& opts) {
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::path(opts.dir) / "data.mdb", ec)) return status::ok();
  auto e = lmdb::env::open(opts.dir, env_options_of(opts));
  if (!e) return std::move(e).error();
  return check_schema_encryption(*e, opts.encryption ? &*opts.encryption : nullptr, name_of(opts));
}

result<append_stats> shard::append(const write_batch& batch, timestamp_ms now) {
  auto stats = append_to_group(batch, now);
  if (!stats) return stats;
  VIGIL_TRY(commit_group());
  return stats;
}

result<append_stats> shard::append_to_group(const write_batch& batch, timestamp_ms now) {
  impl& s = *impl_;
  if (batch.sample_count() == 0) return append_stats{}; // no txn, no fsync
  for (const auto& item : batch.items)
    if (!item.samples.empty() && !s.hd.holds(item.lbls)) VIGIL_TRY(series_index::validate(item.lbls)); // held: checked when loaded
  const timestamp_ms window = s.out_of_order_window_ms;
  s.hd.set_min_time(window > 0 && now > 0 ? now - window : std::numeric_limits<timestamp_ms>::min());
  if (!s.group) {
    auto t = lmdb::txn::begin(s.env, false);
    if (!t) return std::move(t).error();
    s.group.emplace(std::move(*t));
    // A checkpoint costs ~500 bytes of `heads` pages per series, so its
    // share of a commit's latency falls with the samples per series between
    // two; the log and the readers' copy of it grow with them. 8 to 64 per
    // series, at most ~128k a shard beyond 8 (~6 MB of readers' copy).
    const std::uint64_t series = s.hd.size();
    const std::uint64_t every =
        s.checkpoint_samples > 0
            ? s.checkpoint_samples
            : std::max<std::uint64_t>({std::uint64_t{1} << 12, 8 * series, std::min<std::uint64_t>(64 * series, 1u << 17)});
    status st = s.prepare_write(*s.group);
    // The checkpoint is a sweep: each group writes a slice of the open
    // chunks (a 64th of them, at least 256) so that no commit stalls on all.
    if (st.is_ok() && (s.hd.sweeping() || s.logged_since_checkpoint >= every)) {
      const std::size_t slice = std::max<std::size_t>(256, (s.hd.sweeping() ? s.hd.sweep_left() : s.hd.dirty()) / 64 + 1);
      if (auto n = s.hd.checkpoint_step(*s.group, s.sweep_slice ? s.sweep_slice : slice); !n) st = std::move(n).error();
    }
    if (!st) {
      s.abort_group();
      return st;
    }
  }
  auto stats = s.hd.append(*s.group, s.index, batch);
  if (!stats) {
    s.abort_group();
    return stats;
  }
  s.group_samples += stats->appended;
  if (auto st = invalidate_rollups(batch, now); !st) {
    s.abort_group();
    return st;
  }
  return stats;
}

status shard::invalidate_rollups(const write_batch& batch, timestamp_ms now) {
  impl& s = *impl_;
  if (!s.rollups.enabled()) return status::ok();
  // Rolled windows end before `now - min_after` (the pass's now is earlier
  // than this one): only samples older than that can land in one. now = 0
  // (unknown): every series is checked.
  const timestamp_ms horizon = now > 0 ? now - s.rollups.min_after() : std::numeric_limits<timestamp_ms>::max();
  for (const auto& item : batch.items) {
    if (item.samples.empty()) continue;
    timestamp_ms oldest = item.samples.front().t;
    for (const auto& x : item.samples) oldest = std::min(oldest, x.t);
    if (oldest >= horizon) continue;
    auto ref = s.index.find(*s.group, item.lbls, item.lbls.hash());
    if (!ref) {
      if (ref.error().code() == errc::not_found) continue; // rejected by a limit: nothing written
      return std::move(ref).error();
    }
    VIGIL_TRY(lower_rollup_marks(*s.group, s.db, s.rollups, *ref, oldest));
  }
  return status::ok();
}

status shard::commit_group() {
  impl& s = *impl_;
  if (!s.group) return status::ok();
  status st = s.index.flush(*s.group);
  // Readers whose snapshots hold this txn wait until its logged samples
  // are published (store/unflushed.hpp).
  const std::uint64_t id = mdb_txn_id(s.group->get());
  const bool announced = st.is_ok() && !s.hd.logged().empty();
  if (announced) s.unflushed.begin_commit(id);
  if (st.is_ok()) st = s.group->commit();
  if (!st.is_ok()) {
    if (announced) s.unflushed.end_commit();
    s.abort_group();
    return st;
  }
  s.group.reset();
  s.after_commit(id);
  s.samples_appended += s.group_samples;
  s.group_samples = 0;
  return status::ok();
}

bool shard::group_open() const noexcept { return impl_->group.has_value(); }

std::uint64_t shard::group_samples() const noexcept { return impl_->group_samples; }

status shard::sync() { return impl_->env.sync(); }

status shard::checkpoint() {
  impl& s = *impl_;
  if (s.group) return unavailable("checkpoint: the open write group must be committed first");
  if (!s.hd.needs_replay() && s.hd.dirty() == 0) {
    // Every logged sample is in committed records: readers' copies go as
    // soon as no reader needs them.
    s.unflushed.prune();
    return status::ok();
  }
  auto t = lmdb::txn::begin(s.env, false);
  if (!t) return std::move(t).error();
  status st = s.prepare_maintenance(*t);
  if (st.is_ok()) st = t->commit();
  if (!st) {
    s.abort_write(*t);
    return st;
  }
  s.after_commit();
  return status::ok();
}

result<std::size_t> shard::seal_open_chunks(timestamp_ms before) {
  impl& s = *impl_;
  if (s.group) return unavailable("seal: the open write group must be committed first");
  auto t = lmdb::txn::begin(s.env, false);
  if (!t) return std::move(t).error();
  status st = s.prepare_write(*t);
  result<std::size_t> n = st.is_ok() ? s.hd.seal_open_chunks(*t, before) : result<std::size_t>(st);
  if (n) st = t->commit();
  if (!n || !st) {
    s.abort_write(*t);
    if (!n) return n;
    return st;
  }
  s.after_commit();
  return n;
}

std::uint64_t shard::checkpoints() const noexcept { return impl_->checkpoints; }

shard_stats shard::stats() const {
  const impl& s = *impl_;
  shard_stats out;
  out.samples_appended = s.samples_appended;
  out.bytes_on_disk = s.env.used_bytes();
  out.sealed_samples = s.hd.sealer().sealed_samples();
  out.sealed_bytes = s.hd.sealer().sealed_bytes();
  const auto cold = s.cold_now();
  out.cold_segments = cold->segments.size();
  out.cold_bytes = cold->bytes();
  out.cold_records_moved = s.cold_records_moved;
  out.checkpoints = s.checkpoints;
  out.unflushed_samples = s.unflushed.size();
  auto t = lmdb::txn::begin(s.env, true);
  if (!t) return out;
  if (auto n = s.index.count(*t)) out.series = *n;
  if (auto st = t->stat(s.db.rollups)) out.rollup_records = st->ms_entries;
  out.rollup_reads = s.rollup_reads.load();
  if (auto r = chunk_reader::open(*t, s.db))
    if (auto n = r->count()) out.chunks = *n + s.hd.unrecorded(); // open chunks only in the log count too
  return out;
}

} // namespace vigil::store
