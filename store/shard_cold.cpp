// store/shard_cold.cpp - the cold tier of a shard: loading the registered
// segments at open, move passes (shard::cold_step) and expiry of segments
// past retention. Format: store/FORMAT.md §8.
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>

#include "store/chunk.hpp"
#include "store/chunk_io.hpp"
#include "store/keys.hpp"
#include "store/packed_chunk.hpp"
#include "store/shard.hpp"
#include "store/shard_impl.hpp"

namespace vigil::store {

namespace {

constexpr std::string_view registry_prefix = "cold_segment/";
/// Records per write transaction of the remove phase (bounded stalls).
constexpr std::size_t remove_batch = 8192;
/// Samples per record in a segment (re-encoded from the moved records:
/// fewer, larger records and blocks than the hot tier's, so denser).
constexpr std::size_t cold_record_samples = 4096;
constexpr std::size_t cold_block_samples = 1024;

std::vector<std::uint8_t> registry_key(std::uint64_t seq) {
  std::vector<std::uint8_t> k(registry_prefix.begin(), registry_prefix.end());
  k.resize(k.size() + 8);
  put_u64_be(k.data() + registry_prefix.size(), seq);
  return k;
}

std::uint32_t crc_of(lmdb::bytes b) { return static_cast<std::uint32_t>(::crc32_z(0, b.data(), b.size())); }

timestamp_ms floor_to(timestamp_ms t, timestamp_ms every) {
  const timestamp_ms q = t / every;
  return (q * every > t ? q - 1 : q) * every;
}

/// The registry: (seq, file name) of every registered segment, ascending.
result<std::vector<std::pair<std::uint64_t, std::string>>> read_registry(const lmdb::txn& t, MDB_dbi meta) {
  std::vector<std::pair<std::uint64_t, std::string>> out;
  auto c = lmdb::cursor::open(t, meta);
  if (!c) return std::move(c).error();
  for (auto at = c->seek(lmdb::as_bytes(registry_prefix));; at = c->move(MDB_NEXT)) {
    if (!at) return std::move(at).error();
    if (!*at) break;
    const auto k = c->key();
    const std::string_view ks(reinterpret_cast<const char*>(k.data()), k.size());
    if (!ks.starts_with(registry_prefix)) break;
    const auto v = c->value();
    if (k.size() != registry_prefix.size() + 8 || v.size() < 2 || v[0] != 1)
      return corruption("meta: malformed cold segment record");
    out.emplace_back(get_u64_be(k.data() + registry_prefix.size()),
                     std::string(reinterpret_cast<const char*>(v.data() + 1), v.size() - 1));
  }
  return out;
}

} // namespace

result<std::vector<std::string>> registered_cold_segments(const std::string& env_dir) {
  auto e = lmdb::env::open_read_only(env_dir);
  if (!e) return std::move(e).error();
  auto t = lmdb::txn::begin(*e, true);
  if (!t) return std::move(t).error();
  auto meta = t->open_dbi("meta", 0u);
  if (!meta) {
    if (meta.error().code() == errc::not_found) return std::vector<std::string>{};
    return std::move(meta).error();
  }
  auto reg = read_registry(*t, *meta);
  if (!reg) return std::move(reg).error();
  std::vector<std::string> out;
  for (auto& [seq, name] : *reg) out.push_back(std::move(name));
  return out;
}

status load_cold(shard::impl& s, const cold_options& o) {
  s.cold = o;
  auto t = lmdb::txn::begin(s.env, true);
  if (!t) return std::move(t).error();
  auto reg = read_registry(*t, s.db.meta);
  if (!reg) return std::move(reg).error();
  t->abort();
  if (!reg->empty() && o.dir.empty())
    return invalid_argument("the shard has " + std::to_string(reg->size()) +
                            " cold segments but no cold directory is configured");
  auto set = std::make_shared<cold_set>();
  std::set<std::string> names;
  for (const auto& [seq, name] : *reg) {
    std::error_code ec;
    const bool alt = !o.alt_dir.empty() && !std::filesystem::exists(o.dir + "/" + name, ec) &&
                     std::filesystem::exists(o.alt_dir + "/" + name, ec);
    auto seg = cold_segment::open(alt ? o.alt_dir : o.dir, name, s.crypt.get());
    if (!seg) return std::move(seg).error();
    if ((*seg)->seq() != seq) return corruption("cold segment " + (*seg)->path() + ": registered as another segment");
    set->segments.push_back(std::move(*seg));
    names.insert(name);
    s.next_cold_seq = std::max(s.next_cold_seq, seq + 1);
  }
  s.publish_cold(std::move(set));
  for (const auto& dir : {o.dir, o.alt_dir}) {
    if (dir.empty()) continue;
    std::error_code ec;
    std::vector<std::filesystem::path> orphans;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
      const auto name = e.path().filename().string();
      if (!names.contains(name) && name.starts_with("seg-")) orphans.push_back(e.path());
    }
    for (const auto& p : orphans) std::filesystem::remove(p, ec);
  }
  return status::ok();
}

