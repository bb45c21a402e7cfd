#include "store/head.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>

#include "store/chunk.hpp"
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
};

head::head(const schema& s, chunk_limits limits) : db_(s), limits_(limits) {}

head::~head() = default;

head::memseries* head::lookup(std::uint64_t hash, const labels& ls) const {
  return series_.find(hash, [&ls](const memseries& s) { return s.lbls == ls; });
}

head::memseries* head::insert(std::uint64_t hash, const labels& ls, series_ref ref) {
  return series_.insert(hash, std::make_unique<memseries>(hash, ls, ref));
}

void head::erase(memseries* s) { series_.erase(s->hash, s); }

result<head::memseries*> head::get_or_load(lmdb::txn& t, series_index& index, const labels& ls,
                                           append_stats& stats) {
  const std::uint64_t hash = ls.hash();
  if (memseries* s = lookup(hash, ls)) return s;
  VIGIL_TRY(series_index::validate(ls));
  auto ref = index.find(t, ls, hash);
  if (!ref && ref.error().code() != errc::not_found) return std::move(ref).error();
  const bool fresh = !ref;
  if (fresh) {
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
  auto rec = decode_chunk_record(c->value());
  if (!rec) return corruption(where + rec.error().message());
  s.chunk.reserve(std::max(defaults::chunk_reserve_bytes, rec->payload.size()));
  s.chunk.assign(rec->payload.begin(), rec->payload.end());
  auto app = xor_appender::resume(s.chunk);
  if (!app) return corruption(where + app.error().message());
  if (app->count() == 0 || app->last_t() != rec->max_t)
    return corruption(where + "max time in the header disagrees with the samples");
  s.app.emplace(std::move(*app));
  s.chunk_start = start;
  return status::ok();
}

bool head::needs_cut(const memseries& s, timestamp_ms t) const noexcept {
  const auto span = static_cast<std::uint64_t>(t) - static_cast<std::uint64_t>(s.chunk_start);
  return s.app->count() >= limits_.max_samples || s.chunk.size() >= limits_.max_bytes ||
         span >= static_cast<std::uint64_t>(limits_.max_span_ms);
}

status head::write_chunk(lmdb::txn& t, memseries& s) {
  const chunk_key key = make_chunk_key(s.ref, s.chunk_start);
  auto out = t.reserve(db_.chunks, key, chunk_record_header_bytes + s.chunk.size());
  if (!out) return std::move(out).error();
  write_chunk_record_header(*out, chunk_encoding::xor_v1, s.app->last_t());
  std::memcpy(*out + chunk_record_header_bytes, s.chunk.data(), s.chunk.size());
  s.dirty = false;
  return status::ok();
}

status head::append_samples(lmdb::txn& t, memseries& s, const std::vector<sample>& samples,
                            append_stats& stats) {
  for (const sample& x : samples) {
    const bool open = s.app.has_value() && s.app->count() > 0;
    if (open && x.t <= s.app->last_t()) {
      ++(x.t == s.app->last_t() ? stats.duplicates : stats.out_of_order);
      continue;
    }
    if (!open || needs_cut(s, x.t)) {
      if (s.dirty) VIGIL_TRY(write_chunk(t, s));
      if (s.chunk.capacity() < defaults::chunk_reserve_bytes) s.chunk.reserve(defaults::chunk_reserve_bytes);
      s.app.emplace(xor_appender::create(s.chunk));
      s.chunk_start = x.t;
    }
    s.app->append(x.t, x.v);
    s.dirty = true;
    ++stats.appended;
  }
  return status::ok();
}

result<append_stats> head::append(lmdb::txn& t, series_index& index, const write_batch& batch) {
  append_stats stats;
  for (const series& item : batch.items) {
    if (item.samples.empty()) continue;
    auto s = get_or_load(t, index, item.lbls, stats);
    if (!s) return std::move(s).error();
    if ((*s)->epoch != epoch_) {
      (*s)->epoch = epoch_;
      touched_.push_back(*s);
    }
    VIGIL_TRY(append_samples(t, **s, item.samples, stats));
  }
  // Ref order keeps the rewrites of one batch close together in the B-tree.
  std::sort(touched_.begin(), touched_.end(),
            [](const memseries* a, const memseries* b) { return a->ref < b->ref; });
  for (memseries* s : touched_)
    if (s->dirty) VIGIL_TRY(write_chunk(t, *s));
  return stats;
}

void head::on_commit() noexcept {
  touched_.clear();
  ++epoch_;
}

void head::on_abort() {
  for (memseries* s : touched_) erase(s);
  touched_.clear();
  ++epoch_;
}

} // namespace vigil::store
