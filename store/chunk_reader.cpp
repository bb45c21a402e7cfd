#include "store/chunk_reader.hpp"

#include <algorithm>
#include <string>

#include "store/chunk_io.hpp"
#include "store/keys.hpp"

namespace vigil::store {

result<chunk_reader> chunk_reader::open(const lmdb::txn& t, const schema& s, std::shared_ptr<const cold_set> cold,
                                        const unflushed_samples* recent, xor_resume_cache* resume) {
  auto c = lmdb::cursor::open(t, s.chunks);
  if (!c) return std::move(c).error();
  chunk_reader r(std::move(*c), t, s);
  if (cold && !cold->segments.empty()) r.cold_.emplace(std::move(cold));
  r.resume_ = resume;
  if (recent) {
    r.recent_ = recent;
    r.snapshot_ = mdb_txn_id(t.get());
    recent->wait_published(r.snapshot_);
  }
  return r;
}

status chunk_reader::samples(series_ref ref, time_range range, std::vector<sample>& out) {
  if (!cold_ && !recent_) return hot_samples(ref, range, out);
  const auto before = out.size();
  VIGIL_TRY(hot_samples(ref, range, out));
  if (recent_) {
    recent_buf_.clear();
    recent_->samples(ref, range.min, range.max, snapshot_, recent_buf_);
    if (!recent_buf_.empty()) {
      if (out.size() == before || recent_buf_.front().t > out.back().t) {
        out.insert(out.end(), recent_buf_.begin(), recent_buf_.end()); // the usual case: newer than every record
      } else { // a record read in this snapshot is at least as new as a logged sample
        hot_buf_.assign(out.begin() + static_cast<std::ptrdiff_t>(before), out.end());
        out.resize(before);
        merge_prefer_newer(recent_buf_, hot_buf_, scratch_);
        out.insert(out.end(), recent_buf_.begin(), recent_buf_.end());
      }
    }
  }
  if (!cold_) return status::ok();
  cold_buf_.clear();
  VIGIL_TRY(cold_->samples(ref, range, cold_buf_));
  if (cold_buf_.empty()) return status::ok();
  hot_buf_.assign(out.begin() + static_cast<std::ptrdiff_t>(before), out.end());
  out.resize(before);
  merge_prefer_newer(cold_buf_, hot_buf_, scratch_); // the hot tier was written last
  out.insert(out.end(), cold_buf_.begin(), cold_buf_.end());
  return status::ok();
}

result<bool> chunk_reader::has_samples(series_ref ref, time_range range) {
  auto hot = hot_has_samples(ref, range);
  if (!hot || *hot) return hot;
  if (recent_ && recent_->has_samples(ref, range.min, range.max, snapshot_)) return true;
  if (!cold_) return hot;
  return cold_->has_samples(ref, range);
}

status chunk_reader::bad_chunk(const status& why) const {
  series_ref ref = 0;
  timestamp_ms t = 0;
  decode_chunk_key(c_.key(), &ref, &t);
  return corruption("chunk (series " + std::to_string(ref) + ", t " + std::to_string(t) + "): " + why.message());
}

result<bool> chunk_reader::current(series_ref ref, timestamp_ms hi, chunk_view* out) {
  series_ref r = 0;
  if (!decode_chunk_key(c_.key(), &r, &start_)) return corruption("chunks: key of wrong size");
  if (r != ref || start_ > hi) return false;
  const lmdb::bytes key = c_.key();
  if (db_.crypt && std::equal(key.begin(), key.end(), plain_key_.begin(), plain_key_.end())) {
    auto rec = decode_chunk_record(plain_); // decrypted a moment ago
    if (!rec) return bad_chunk(rec.error());
    *out = *rec;
    return true;
  }
  plain_key_.clear();
  auto rec = read_chunk_record(*txn_, db_, key, c_.value(), plain_);
  if (!rec) return bad_chunk(rec.error());
  if (db_.crypt) plain_key_.assign(key.begin(), key.end());
  *out = *rec;
  return true;
}

result<bool> chunk_reader::seek_first(series_ref ref, time_range range) {
  const chunk_key from = make_chunk_key(ref, range.min);
  auto at = c_.seek(from);
  if (!at) return at;
  // The chunk starting just before range.min may reach into the range.
  auto prev = *at ? c_.move(MDB_PREV) : c_.move(MDB_LAST);
  if (!prev) return prev;
  if (*prev) {
    chunk_view c;
    auto ok = current(ref, range.max, &c);
    if (!ok) return ok;
    if (*ok && c.max_t >= range.min) return true;
  }
  at = c_.seek(from);
  if (!at || !*at) return at;
  chunk_view c;
  return current(ref, range.max, &c);
}

status chunk_reader::hot_samples(series_ref ref, time_range range, std::vector<sample>& out) {
  const auto before = out.size();
  // The open chunk (after every record of the series: sealed records hold
  // only samples older than its start, see head::merge_late).
  chunk_view c;
  timestamp_ms start = 0;
  auto open = head_record(ref, &c, &start);
  if (!open) return std::move(open).error();
  // A range inside the open chunk (an instant query's or a rule's window)
  // needs no record lookup.
  if (!*open || start > range.min) VIGIL_TRY(record_samples(ref, range, out));
  if (!*open || start > range.max || c.max_t < range.min) return status::ok();
  open_buf_.clear();
  bool decoded = false;
  if (resume_ && c.encoding == chunk_encoding::xor_v1 && range.min > start &&
      c.payload.size() > xor_chunk_header_bytes) {
    // A window inside the open chunk: start after the last read's stop.
    const auto body = c.payload.subspan(xor_chunk_header_bytes);
    const xor_resume from = resume_->find(ref, start, body);
    xor_resume stop;
    decoded = xor_decode_range(c.payload, range.min, range.max, open_buf_, from.count ? &from : nullptr, &stop);
    if (decoded && stop.count != 0 && stop.count != from.count) resume_->store(ref, start, body, stop);
  } else {
    decoded = decode_chunk_range(c, range.min, range.max, open_buf_);
  }
  if (!decoded) return corruption("open chunk of series " + std::to_string(ref) + " does not decode");
  if (out.size() == before || open_buf_.empty() || open_buf_.front().t > out.back().t) {
    out.insert(out.end(), open_buf_.begin(), open_buf_.end());
  } else { // not expected (records end before the open chunk starts); merged all the same
    hot_buf_.assign(out.begin() + static_cast<std::ptrdiff_t>(before), out.end());
    out.resize(before);
    merge_prefer_newer(hot_buf_, open_buf_, scratch_);
    out.insert(out.end(), hot_buf_.begin(), hot_buf_.end());
  }
  return status::ok();
}

result<bool> chunk_reader::head_record(series_ref ref, chunk_view* out, timestamp_ms* start) {
  const ref_key key = make_ref_key(ref);
  lmdb::bytes v;
  auto st = txn_->get(db_.heads, key, &v);
  if (st.code() == errc::not_found) return false;
  if (!st) return st;
  auto rec = read_head_record(db_, ref, v, open_plain_, start);
  if (!rec) return corruption("open chunk of series " + std::to_string(ref) + ": " + rec.error().message());
  *out = *rec;
  return true;
}

status chunk_reader::record_samples(series_ref ref, time_range range, std::vector<sample>& out) {
  plain_key_.clear();
  if (range.min > range.max) return status::ok();
  auto at = seek_first(ref, range);
  for (; at && *at; at = c_.move(MDB_NEXT)) {
    chunk_view c;
    auto ok = current(ref, range.max, &c);
    if (!ok) return std::move(ok).error();
    if (!*ok) return status::ok();
    const auto before = out.size();
    if (decode_chunk_range(c, range.min, range.max, out)) continue;
    out.resize(before); // malformed: the iterator names the problem
    it_.reset(c);
    for (bool more = it_.seek(range.min); more && it_.t() <= range.max; more = it_.next())
      out.push_back(it_.at());
    if (!it_.err().is_ok()) return bad_chunk(it_.err());
  }
  if (!at) return std::move(at).error();
  return status::ok();
}

result<bool> chunk_reader::hot_has_samples(series_ref ref, time_range range) {
  auto in_records = record_has_samples(ref, range);
  if (!in_records || *in_records) return in_records;
  if (range.min > range.max) return false;
  chunk_view c;
  timestamp_ms start = 0;
  auto open = head_record(ref, &c, &start);
  if (!open || !*open) return open;
  if (start > range.max || c.max_t < range.min) return false;
  if (start >= range.min || c.max_t <= range.max) return true;
  it_.reset(c);
  if (it_.seek(range.min) && it_.t() <= range.max) return true;
  if (!it_.err().is_ok()) return corruption("open chunk of series " + std::to_string(ref) + ": " + it_.err().message());
  return false;
}

result<bool> chunk_reader::record_has_samples(series_ref ref, time_range range) {
  plain_key_.clear();
  if (range.min > range.max) return false;
  auto at = seek_first(ref, range);
  for (; at && *at; at = c_.move(MDB_NEXT)) {
    chunk_view c;
    auto ok = current(ref, range.max, &c);
    if (!ok || !*ok) return ok;
    // Its first sample (start_) or its last (max_t) may already be in range.
    if (start_ >= range.min || c.max_t <= range.max) return true;
    it_.reset(c);
    if (it_.seek(range.min) && it_.t() <= range.max) return true;
    if (!it_.err().is_ok()) return bad_chunk(it_.err());
  }
  if (!at) return at;
  return false;
}

result<std::uint64_t> chunk_reader::count() const {
  auto st = txn_->stat(db_.chunks);
  if (!st) return std::move(st).error();
  auto heads = txn_->stat(db_.heads);
  if (!heads) return std::move(heads).error();
  return static_cast<std::uint64_t>(st->ms_entries) + static_cast<std::uint64_t>(heads->ms_entries);
}

} // namespace vigil::store
