// store/shard_rollup.cpp - downsampling in the shard: the rollup pass
// (rollup_step), the watermark upkeep of the write path and of retention,
// and reading range functions from rollups (select_rollup).
#include <algorithm>
#include <limits>
#include <string>

#include "store/chunk_reader.hpp"
#include "store/defaults.hpp"
#include "store/keys.hpp"
#include "store/shard_impl.hpp"
#include "store/shard_rollup.hpp"

namespace vigil::store {

namespace {

constexpr timestamp_ms t_min = std::numeric_limits<timestamp_ms>::min();

status put_rollup(lmdb::txn& t, const schema& db, std::span<const std::uint8_t> key,
                  std::span<const std::uint8_t> plain) {
  if (!db.crypt) return t.put(db.rollups, key, plain);
  auto out = t.reserve(db.rollups, key, plain.size() + encryption_overhead);
  if (!out) return std::move(out).error();
  return db.crypt->encrypt(crypt_domain::rollup, key, plain, *out);
}

/// The plain value of a rollups record (decrypted into `scratch` when encrypted).
result<std::span<const std::uint8_t>> open_rollup(const schema& db, lmdb::bytes key, lmdb::bytes stored,
                                                  std::vector<std::uint8_t>& scratch) {
  if (!db.crypt) return stored;
  scratch.clear();
  if (auto st = db.crypt->decrypt(crypt_domain::rollup, key, stored, scratch); !st)
    return corruption("rollup record: " + st.message());
  return std::span<const std::uint8_t>(scratch);
}

/// The watermark of (ref, res); nullopt when there is none.
result<std::optional<timestamp_ms>> read_mark(const lmdb::txn& t, const schema& db, series_ref ref,
                                              timestamp_ms res, std::vector<std::uint8_t>& scratch) {
  const auto key = make_rollup_mark_key(ref, res);
  lmdb::bytes v;
  status st = t.get(db.rollups, key, &v);
  if (st.code() == errc::not_found) return std::optional<timestamp_ms>{};
  if (!st) return st;
  auto plain = open_rollup(db, key, v, scratch);
  if (!plain) return std::move(plain).error();
  auto m = decode_rollup_mark(*plain);
  if (!m) return std::move(m).error();
  return std::optional<timestamp_ms>{*m};
}

status write_mark(lmdb::txn& t, const schema& db, series_ref ref, timestamp_ms res, timestamp_ms end) {
  return put_rollup(t, db, make_rollup_mark_key(ref, res), make_rollup_mark(end));
}

/// Min t of the series' first chunk; nullopt when it has none.
result<std::optional<timestamp_ms>> first_chunk_start(const lmdb::txn& t, const schema& db, series_ref ref) {
  auto c = lmdb::cursor::open(t, db.chunks);
  if (!c) return std::move(c).error();
  auto at = c->seek(make_chunk_key(ref, t_min));
  if (!at) return std::move(at).error();
  series_ref r = 0;
  timestamp_ms start = 0;
  if (!*at || !decode_chunk_key(c->key(), &r, &start) || r != ref) return std::optional<timestamp_ms>{};
  return std::optional<timestamp_ms>{start};
}

/// Rolls up the windows of (ref, res) in [from, to), writing every non-empty one.
status roll_windows(lmdb::txn& t, const schema& db, chunk_reader& reader, series_ref ref, timestamp_ms res,
                    timestamp_ms from, timestamp_ms to, std::uint64_t* written) {
  std::vector<sample> raw;
  VIGIL_TRY(reader.samples(ref, time_range{from, to - 1}, raw));
  std::vector<std::uint8_t> rec;
  for (const auto& w : make_rollup_windows(raw, res)) {
    rec.clear();
    append_rollup_record(rec, w);
    VIGIL_TRY(put_rollup(t, db, make_rollup_key(ref, res, w.start), rec));
    ++*written;
  }
  return status::ok();
}

/// Deletes the rollups records of `ref` from key `lo` up to (excluding)
/// `hi` (an empty `hi`: all of the series).
status delete_rollups(lmdb::txn& t, const schema& db, series_ref ref, std::span<const std::uint8_t> lo,
                      std::span<const std::uint8_t> hi) {
  std::vector<std::vector<std::uint8_t>> doomed;
  {
    auto c = lmdb::cursor::open(t, db.rollups);
    if (!c) return std::move(c).error();
    auto at = c->seek(lo);
    for (; at && *at; at = c->move(MDB_NEXT)) {
      const auto k = c->key();
      if (k.size() < 8 || get_u64_be(k.data()) != ref) break;
      if (!hi.empty() && !std::lexicographical_compare(k.begin(), k.end(), hi.begin(), hi.end())) break;
      doomed.emplace_back(k.begin(), k.end());
    }
    if (!at) return std::move(at).error();
  }
  for (const auto& k : doomed) VIGIL_TRY(t.del(db.rollups, k));
  return status::ok();
}

/// Rolls up (ref, r) from its watermark up to the last complete window
/// before `now - after`, looking at no more than *budget window spans (which
/// it decreases). @returns whether the series is rolled up that far.
result<bool> roll_series(lmdb::txn& t, const schema& db, chunk_reader& reader, series_ref ref,
                         const rollup_resolution& r, timestamp_ms now, std::int64_t* budget,
                         std::uint64_t* written) {
  std::vector<std::uint8_t> scratch;
  const timestamp_ms res = r.resolution_ms, cutoff = rollup_floor(now - r.after_ms, res);
  auto m = read_mark(t, db, ref, res, scratch);
  if (!m) return std::move(m).error();
  timestamp_ms mark = 0;
  if (*m) {
    mark = **m;
  } else {
    auto first = first_chunk_start(t, db, ref);
    if (!first) return std::move(first).error();
    if (!*first) return true;
    mark = rollup_floor(**first, res);
  }
  if (mark >= cutoff) return true;
  const bool all = (cutoff - mark) / res <= *budget;
  const timestamp_ms to = all ? cutoff : mark + *budget * res;
  *budget -= (to - mark) / res;
  VIGIL_TRY(roll_windows(t, db, reader, ref, res, mark, to, written));
  VIGIL_TRY(write_mark(t, db, ref, res, to));
  return all;
}

/// Reads the windows of (ref, res) that start in [lo, hi] into `ws`.
status read_windows(lmdb::cursor& c, const schema& db, series_ref ref, timestamp_ms res, timestamp_ms lo,
                    timestamp_ms hi, std::vector<std::uint8_t>& scratch, std::vector<rollup_window>& ws) {
  ws.clear();
  auto at = c.seek(make_rollup_key(ref, res, lo));
  for (; at && *at; at = c.move(MDB_NEXT)) {
    series_ref r = 0;
    timestamp_ms kr = 0;
    std::optional<timestamp_ms> start;
    if (!decode_rollup_key(c.key(), &r, &kr, &start) || r != ref || kr != res || !start || *start > hi) break;
    auto plain = open_rollup(db, c.key(), c.value(), scratch);
    if (!plain) return std::move(plain).error();
    auto w = decode_rollup_record(*plain, *start);
    if (!w) return corruption("series " + std::to_string(ref) + ": " + w.error().message());
    ws.push_back(*w);
  }
  if (!at) return std::move(at).error();
  return status::ok();
}

/// req.fn at req.start, req.start + step, ... <= end from the windows `ws`
/// (ascending): over [ts - d, ts], the windows starting in [ts - d, ts) and
/// the sample at exactly ts (the first of the window starting at ts).
std::vector<sample> values_at_steps(const std::vector<rollup_window>& ws, const rollup_read& req, timestamp_ms end,
                                    timestamp_ms step) {
  std::vector<sample> out;
  std::size_t first = 0; // first window of the current range
  for (timestamp_ms ts = req.start; ts <= end; ts += step) {
    const timestamp_ms from = ts - req.range_ms;
    while (first < ws.size() && ws[first].start < from) ++first;
    rollup_combiner acc;
    std::size_t k = first;
    for (; k < ws.size() && ws[k].start < ts; ++k) acc.add(ws[k]);
    if (k < ws.size() && ws[k].start == ts && ws[k].first.t == ts) acc.add_point(ws[k].first);
    if (auto v = acc.apply(req.fn, from, ts)) out.push_back({ts, *v});
  }
  return out;
}

} // namespace

status lower_rollup_marks(lmdb::txn& t, const schema& db, const rollup_config& cfg, series_ref ref,
                          timestamp_ms oldest) {
  std::vector<std::uint8_t> scratch;
  for (const auto& r : cfg.resolutions) {
    auto m = read_mark(t, db, ref, r.resolution_ms, scratch);
    if (!m) return std::move(m).error();
    const timestamp_ms ws = rollup_floor(oldest, r.resolution_ms);
    if (*m && **m > ws) VIGIL_TRY(write_mark(t, db, ref, r.resolution_ms, ws));
  }
  return status::ok();
}

status trim_rollups_before(lmdb::txn& t, const schema& db, const rollup_config& cfg, series_ref ref,
                           timestamp_ms cutoff) {
  for (const auto& r : cfg.resolutions) {
    const timestamp_ms res = r.resolution_ms;
    // Windows [ws, ws + res) with ws + res <= cutoff, i.e. ws < floor(cutoff) - res + res.
    VIGIL_TRY(delete_rollups(t, db, ref, make_rollup_key(ref, res, std::numeric_limits<timestamp_ms>::min()),
                             make_rollup_key(ref, res, rollup_floor(cutoff, res))));
  }
  return status::ok();
}

status trim_rollups(lmdb::txn& t, const schema& db, const rollup_config& cfg, series_ref ref, bool emptied) {
  if (emptied) return delete_rollups(t, db, ref, make_rollup_mark_key(ref, 0), {});
  auto first = first_chunk_start(t, db, ref);
  if (!first) return std::move(first).error();
  if (!*first) return status::ok();
  auto reader = chunk_reader::open(t, db);
  if (!reader) return std::move(reader).error();
  std::vector<std::uint8_t> scratch;
  for (const auto& r : cfg.resolutions) {
    const timestamp_ms res = r.resolution_ms, ws = rollup_floor(**first, res);
    VIGIL_TRY(delete_rollups(t, db, ref, make_rollup_key(ref, res, t_min), make_rollup_key(ref, res, ws)));
    // The window holding the oldest kept sample lost the deleted samples
    // before it: rebuild it from what is left when it is rolled up.
    auto m = read_mark(t, db, ref, res, scratch);
    if (!m) return std::move(m).error();
    if (!*m || **m <= ws) continue;
    if (auto st = t.del(db.rollups, make_rollup_key(ref, res, ws)); !st && st.code() != errc::not_found) return st;
    std::uint64_t n = 0;
    VIGIL_TRY(roll_windows(t, db, *reader, ref, res, ws, ws + res, &n));
  }
  return status::ok();
}

namespace {

/// rollup_step's work inside its write txn `tx`.
result<rollup_progress> rollup_in(shard::impl& s, lmdb::txn& tx, timestamp_ms now, series_ref from,
                                  std::size_t max_series, std::size_t max_windows) {
  rollup_progress p;
  lmdb::txn* t = &tx;
  std::vector<series_ref> refs;
  {
    auto c = lmdb::cursor::open(*t, s.db.series);
    if (!c) return std::move(c).error();
    auto at = c->seek(make_ref_key(from));
    for (; at && *at; at = c->move(MDB_NEXT)) {
      if (refs.size() >= std::max<std::size_t>(max_series, 1)) {
        p.next = get_u64_be(c->key().data());
        break;
      }
      refs.push_back(get_u64_be(c->key().data()));
    }
    if (!at) return std::move(at).error();
  }
  { // the reader's cursor is closed before the commit (LMDB frees a write txn's cursors when it ends)
  auto reader = chunk_reader::open(*t, s.db, s.cold_now());
  if (!reader) return std::move(reader).error();
  auto budget = static_cast<std::int64_t>(std::max<std::size_t>(max_windows, 1));
  for (std::size_t i = 0; i < refs.size(); ++i) {
    const series_ref ref = refs[i];
    if (budget <= 0) { // resume with this series
      p.next = ref;
      break;
    }
    for (const auto& r : s.rollups.resolutions) {
      if (budget <= 0) { // this series' other resolutions: the next step
        p.next = ref;
        break;
      }
      auto done = roll_series(*t, s.db, *reader, ref, r, now, &budget, &p.windows_written);
      if (!done) return std::move(done).error();
      if (!*done) { // this series is not done: the next step resumes it
        p.next = ref;
        break;
      }
    }
    if (p.next == ref) break;
  }
  }
  return p;
}

} // namespace

result<rollup_progress> shard::rollup_step(timestamp_ms now, series_ref from, std::size_t max_series,
                                           std::size_t max_windows) {
  impl& s = *impl_;
  if (!s.rollups.enabled()) return rollup_progress{};
  if (s.group) return unavailable("rollup: the open write group must be committed first");
  auto t = lmdb::txn::begin(s.env, false);
  if (!t) return std::move(t).error();
  // Windows are read from chunk records, which must hold every logged sample.
  if (auto st = s.prepare_maintenance(*t); !st) {
    s.abort_write(*t);
    return st;
  }
  auto r = rollup_in(s, *t, now, from, max_series, max_windows);
  if (r) {
    if (auto st = t->commit(); !st) r = st;
  }
  if (!r) {
    s.abort_write(*t);
    return r;
  }
  s.after_commit();
  return r;
}

std::vector<timestamp_ms> shard::rollup_resolutions() const {
  std::vector<timestamp_ms> out;
  if (!impl_->rollups.serve_queries) return out;
  for (const auto& r : impl_->rollups.resolutions) out.push_back(r.resolution_ms);
  std::sort(out.rbegin(), out.rend());
  return out;
}

result<std::optional<std::vector<series>>> shard::select_rollup(const rollup_read& req,
                                                                const read_limits& limits) const {
  using answer = std::optional<std::vector<series>>;
  const impl& s = *impl_;
  const timestamp_ms res = req.resolution_ms;
  const bool known = std::any_of(s.rollups.resolutions.begin(), s.rollups.resolutions.end(),
                                 [&](const rollup_resolution& r) { return r.resolution_ms == res; });
  if (!s.rollups.serve_queries || !known || res <= 0 || req.range_ms <= 0 || req.range_ms % res != 0 ||
      rollup_floor(req.start, res) != req.start || (req.step > 0 && req.step % res != 0) || req.end < req.start)
    return answer{};
  if (limits.expired && limits.expired()) return status{errc::timeout, "deadline passed before the read"};
  const unflushed_pin pin(&s.unflushed); // before the txn begins
  auto t = lmdb::txn::begin(s.env, true);
  if (!t) return std::move(t).error();
  auto refs = s.index.select(*t, req.ms);
  if (!refs) return std::move(refs).error();
  auto reader = chunk_reader::open(*t, s.db, s.cold_now(), &s.unflushed, &s.resume);
  if (!reader) return std::move(reader).error();
  auto c = lmdb::cursor::open(*t, s.db.rollups);
  if (!c) return std::move(c).error();
  const timestamp_ms step = req.step > 0 ? req.step : res;
  const timestamp_ms end = req.step > 0 ? req.start + (req.end - req.start) / step * step : req.start; // last step
  const timestamp_ms lo = req.start - req.range_ms, need = end + res; // windows [lo, end] must be rolled
  std::vector<std::uint8_t> scratch;
  std::vector<rollup_window> ws;
  std::vector<series> out;
  std::uint64_t total = 0;
  deadline_poll deadline(limits);
  for (series_ref ref : *refs) {
    if (deadline.passed()) return status{errc::timeout, "deadline passed while reading series"};
    auto m = read_mark(*t, s.db, ref, res, scratch);
    if (!m) return std::move(m).error();
    const timestamp_ms mark = *m ? **m : lo;
    if (mark < need) { // windows past the mark are not rolled: fine only if they hold nothing
      auto has = reader->has_samples(ref, time_range{std::max(mark, lo), need - 1});
      if (!has) return std::move(has).error();
      if (*has) return answer{};
      if (!*m) continue;
    }
    VIGIL_TRY(read_windows(*c, s.db, ref, res, lo, end, scratch, ws));
    if (ws.empty()) continue;
    series cur;
    cur.samples = values_at_steps(ws, req, end, step);
    if (cur.samples.empty()) continue;
    total += cur.samples.size();
    if (total > limits.max_samples)
      return resource_exhausted("query processing would load too many samples into memory");
    auto ls = s.index.labels_of(*t, ref);
    if (!ls) return std::move(ls).error();
    if (!matches_all(req.ms, *ls)) continue;
    cur.lbls = req.fn == rollup_fn::last_over_time ? std::move(*ls) : ls->without_metric_name();
    out.push_back(std::move(cur));
  }
  std::sort(out.begin(), out.end(), [](const series& a, const series& b) { return a.lbls < b.lbls; });
  ++s.rollup_reads;
  return answer{std::move(out)};
}

} // namespace vigil::store