status expire_cold(shard::impl& s, const retention_policy& policy, timestamp_ms now, retention_progress& p) {
  auto set = s.cold_now();
  if (set->segments.empty()) return status::ok();
  std::vector<std::shared_ptr<const cold_segment>> doomed;
  {
    auto t = lmdb::txn::begin(s.env, true);
    if (!t) return std::move(t).error();
    for (const auto& seg : set->segments) {
      auto it = s.cold_keep.find(seg->seq());
      if (it == s.cold_keep.end()) { // once per segment and process: the longest retention of its series
        timestamp_ms keep = -1;
        for (std::uint64_t i = 0; i < seg->series() && keep != 0; ++i) {
          auto ls = s.index.labels_of(*t, seg->at(i).ref);
          if (!ls) {
            if (ls.error().code() == errc::not_found) continue; // removed from the index
            return std::move(ls).error();
          }
          const timestamp_ms k = policy.keep_for(*ls);
          keep = k == 0 ? 0 : std::max(keep, k);
        }
        it = s.cold_keep.emplace(seg->seq(), keep).first;
      }
      // keep < 0: none of its series is indexed any more
      if (it->second < 0 || (it->second > 0 && seg->max_t() < now - it->second)) doomed.push_back(seg);
    }
  }
  if (doomed.empty()) return status::ok();
  if (s.group) return unavailable("cold expiry: the open write group must be committed first");
  auto t = lmdb::txn::begin(s.env, false);
  if (!t) return std::move(t).error();
  for (const auto& seg : doomed) {
    const auto k = registry_key(seg->seq());
    if (auto st = t->del(s.db.meta, k); !st && st.code() != errc::not_found) return st;
  }
  VIGIL_TRY(t->commit());
  auto next = std::make_shared<cold_set>();
  for (const auto& seg : set->segments)
    if (std::find(doomed.begin(), doomed.end(), seg) == doomed.end()) next->segments.push_back(seg);
  s.publish_cold(std::move(next));
  if (s.rollups.enabled())
    for (const auto& seg : doomed)
      for (std::uint64_t i = 0; i < seg->series(); ++i) {
        auto [it, fresh] = s.cold_trim.try_emplace(seg->at(i).ref, seg->max_t() + 1);
        if (!fresh) it->second = std::max(it->second, seg->max_t() + 1);
      }
  std::error_code ec;
  for (const auto& seg : doomed) { // readers holding the old set keep their mappings
    std::filesystem::remove(seg->path(), ec);
    s.cold_keep.erase(seg->seq());
  }
  p.segments_deleted += doomed.size();
  return status::ok();
}

