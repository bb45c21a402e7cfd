// store/shard_retention.cpp - shard::retention_step: deletes chunks past
// their series' retention, a bounded number of series per transaction.
#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "store/chunk.hpp"
#include "store/chunk_io.hpp"
#include "store/keys.hpp"
#include "store/shard.hpp"
#include "store/shard_impl.hpp"
#include "store/shard_rollup.hpp"

namespace vigil::store {

namespace {

/// Deletes the chunks of `ref` whose max_t < cutoff (they come first: a
/// series' chunks are ordered and disjoint, its open chunk in `heads` last).
/// Sets *emptied when none is left.
status delete_old_chunks(lmdb::txn& t, const schema& db, series_ref ref, timestamp_ms cutoff,
                         retention_progress& p, bool* emptied) {
  auto c = lmdb::cursor::open(t, db.chunks);
  if (!c) return std::move(c).error();
  auto at = c->seek(make_chunk_key(ref, std::numeric_limits<timestamp_ms>::min()));
  if (!at) return std::move(at).error();
  *emptied = true;
  std::vector<chunk_key> doomed;
  std::vector<std::uint8_t> plain; // a decrypted record (encrypted stores: max_t is inside)
  for (; *at; at = c->move(MDB_NEXT)) {
    series_ref r = 0;
    timestamp_ms start = 0;
    if (!decode_chunk_key(c->key(), &r, &start) || r != ref) break;
    auto rec = read_chunk_record(db, c->key(), c->value(), plain);
    if (!rec) return corruption("chunk (series " + std::to_string(ref) + ", t " + std::to_string(start) +
                                "): " + rec.error().message());
    if (rec->max_t >= cutoff) {
      *emptied = false;
      break;
    }
    doomed.push_back(make_chunk_key(ref, start));
  }
  if (!at) return std::move(at).error();
  for (const auto& k : doomed) VIGIL_TRY(t.del(db.chunks, k));
  p.chunks_deleted += doomed.size();
  if (!*emptied) return status::ok();
  // Every record went: the open chunk (newer than all of them) decides.
  lmdb::bytes v;
  const ref_key rk = make_ref_key(ref);
  auto got = t.get(db.heads, rk, &v);
  if (got.code() == errc::not_found) return status::ok();
  if (!got) return got;
  timestamp_ms start = 0;
  auto rec = read_head_record(db, ref, v, plain, &start);
  if (!rec) return corruption("open chunk of series " + std::to_string(ref) + ": " + rec.error().message());
  if (rec->max_t >= cutoff) {
    *emptied = false;
    return status::ok();
  }
  VIGIL_TRY(t.del(db.heads, rk));
  ++p.chunks_deleted;
  return status::ok();
}

} // namespace

result<retention_progress> shard::retention_step(const retention_policy& policy, timestamp_ms now,
                                                 series_ref from, std::size_t max_series) {
  impl& s = *impl_;
  retention_progress p;
  if (policy.keeps_everything()) return p;
  if (s.group) return unavailable("retention: the open write group must be committed first");
  if (from == 0) VIGIL_TRY(expire_cold(s, policy, now, p));
  const auto cold = s.cold_now(); // taken before the txn: a series in it keeps its index entry
  auto t = lmdb::txn::begin(s.env, false);
  if (!t) return std::move(t).error();
  auto fail = [&](status st) -> result<retention_progress> {
    s.abort_write(*t);
    return st;
  };
  // Retention decides by the records' newest samples: they must hold
  // every logged sample.
  if (auto st = s.prepare_maintenance(*t); !st) return fail(st);
  // The cursor is closed before the transaction ends (also on errors):
  // LMDB frees a write transaction's cursors when it commits or aborts.
  std::vector<std::pair<series_ref, labels>> batch;
  status scan;
  {
    auto c = lmdb::cursor::open(*t, s.db.series);
    if (!c) return fail(std::move(c).error());
    auto at = c->seek(make_ref_key(from));
    while (scan.is_ok()) {
      if (!at) {
        scan = std::move(at).error();
        break;
      }
      if (!*at || batch.size() >= std::max<std::size_t>(max_series, 1)) {
        p.next = *at ? get_u64_be(c->key().data()) : 0;
        break;
      }
      const series_ref ref = get_u64_be(c->key().data());
      auto ls = s.index.labels_of(*t, ref);
      if (!ls) {
        scan = std::move(ls).error();
        break;
      }
      batch.emplace_back(ref, std::move(*ls));
      at = c->move(MDB_NEXT);
    }
  }
  if (!scan) return fail(scan);
  for (const auto& [ref, ls] : batch) {
    const timestamp_ms keep = policy.keep_for(ls);
    if (keep <= 0) continue;
    bool emptied = false;
    const std::uint64_t before = p.chunks_deleted;
    if (auto st = delete_old_chunks(*t, s.db, ref, now - keep, p, &emptied); !st) return fail(st);
    if (emptied && cold->contains(ref)) emptied = false; // its older samples are in the cold tier
    if (s.rollups.enabled() && p.chunks_deleted > before)
      if (auto st = trim_rollups(*t, s.db, s.rollups, ref, emptied); !st) return fail(st);
    // Windows of data that left with an expired cold segment (no chunk
    // deletion tells of those): up to the end of the segment's data.
    if (auto it = s.cold_trim.find(ref); it != s.cold_trim.end()) {
      if (s.rollups.enabled() && !emptied)
        if (auto st = trim_rollups_before(*t, s.db, s.rollups, ref, it->second); !st) return fail(st);
      s.cold_trim.erase(it);
    }
    if (!emptied) continue;
    if (auto st = s.index.remove(*t, ref, ls); !st) return fail(st);
    s.hd.forget(ls);
    ++p.series_deleted;
  }
  if (auto st = t->commit(); !st) return fail(st);
  s.after_commit();
  // The deleted records held every logged sample (checkpointed above): what
  // readers still see of those would bring expired samples back.
  if (p.chunks_deleted > 0) s.unflushed.clear_if_unpinned();
  return p;
}

} // namespace vigil::store
