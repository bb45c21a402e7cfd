#include "store/head.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <limits>
#include <string>

#include "store/chunk.hpp"
#include "store/chunk_io.hpp"
#include "store/keys.hpp"

namespace vigil::store {

struct head::memseries {
  memseries(std::uint64_t h, labels l, series_ref r) : hash(h), lbls(std::move(l)), ref(r) {}
  memseries(const memseries&) = delete; // `app` points into `chunk`
  memseries& operator=(const memseries&) = delete;

  std::uint64_t hash;
  labels lbls;
  series_ref ref;
  timestamp_ms chunk_start = 0;
  std::vector<std::uint8_t> chunk;  ///< open chunk's XOR bytes
  std::optional<xor_appender> app;  ///< empty: no open chunk yet
  std::uint64_t epoch = 0;          ///< last transaction that touched this series
  bool dirty = false;               ///< chunk changed since its record was written
  bool must_write = false;          ///< changed in a way the log does not hold (a merge)
  bool listed = false;              ///< in head::dirty_
  bool recorded = false;            ///< the open chunk has a `heads` record (maybe older than the chunk)
  /// A `chunks` record under (ref, this) that the open chunk was loaded
  /// from (a sealed last record, or an open chunk a build before `heads`
  /// wrote): deleted when the open chunk is written to `heads`.
  std::optional<timestamp_ms> sealed_key;
};

head::head(const schema& s, chunk_limits limits) : db_(s), limits_(limits), sealer_(s, limits) {}

head::~head() = default;

head::memseries* head::lookup(std::uint64_t hash, const labels& ls) const {
  return series_.find(hash, [&ls](const memseries& s) { return s.lbls == ls; });
}

head::memseries* head::insert(std::uint64_t hash, const labels& ls, series_ref ref) {
  return series_.insert(hash, std::make_unique<memseries>(hash, ls, ref));
}

void head::erase(memseries* s) {
  if (s->listed) std::erase(dirty_, s);
  if (sweeping_)
    if (auto it = std::find(sweep_.begin(), sweep_.end(), s); it != sweep_.end()) {
      if (static_cast<std::size_t>(it - sweep_.begin()) < sweep_pos_) --sweep_pos_;
      sweep_.erase(it);
    }
  series_.erase(s->hash, s);
}

void head::mark_dirty(memseries& s) {
  s.dirty = true;
  if (!s.listed) {
    s.listed = true;
    dirty_.push_back(&s);
  }
}

result<head::memseries*> head::get_or_load(lmdb::txn& t, series_index& index, const labels& ls,
                                           append_stats& stats) {
  const std::uint64_t hash = ls.hash();
  if (memseries* s = lookup(hash, ls)) return s;
  VIGIL_TRY(series_index::validate(ls));
  auto ref = index.find(t, ls, hash);
  if (!ref && ref.error().code() != errc::not_found) return std::move(ref).error();
  const bool fresh = !ref;
  if (fresh) {
    if (auto why = index.over_limit(t, ls); !why.empty()) {
      if (stats.limit_error.empty()) stats.limit_error = std::move(why);
      return nullptr; // not created: the caller counts its samples as limited
    }
    ref = index.create(t, ls, hash);
    if (!ref) return std::move(ref).error();
    ++stats.new_series;
  }
  memseries* s = insert(hash, ls, *ref);
  s->epoch = epoch_;
  touched_.push_back(s); // erased again if the txn aborts
  if (!fresh) VIGIL_TRY(load_last_chunk(t, *s));
  return s;
}

status head::load_last_chunk(lmdb::txn& t, memseries& s) {
  // The open chunk is in `heads`; without one, the series' last record in
  // `chunks` (a sealed chunk, or an open one a build before `heads` wrote)
  // becomes the open chunk.
  lmdb::bytes hv;
  const ref_key rk = make_ref_key(s.ref);
  if (auto got = t.get(db_.heads, rk, &hv); got.is_ok()) {
    timestamp_ms start = 0;
    auto rec = read_head_record(db_, s.ref, hv, plain_, &start);
    const std::string where = "open chunk (series " + std::to_string(s.ref) + "): ";
    if (!rec) return corruption(where + rec.error().message());
    if (rec->encoding != chunk_encoding::xor_v1) return corruption(where + "not an XOR chunk");
    s.chunk.reserve(std::max(defaults::chunk_reserve_bytes, rec->payload.size()));
    s.chunk.assign(rec->payload.begin(), rec->payload.end());
    auto app = xor_appender::resume(s.chunk);
    if (!app) return corruption(where + app.error().message());
    if (app->count() == 0 || app->last_t() != rec->max_t)
      return corruption(where + "max time in the header disagrees with the samples");
    s.app.emplace(std::move(*app));
    s.chunk_start = start;
    s.recorded = true;
    return status::ok();
  } else if (got.code() != errc::not_found) {
    return got;
  }
  auto c = lmdb::cursor::open(t, db_.chunks);
  if (!c) return std::move(c).error();
  const chunk_key after = make_chunk_key(s.ref + 1, std::numeric_limits<timestamp_ms>::min());
  auto at = c->seek(after);
  if (at) at = *at ? c->move(MDB_PREV) : c->move(MDB_LAST);
  if (!at) return std::move(at).error();
  series_ref ref = 0;
  timestamp_ms start = 0;
  if (!*at || !decode_chunk_key(c->key(), &ref, &start) || ref != s.ref) return status::ok(); // no chunks
  const std::string where = "chunk (series " + std::to_string(s.ref) + ", t " + std::to_string(start) + "): ";
  auto rec = read_chunk_record(t, db_, c->key(), c->value(), plain_);
  if (!rec) return corruption(where + rec.error().message());
  if (rec->encoding != chunk_encoding::xor_v1) {
    chunk_iterator it;
    it.reset(*rec);
    s.app.emplace(xor_appender::create(s.chunk));
    while (it.next() && s.app->count() < xor_chunk_max_samples) s.app->append(it.t(), it.at().v);
    if (!it.err().is_ok()) {
      s.app.reset();
      return corruption(where + it.err().message());
    }
  } else {
    s.chunk.reserve(std::max(defaults::chunk_reserve_bytes, rec->payload.size()));
    s.chunk.assign(rec->payload.begin(), rec->payload.end());
    auto app = xor_appender::resume(s.chunk);
    if (!app) return corruption(where + app.error().message());
    s.app.emplace(std::move(*app));
  }
  auto* app = &*s.app;
  if (app->count() == 0 || app->last_t() != rec->max_t) {
    s.app.reset();
    return corruption(where + "max time in the header disagrees with the samples");
  }
  s.chunk_start = start;
  s.sealed_key = start;
  s.recorded = false;
  mark_dirty(s); // moves to `heads` at the next write of the open chunk
  return status::ok();
}

bool head::needs_cut(const memseries& s, timestamp_ms t) const noexcept {
  const auto span = static_cast<std::uint64_t>(t) - static_cast<std::uint64_t>(s.chunk_start);
  return s.app->count() >= limits_.max_samples || s.chunk.size() >= limits_.max_bytes ||
         span >= static_cast<std::uint64_t>(limits_.max_span_ms);
}

status head::write_chunk(lmdb::txn& t, memseries& s) {
  VIGIL_TRY(put_head_record(t, db_, s.ref, s.chunk_start, s.app->last_t(), s.chunk, record_));
  if (s.sealed_key) { // the record it was loaded from: the open chunk holds its samples
    auto st = t.del(db_.chunks, make_chunk_key(s.ref, *s.sealed_key));
    if (!st && st.code() != errc::not_found) return st;
    s.sealed_key.reset();
  }
  s.dirty = false;
  s.must_write = false;
  s.recorded = true;
  covered_.push_back(s.ref);
  return status::ok();
}

status head::append_samples(lmdb::txn& t, memseries& s, const std::vector<sample>& samples,
                            append_stats& stats) {
  late_.clear();
  for (const sample& x : samples) {
    const bool open = s.app.has_value() && s.app->count() > 0;
    if (open && x.t <= s.app->last_t()) {
      if (x.t < min_time_) ++stats.out_of_order;
      else if (x.t == s.app->last_t() && std::bit_cast<std::uint64_t>(x.v) == s.app->state().v_bits)
        ++stats.duplicates; // a retried batch: nothing to rewrite
      else late_.push_back(x);
      continue;
    }
    if (!open || needs_cut(s, x.t)) {
      if (open) {
        // The sealer writes the sealed chunk under (ref, start) or joins it to
        // the previous record (deleting one under (ref, start)); the open
        // chunk's `heads` record goes.
        VIGIL_TRY(sealer_.seal(t, s.ref, s.chunk_start, s.chunk, s.app->count(), false));
        covered_.push_back(s.ref); // every sample it logged before this one is in the sealed record
        if (s.recorded) {
          auto st = t.del(db_.heads, make_ref_key(s.ref));
          if (!st && st.code() != errc::not_found) return st;
        }
        s.sealed_key.reset();
        s.dirty = false;
      }
      if (s.chunk.capacity() < defaults::chunk_reserve_bytes) s.chunk.reserve(defaults::chunk_reserve_bytes);
      s.app.emplace(xor_appender::create(s.chunk));
      s.chunk_start = x.t;
      s.recorded = false;
    }
    s.app->append(x.t, x.v);
    mark_dirty(s);
    logged_.push_back({s.ref, x.t, x.v});
    ++stats.appended;
  }
  if (!late_.empty()) VIGIL_TRY(merge_late(t, s, late_, stats));
  return status::ok();
}

namespace {

/// Merges `late` (ascending, unique times) into `cur` (ascending): at an
/// equal time the late sample wins. Counts what changed.
void merge_samples(const std::vector<sample>& cur, const sample* first, const sample* last,
                   std::vector<sample>& out, append_stats& stats) {
  out.clear();
  out.reserve(cur.size() + static_cast<std::size_t>(last - first));
  auto c = cur.begin();
  for (const sample* l = first; l != last; ++l) {
    while (c != cur.end() && c->t < l->t) out.push_back(*c++);
    if (c != cur.end() && c->t == l->t) {
      if (std::bit_cast<std::uint64_t>(c->v) == std::bit_cast<std::uint64_t>(l->v)) ++stats.duplicates;
      else ++stats.appended; // overwritten: the last write wins
      ++c;
    } else {
      ++stats.appended;
    }
    out.push_back(*l);
  }
  out.insert(out.end(), c, cur.end());
}

/// Decodes every sample of the chunk record `record` stored under `key`.
status decode_all(const lmdb::txn& t, const schema& db, const chunk_key& key, std::span<const std::uint8_t> record,
                  std::vector<std::uint8_t>& scratch, std::vector<sample>& out) {
  auto rec = read_chunk_record(t, db, key, record, scratch);
  if (!rec) return std::move(rec).error();
  chunk_iterator it;
  it.reset(*rec);
  out.clear();
  while (it.next()) out.push_back(it.at());
  return it.err();
}

} // namespace

status head::merge_late(lmdb::txn& t, memseries& s, std::vector<sample>& late, append_stats& stats) {
  // Ascending; of equal times the last one written wins.
  std::stable_sort(late.begin(), late.end(), [](const sample& a, const sample& b) { return a.t < b.t; });
  std::size_t w = 0;
  for (std::size_t r = 0; r < late.size(); ++r) {
    if (w > 0 && late[w - 1].t == late[r].t) late[w - 1] = late[r];
    else late[w++] = late[r];
  }
  late.resize(w);
  // The sealed chunks are those before the open one; each late sample goes to
  // the chunk with the largest start <= its time (the first chunk when it is
  // older than all of them), so chunks stay ordered and disjoint.
  auto c = lmdb::cursor::open(t, db_.chunks);
  if (!c) return std::move(c).error();
  const sample* p = late.data();
  const sample* const end = late.data() + late.size();
  while (p != end) {
    if (p->t >= s.chunk_start) return merge_into_open(t, s, p, end, stats);
    // The sealed chunk covering p->t: the last key <= (ref, p->t), else the
    // series' first chunk.
    auto at = c->seek(make_chunk_key(s.ref, p->t));
    if (!at) return std::move(at).error();
    series_ref ref = 0;
    timestamp_ms start = 0;
    bool found = *at && decode_chunk_key(c->key(), &ref, &start) && ref == s.ref && start == p->t;
    if (!found) {
      auto prev = *at ? c->move(MDB_PREV) : c->move(MDB_LAST);
      if (!prev) return std::move(prev).error();
      found = *prev && decode_chunk_key(c->key(), &ref, &start) && ref == s.ref;
      if (!found) { // older than every chunk: the series' first one
        auto first = c->seek(make_chunk_key(s.ref, std::numeric_limits<timestamp_ms>::min()));
        if (!first) return std::move(first).error();
        found = *first && decode_chunk_key(c->key(), &ref, &start) && ref == s.ref;
      }
    }
    if (!found || start >= s.chunk_start) return merge_into_open(t, s, p, end, stats); // only the open chunk
    // Samples before the next chunk's start belong to this one.
    timestamp_ms next_start = s.chunk_start;
    auto nx = c->seek(make_chunk_key(s.ref, start));
    if (!nx) return std::move(nx).error();
    if (*nx) {
      auto n2 = c->move(MDB_NEXT);
      if (!n2) return std::move(n2).error();
      series_ref r2 = 0;
      timestamp_ms s2 = 0;
      if (*n2 && decode_chunk_key(c->key(), &r2, &s2) && r2 == s.ref && s2 < next_start) next_start = s2;
    }
    const sample* q = p;
    while (q != end && q->t < next_start) ++q;
    VIGIL_TRY(merge_into_sealed(t, s, start, p, q, stats));
    p = q;
  }
  return status::ok();
}

status head::merge_into_sealed(lmdb::txn& t, memseries& s, timestamp_ms start, const sample* first,
                               const sample* last, append_stats& stats) {
  const chunk_key key = make_chunk_key(s.ref, start);
  lmdb::bytes val;
  VIGIL_TRY(t.get(db_.chunks, key, &val));
  std::vector<sample> cur;
  if (auto st = decode_all(t, db_, key, val, plain_, cur); !st)
    return corruption("chunk (series " + std::to_string(s.ref) + ", t " + std::to_string(start) + "): " +
                      st.message());
  merge_samples(cur, first, last, merged_, stats);
  VIGIL_TRY(t.del(db_.chunks, key));
  return sealer_.write(t, s.ref, merged_);
}

status head::merge_into_open(lmdb::txn& t, memseries& s, const sample* first, const sample* last,
                             append_stats& stats) {
  std::vector<sample> cur;
  if (s.app && s.app->count() > 0) {
    xor_iterator it(s.chunk);
    while (it.next()) cur.push_back(it.at());
    VIGIL_TRY(it.err());
  }
  merge_samples(cur, first, last, merged_, stats);
  // A `chunks` record it was loaded from goes when its first time changes
  // (its `heads` record is rewritten in any case).
  if (s.sealed_key && merged_.front().t != *s.sealed_key) {
    auto st = t.del(db_.chunks, make_chunk_key(s.ref, *s.sealed_key));
    if (!st && st.code() != errc::not_found) return st;
    s.sealed_key.reset();
  }
  // Past twice the sample limit, all but the last limit's worth become
  // sealed chunks.
  const std::size_t keep = std::min<std::size_t>(limits_.max_samples, xor_chunk_max_samples / 2);
  std::size_t from = 0;
  if (merged_.size() > 2 * keep) {
    from = merged_.size() - keep;
    std::vector<sample> sealed(merged_.begin(), merged_.begin() + static_cast<std::ptrdiff_t>(from));
    VIGIL_TRY(sealer_.write(t, s.ref, sealed));
    s.sealed_key.reset(); // a record under that key now holds sealed samples
  }
  s.app.emplace(xor_appender::create(s.chunk));
  for (std::size_t k = from; k < merged_.size(); ++k) s.app->append(merged_[k].t, merged_[k].v);
  s.chunk_start = merged_[from].t;
  mark_dirty(s);
  s.must_write = true; // the log holds appends only
  return status::ok();
}

result<append_stats> head::append(lmdb::txn& t, series_index& index, const write_batch& batch) {
  append_stats stats;
  // The series of a batch are scattered over memory: each one's label set
  // (its hash), table slot, the series itself and the end of its open chunk
  // are fetched a few series ahead of its turn, so that the misses overlap
  // instead of stalling the appends one after another (a batch decoded on
  // another thread is in none of this core's caches).
  const auto& items = batch.items;
  constexpr std::size_t labels_ahead = 40, slot_ahead = 28, series_ahead = 16, chunk_ahead = 6;
  auto warm = [&](std::size_t i) {
    if (i + labels_ahead < items.size()) items[i + labels_ahead].lbls.prefetch();
    if (i + slot_ahead < items.size()) series_.prefetch_slot(items[i + slot_ahead].lbls.hash());
    if (i + series_ahead < items.size()) series_.prefetch_value(items[i + series_ahead].lbls.hash());
    if (i + chunk_ahead < items.size())
      if (const memseries* s = series_.first_with_hash(items[i + chunk_ahead].lbls.hash()); s && !s->chunk.empty())
        __builtin_prefetch(&s->chunk.back(), 1);
  };
  for (std::size_t i = 0; i < labels_ahead && i < items.size(); ++i) items[i].lbls.prefetch();
  for (std::size_t i = 0; i < slot_ahead && i < items.size(); ++i) series_.prefetch_slot(items[i].lbls.hash());
  for (std::size_t i = 0; i < series_ahead && i < items.size(); ++i) series_.prefetch_value(items[i].lbls.hash());
  for (std::size_t i = 0; i < items.size(); ++i) {
    const series& item = items[i];
    warm(i);
    if (item.samples.empty()) continue;
    auto s = get_or_load(t, index, item.lbls, stats);
    if (!s) return std::move(s).error();
    if (*s == nullptr) {
      stats.limited += item.samples.size();
      continue;
    }
    if ((*s)->epoch != epoch_) {
      (*s)->epoch = epoch_;
      touched_.push_back(*s);
    }
    VIGIL_TRY(append_samples(t, **s, item.samples, stats));
  }
  VIGIL_TRY(log(t));
  // Ref order keeps the rewrites of one batch close together in the B-tree.
  std::sort(touched_.begin(), touched_.end(),
            [](const memseries* a, const memseries* b) { return a->ref < b->ref; });
  for (memseries* s : touched_)
    if (s->must_write) VIGIL_TRY(write_chunk(t, *s));
  return stats;
}

status head::read_log_seq(lmdb::txn& t) {
  if (log_seq_ != 0) return status::ok();
  // first record since this head was made: after the log's last key
  auto c = lmdb::cursor::open(t, db_.wal);
  if (!c) return std::move(c).error();
  auto last = c->move(MDB_LAST);
  if (!last) return std::move(last).error();
  log_seq_ = *last && c->key().size() == 8 ? get_u64_be(c->key().data()) + 1 : 1;
  return status::ok();
}

void head::end_sweep() noexcept {
  sweep_.clear();
  sweep_pos_ = 0;
  sweeping_ = false;
}

result<std::size_t> head::checkpoint_step(lmdb::txn& t, std::size_t max_series) {
  if (!sweeping_) {
    VIGIL_TRY(read_log_seq(t));
    sweep_seq_ = log_seq_; // this txn's own record, written after its appends, comes at or after it
    sweep_.clear();
    for (memseries* s : dirty_) {
      if (s->dirty && s->app && s->app->count() > 0) sweep_.push_back(s);
      else s->listed = false; // written since it was listed (a cut, a merge): nothing to do
    }
    dirty_ = sweep_;
    std::sort(sweep_.begin(), sweep_.end(), [](const memseries* a, const memseries* b) { return a->ref < b->ref; });
    sweep_pos_ = 0;
    sweeping_ = true;
  }
  std::size_t n = 0;
  while (sweep_pos_ < sweep_.size() && n < max_series) {
    memseries* s = sweep_[sweep_pos_++];
    if (s->dirty && s->app && s->app->count() > 0) {
      VIGIL_TRY(write_chunk(t, *s));
      ++n;
    }
  }
  if (sweep_pos_ < sweep_.size()) return n;
  // Every sample logged before the sweep began is in records now.
  {
    auto c = lmdb::cursor::open(t, db_.wal);
    if (!c) return std::move(c).error();
    for (auto at = c->move(MDB_FIRST);; at = c->move(MDB_NEXT)) {
      if (!at) return std::move(at).error();
      if (!*at || c->key().size() != 8 || get_u64_be(c->key().data()) >= sweep_seq_) break;
      if (int rc = mdb_cursor_del(c->get(), 0); rc != MDB_SUCCESS) return lmdb::to_status(rc, "trim the wal");
    }
  }
  end_sweep();
  std::erase_if(dirty_, [](memseries* s) {
    if (s->dirty) return false;
    s->listed = false;
    return true;
  });
  swept_ = true;
  return n;
}

status head::log(lmdb::txn& t) {
  if (logged_written_ == logged_.size()) return status::ok();
  VIGIL_TRY(read_log_seq(t));
  std::array<std::uint8_t, 8> key{};
  put_u64_be(key.data(), log_seq_);
  encode_wal_record(std::span<const logged_sample>(logged_).subspan(logged_written_), plain_);
  if (db_.crypt) {
    record_.clear();
    VIGIL_TRY(db_.crypt->encrypt_append(crypt_domain::wal, key, plain_, record_));
    VIGIL_TRY(t.put(db_.wal, key, record_, MDB_APPEND));
  } else {
    VIGIL_TRY(t.put(db_.wal, key, plain_, MDB_APPEND));
  }
  ++log_seq_;
  logged_written_ = logged_.size();
  return status::ok();
}

std::size_t head::unrecorded() const noexcept {
  return static_cast<std::size_t>(std::count_if(dirty_.begin(), dirty_.end(), [](const memseries* s) {
    return !s->recorded && s->app && s->app->count() > 0;
  }));
}

result<std::size_t> head::checkpoint(lmdb::txn& t) {
  std::sort(dirty_.begin(), dirty_.end(), [](const memseries* a, const memseries* b) { return a->ref < b->ref; });
  std::size_t n = 0;
  for (memseries* s : dirty_) {
    if (s->dirty && s->app && s->app->count() > 0) {
      VIGIL_TRY(write_chunk(t, *s));
      ++n;
    }
    s->dirty = false;
    s->listed = false;
  }
  dirty_.clear();
  end_sweep(); // everything is in records: a sweep under way has nothing left to do
  if (int rc = mdb_drop(t.get(), db_.wal, 0); rc != MDB_SUCCESS) return lmdb::to_status(rc, "empty the wal");
  // This txn's logged samples are in the records now: the log stays empty.
  logged_written_ = logged_.size();
  checkpointed_ = true;
  return n;
}

status head::replay(lmdb::txn& t, series_index& index) {
  append_stats ignored;
  std::vector<sample> fresh;
  std::vector<std::uint8_t> plain;
  { // the cursor is closed before checkpoint() empties the log
    auto c = lmdb::cursor::open(t, db_.wal);
    if (!c) return std::move(c).error();
    for (auto at = c->move(MDB_FIRST);; at = c->move(MDB_NEXT)) {
      if (!at) return std::move(at).error();
      if (!*at) break;
      const std::string where = "wal record " + std::to_string(get_u64_be(c->key().data())) + ": ";
      std::span<const std::uint8_t> rec = c->value();
      if (db_.crypt) {
        plain.clear();
        if (auto st = db_.crypt->decrypt(crypt_domain::wal, c->key(), rec, plain); !st)
          return corruption(where + st.message());
        rec = plain;
      }
      auto st = decode_wal_record(rec, [&](series_ref ref, std::span<const sample> samples) -> status {
        auto ls = index.labels_of(t, ref);
        if (!ls) return corruption("series " + std::to_string(ref) + ": " + ls.error().message());
        const std::uint64_t hash = ls->hash();
        memseries* s = lookup(hash, *ls);
        if (s == nullptr) {
          s = insert(hash, *ls, ref);
          VIGIL_TRY(load_last_chunk(t, *s));
        }
        fresh.clear();
        for (const sample& x : samples) // what a record holds already (or replaced) is skipped
          if (!s->app || s->app->count() == 0 || x.t > s->app->last_t()) fresh.push_back(x);
        return append_samples(t, *s, fresh, ignored);
      });
      // Decoding errors are corruption; writing ones (a full map) keep their code.
      if (!st) return status{st.code(), where + st.message()};
    }
  }
  logged_.clear();
  logged_written_ = 0;
  if (auto n = checkpoint(t); !n) return std::move(n).error();
  needs_replay_ = false;
  return status::ok();
}

result<std::size_t> head::seal_open_chunks(lmdb::txn& t, timestamp_ms before) {
  if (auto n = checkpoint(t); !n) return std::move(n).error(); // every open chunk in `heads`
  auto n = sealer_.seal_open_chunks(t, before); // open chunks a build before `heads` wrote
  if (!n) return n;
  if (limits_.sealed_encoding != chunk_encoding::packed_v1) return n;
  // Open chunks in `heads` older than `before` become sealed records.
  struct open_chunk {
    series_ref ref;
    timestamp_ms start;
    std::vector<sample> samples;
  };
  std::vector<open_chunk> doomed;
  {
    auto c = lmdb::cursor::open(t, db_.heads);
    if (!c) return std::move(c).error();
    for (auto at = c->move(MDB_FIRST);; at = c->move(MDB_NEXT)) {
      if (!at) return std::move(at).error();
      if (!*at) break;
      if (c->key().size() != 8) return corruption("heads: key of wrong size");
      const series_ref ref = get_u64_be(c->key().data());
      timestamp_ms start = 0;
      auto rec = read_head_record(db_, ref, c->value(), plain_, &start);
      if (!rec) return corruption("open chunk of series " + std::to_string(ref) + ": " + rec.error().message());
      if (rec->max_t >= before) continue;
      auto& d = doomed.emplace_back(open_chunk{ref, start, {}});
      if (!decode_chunk_range(*rec, std::numeric_limits<timestamp_ms>::min(), std::numeric_limits<timestamp_ms>::max(),
                              d.samples) || d.samples.empty())
        return corruption("open chunk of series " + std::to_string(ref) + " does not decode");
    }
  }
  for (const auto& d : doomed) { // joined to the series' previous record where the limits allow
    VIGIL_TRY(sealer_.seal_samples(t, d.ref, d.start, d.samples));
    VIGIL_TRY(t.del(db_.heads, make_ref_key(d.ref)));
  }
  // The head's view of which records exist is stale now: it reloads each
  // series (from the sealed record) at its next append.
  if (!doomed.empty()) {
    dirty_.clear();
    series_ = hash_table<memseries>{};
    touched_.clear();
  }
  return *n + doomed.size();
}

void head::forget(const labels& ls) {
  if (memseries* s = lookup(ls.hash(), ls)) {
    std::erase(touched_, s);
    erase(s);
  }
}

void head::on_commit() noexcept {
  touched_.clear();
  covered_.clear();
  logged_.clear();
  logged_written_ = 0;
  checkpointed_ = false;
  swept_ = false;
  ++epoch_;
}

void head::on_abort() {
  covered_.clear();
  if (checkpointed_ || swept_ || sweeping_ || !dirty_.empty()) {
    // Logged samples of earlier txns (or records this txn's checkpoint or
    // sweep wrote) are not in records: rebuild from the log.
    dirty_.clear();
    end_sweep();
    series_ = hash_table<memseries>{};
    needs_replay_ = true;
  } else {
    for (memseries* s : touched_) erase(s);
  }
  touched_.clear();
  logged_.clear();
  logged_written_ = 0;
  checkpointed_ = false;
  swept_ = false;
  ++epoch_;
}

} // namespace vigil::store