namespace {

/// Copies up to `max_series` series' records older than the cutoff into the
/// pass's writers (a read transaction).
status copy_step(shard::impl& s, cold_pass& ps, const retention_policy& policy, std::size_t max_series) {
  auto t = lmdb::txn::begin(s.env, true);
  if (!t) return std::move(t).error();
  auto series_c = lmdb::cursor::open(*t, s.db.series);
  if (!series_c) return std::move(series_c).error();
  auto chunk_c = lmdb::cursor::open(*t, s.db.chunks);
  if (!chunk_c) return std::move(chunk_c).error();
  std::vector<std::uint8_t> plain;
  std::vector<sample> samples;
  std::vector<std::uint8_t> records; // the series' new records, back to back
  std::vector<std::pair<timestamp_ms, std::size_t>> spans; // start, end offset in `records`
  std::vector<cold_record> recs;
  std::vector<std::uint8_t> payload;
  packed_encoder enc;
  enc.set_dense(true); // cold data is read rarely: the denser, slower-to-decode packing
  std::size_t visited = 0;
  auto at = series_c->seek(make_ref_key(ps.next_ref));
  for (; at && *at && visited < std::max<std::size_t>(max_series, 1); at = series_c->move(MDB_NEXT), ++visited) {
    const series_ref ref = get_u64_be(series_c->key().data());
    samples.clear();
    const std::size_t moved_before = ps.moved.size();
    auto c = chunk_c->seek(make_chunk_key(ref, std::numeric_limits<timestamp_ms>::min()));
    for (; c && *c; c = chunk_c->move(MDB_NEXT)) {
      series_ref r = 0;
      timestamp_ms start = 0;
      if (!decode_chunk_key(chunk_c->key(), &r, &start) || r != ref) break;
      auto rec = read_chunk_record(*t, s.db, chunk_c->key(), chunk_c->value(), plain);
      if (!rec) return corruption("chunk (series " + std::to_string(ref) + ", t " + std::to_string(start) +
                                  "): " + rec.error().message());
      if (rec->max_t >= ps.cutoff) break; // a series' chunks are ordered and disjoint
      const auto before = samples.size();
      if (!decode_chunk_range(*rec, std::numeric_limits<timestamp_ms>::min(),
                              std::numeric_limits<timestamp_ms>::max(), samples) ||
          (before > 0 && samples.size() > before && samples[before].t <= samples[before - 1].t))
        return corruption("chunk (series " + std::to_string(ref) + ", t " + std::to_string(start) +
                          "): does not decode in order");
      ps.moved.push_back({ref, start, crc_of(chunk_c->value()), static_cast<std::uint32_t>(chunk_c->value().size())});
    }
    if (!c) return std::move(c).error();
    // Every record moves: so may the open chunk (an idle series').
    bool all_records = !*c;
    if (*c) {
      series_ref r = 0;
      timestamp_ms st = 0;
      all_records = !decode_chunk_key(chunk_c->key(), &r, &st) || r != ref;
    }
    if (all_records) {
      lmdb::bytes v;
      const ref_key rk = make_ref_key(ref);
      auto got = t->get(s.db.heads, rk, &v);
      if (!got && got.code() != errc::not_found) return got;
      if (got.is_ok()) {
        timestamp_ms start = 0;
        auto rec = read_head_record(s.db, ref, v, plain, &start);
        if (!rec) return corruption("open chunk of series " + std::to_string(ref) + ": " + rec.error().message());
        if (rec->max_t < ps.cutoff) {
          const auto before = samples.size();
          if (!decode_chunk_range(*rec, std::numeric_limits<timestamp_ms>::min(),
                                  std::numeric_limits<timestamp_ms>::max(), samples) ||
              (before > 0 && samples.size() > before && samples[before].t <= samples[before - 1].t))
            return corruption("open chunk of series " + std::to_string(ref) + ": does not decode in order");
          ps.moved.push_back({ref, start, crc_of(v), static_cast<std::uint32_t>(v.size()), true});
        }
      }
    }
    if (ps.moved.size() == moved_before || samples.empty()) {
      ps.moved.resize(moved_before);
      continue;
    }
    auto ls = s.index.labels_of(*t, ref);
    if (!ls) return std::move(ls).error();
    const timestamp_ms keep = policy.keep_for(*ls);
    // Re-encoded packed, in records of up to cold_record_samples samples.
    records.clear();
    spans.clear();
    for (std::size_t i = 0; i < samples.size(); i += cold_record_samples) {
      const std::size_t n = std::min(cold_record_samples, samples.size() - i);
      const std::span<const sample> part(samples.data() + i, n);
      payload.clear();
      enc.encode(part, cold_block_samples, payload);
      append_chunk_record(records, chunk_encoding::packed_v1, part.back().t, payload);
      spans.emplace_back(part.front().t, records.size());
    }
    recs.clear();
    std::size_t from = 0;
    for (const auto& [start, end] : spans) {
      recs.push_back({start, std::span<const std::uint8_t>(records.data() + from, end - from)});
      from = end;
    }
    auto& w = ps.writers[keep];
    if (!w) {
      auto made = cold_segment_writer::create(s.cold.dir, s.next_cold_seq++, s.crypt.get());
      if (!made) return std::move(made).error();
      w = std::move(*made);
    }
    VIGIL_TRY(w->add(ref, recs));
    if (w->bytes() >= s.cold.max_segment_bytes) {
      auto info = w->finish();
      if (!info) return std::move(info).error();
      ps.finished.push_back(std::move(*info));
      ps.writers.erase(keep);
    }
  }
  if (!at) return std::move(at).error();
  if (*at) {
    ps.next_ref = get_u64_be(series_c->key().data());
    return status::ok();
  }
  // Every series visited: finish the segments and publish them.
  for (auto& [keep, w] : ps.writers) {
    auto info = w->finish();
    if (!info) return std::move(info).error();
    ps.finished.push_back(std::move(*info));
  }
  ps.writers.clear();
  ps.copying = false;
  if (ps.finished.empty()) return status::ok();
  auto next = std::make_shared<cold_set>(*s.cold_now());
  for (const auto& info : ps.finished) {
    auto seg = cold_segment::open(s.cold.dir, info.file, s.crypt.get());
    if (!seg) return std::move(seg).error();
    next->segments.push_back(std::move(*seg));
  }
  std::sort(next->segments.begin(), next->segments.end(),
            [](const auto& a, const auto& b) { return a->seq() < b->seq(); });
  s.publish_cold(std::move(next)); // before any record is deleted from LMDB
  return status::ok();
}

/// Registers the pass's segments (first call) and deletes up to
/// remove_batch of the copied records that did not change since.
status remove_step(shard::impl& s, cold_pass& ps, cold_progress& p) {
  auto t = lmdb::txn::begin(s.env, false);
  if (!t) return std::move(t).error();
  auto fail = [&](status st) {
    s.abort_write(*t);
    return st;
  };
  // A record whose open chunk grew since it was copied is rewritten here,
  // so its changed bytes keep it hot, and no series the head forgets below
  // has logged samples outside its records.
  if (auto st = s.prepare_maintenance(*t); !st) return fail(st);
  if (!ps.registered) {
    for (const auto& info : ps.finished) {
      std::vector<std::uint8_t> v{1};
      v.insert(v.end(), info.file.begin(), info.file.end());
      if (auto st = t->put(s.db.meta, registry_key(info.seq), v); !st) return fail(st);
    }
  }
  std::vector<labels> forget;
  std::uint64_t deleted = 0;
  const std::size_t end = std::min(ps.moved.size(), ps.remove_pos + remove_batch);
  {
    auto c = lmdb::cursor::open(*t, s.db.chunks);
    if (!c) return fail(std::move(c).error());
    for (std::size_t i = ps.remove_pos; i < end; ++i) {
      const auto& m = ps.moved[i];
      if (m.open) { // the open chunk of an idle series: the head forgets it
        const ref_key rk = make_ref_key(m.ref);
        lmdb::bytes v;
        auto got = t->get(s.db.heads, rk, &v);
        if (!got && got.code() != errc::not_found) return fail(got);
        if (!got || v.size() != m.size || crc_of(v) != m.crc) continue; // changed: stays hot
        auto ls = s.index.labels_of(*t, m.ref);
        if (!ls) return fail(std::move(ls).error());
        forget.push_back(std::move(*ls));
        if (auto d = t->del(s.db.heads, rk); !d) return fail(d);
        ++deleted;
        continue;
      }
      const auto key = make_chunk_key(m.ref, m.start);
      auto found = c->find(key);
      if (!found) return fail(std::move(found).error());
      if (!*found || c->value().size() != m.size || crc_of(c->value()) != m.crc) continue; // changed: stays hot
      // The series' last record is the head's open chunk: the head forgets it.
      auto nx = c->move(MDB_NEXT);
      if (!nx) return fail(std::move(nx).error());
      series_ref r = 0;
      timestamp_ms st = 0;
      lmdb::bytes open_v;
      const ref_key open_k = make_ref_key(m.ref);
      if ((!*nx || !decode_chunk_key(c->key(), &r, &st) || r != m.ref) &&
          t->get(s.db.heads, open_k, &open_v).code() == errc::not_found) {
        auto ls = s.index.labels_of(*t, m.ref);
        if (!ls) return fail(std::move(ls).error());
        forget.push_back(std::move(*ls));
      }
      if (auto d = t->del(s.db.chunks, key); !d) return fail(d);
      ++deleted;
    }
  }
  if (auto st = t->commit(); !st) return fail(st);
  s.after_commit();
  if (deleted > 0) s.unflushed.clear_if_unpinned(); // every logged sample is in a record or a segment
  for (const auto& ls : forget) s.hd.forget(ls);
  ps.registered = true;
  ps.remove_pos = end;
  p.records_moved += deleted;
  s.cold_records_moved += deleted;
  return status::ok();
}

} // namespace

result<cold_progress> shard::cold_step(const retention_policy& policy, timestamp_ms now, std::size_t max_series) {
  impl& s = *impl_;
  cold_progress p;
  if (s.cold.after_ms <= 0 || s.cold.dir.empty()) return p;
  if (s.group) return unavailable("cold tier: the open write group must be committed first");
  if (!s.pass) {
    const timestamp_ms cutoff = floor_to(now - s.cold.after_ms, std::max<timestamp_ms>(s.cold.every_ms, 1));
    if (cutoff <= s.cold_cutoff) return p;
    // The copy reads chunk records: they hold every logged sample first.
    VIGIL_TRY(checkpoint());
    s.pass = std::make_unique<cold_pass>();
    s.pass->cutoff = cutoff;
  }
  cold_pass& ps = *s.pass;
  status st = ps.copying ? copy_step(s, ps, policy, max_series) : remove_step(s, ps, p);
  if (!st) {
    s.pass.reset(); // writers remove their temporary files; published segments are read until the next open
    return st;
  }
  if (!ps.copying && (ps.finished.empty() || ps.remove_pos == ps.moved.size())) {
    if (ps.registered || ps.finished.empty()) {
      p.segments_written = ps.finished.size();
      s.cold_cutoff = ps.cutoff;
      s.pass.reset();
      return p;
    }
  }
  p.more = true;
  return p;
}

} // namespace vigil::store
