#include "store/sealed_chunk.hpp"

#include <algorithm>
#include <limits>
#include <string>

#include "store/chunk_io.hpp"
#include "store/xor_chunk.hpp"

namespace vigil::store {

namespace {

constexpr timestamp_ms t_min = std::numeric_limits<timestamp_ms>::min();
constexpr timestamp_ms t_max = std::numeric_limits<timestamp_ms>::max();

status bad_chunk(series_ref ref, timestamp_ms start, const std::string& why) {
  return corruption("chunk (series " + std::to_string(ref) + ", t " + std::to_string(start) + "): " + why);
}

} // namespace

std::size_t chunk_sealer::block_samples() const noexcept {
  return std::clamp<std::size_t>(limits_.max_block_samples, 1, packed_block_max_samples);
}

status chunk_sealer::put_record(lmdb::txn& t, const chunk_key& key, chunk_encoding enc, timestamp_ms max_t,
                                std::span<const std::uint8_t> payload) {
  return put_chunk_record(t, db_, key, enc, max_t, payload, record_);
}

status chunk_sealer::seal(lmdb::txn& t, series_ref ref, timestamp_ms start, std::span<const std::uint8_t> xor_bytes,
                          std::size_t count, bool on_disk) {
  const chunk_key key = make_chunk_key(ref, start);
  if (limits_.sealed_encoding == chunk_encoding::xor_v1) {
    if (on_disk) return status::ok();
    xor_iterator it(xor_bytes);
    timestamp_ms last = start;
    while (it.next()) last = it.t();
    VIGIL_TRY(it.err());
    VIGIL_TRY(put_record(t, key, chunk_encoding::xor_v1, last, xor_bytes));
    sealed_samples_ += count;
    sealed_bytes_ += xor_bytes.size();
    return status::ok();
  }
  sealed_.clear();
  if (!xor_decode_range(xor_bytes, t_min, t_max, sealed_) || sealed_.size() != count || count == 0)
    return corruption("open chunk of series " + std::to_string(ref) + " does not decode");
  return seal_decoded(t, ref, start);
}

status chunk_sealer::seal_samples(lmdb::txn& t, series_ref ref, timestamp_ms start, std::span<const sample> samples) {
  if (limits_.sealed_encoding == chunk_encoding::xor_v1 || samples.empty()) return write(t, ref, samples);
  sealed_.assign(samples.begin(), samples.end());
  return seal_decoded(t, ref, start);
}

status chunk_sealer::seal_decoded(lmdb::txn& t, series_ref ref, timestamp_ms start) {
  const chunk_key key = make_chunk_key(ref, start);
  const std::size_t count = sealed_.size();
  bool joined = false;
  VIGIL_TRY(join_previous(t, ref, start, &joined));
  if (joined) { // join_previous() counted the bytes
    sealed_samples_ += count;
    auto st = t.del(db_.chunks, key); // the chunk's own record, if it was written
    return st.code() == errc::not_found ? status::ok() : st;
  }
  payload_.clear();
  packer_.encode(sealed_, block_samples(), payload_);
  VIGIL_TRY(put_record(t, key, chunk_encoding::packed_v1, sealed_.back().t, payload_));
  sealed_samples_ += count;
  sealed_bytes_ += payload_.size();
  return status::ok();
}

status chunk_sealer::join_previous(lmdb::txn& t, series_ref ref, timestamp_ms start, bool* done) {
  *done = false;
  auto c = lmdb::cursor::open(t, db_.chunks);
  if (!c) return std::move(c).error();
  auto at = c->seek(make_chunk_key(ref, start));
  if (at) at = *at ? c->move(MDB_PREV) : c->move(MDB_LAST);
  if (!at) return std::move(at).error();
  series_ref prev_ref = 0;
  timestamp_ms prev_start = 0;
  if (!*at || !decode_chunk_key(c->key(), &prev_ref, &prev_start) || prev_ref != ref || prev_start >= start)
    return status::ok(); // no earlier record
  auto prev = read_chunk_record(t, db_, c->key(), c->value(), plain_);
  if (!prev) return bad_chunk(ref, prev_start, prev.error().message());
  if (prev->encoding != chunk_encoding::packed_v1) return status::ok(); // older XOR records stay as they are
  auto count = packed_count(prev->payload);
  if (!count) return bad_chunk(ref, prev_start, count.error().message());
  const timestamp_ms max_t = sealed_.back().t;
  const auto span = static_cast<std::uint64_t>(max_t) - static_cast<std::uint64_t>(prev_start);
  if (*count + sealed_.size() > limits_.max_sealed_samples ||
      span > static_cast<std::uint64_t>(limits_.max_sealed_span_ms))
    return status::ok();
  payload_.clear(); // copies the previous payload out of LMDB's page (or plain_) before the put
  if (auto st = packer_.append(prev->payload, sealed_, block_samples(), payload_); !st)
    return bad_chunk(ref, prev_start, st.message());
  if (payload_.size() > limits_.max_sealed_bytes) return status::ok();
  const std::size_t before = prev->payload.size(); // read before the put moves the page
  VIGIL_TRY(put_record(t, make_chunk_key(ref, prev_start), chunk_encoding::packed_v1, max_t, payload_));
  if (payload_.size() > before) sealed_bytes_ += payload_.size() - before;
  *done = true;
  return status::ok();
}

status chunk_sealer::write(lmdb::txn& t, series_ref ref, std::span<const sample> samples) {
  // A few late samples do not leave tiny records behind; a large backfill is
  // split evenly. Packed records hold blocks of at most max_block_samples;
  // XOR records are one chunk of at most max_samples (twice that for one).
  const bool packed = limits_.sealed_encoding == chunk_encoding::packed_v1;
  const std::size_t chunk = std::min<std::size_t>(limits_.max_samples, xor_chunk_max_samples / 2);
  const std::size_t limit = packed ? std::max<std::size_t>(limits_.max_sealed_samples, chunk) : chunk;
  const std::size_t pieces = samples.size() <= limit + chunk ? 1 : (samples.size() + limit - 1) / limit;
  const std::size_t piece = (samples.size() + pieces - 1) / pieces;
  for (std::size_t i = 0; i < samples.size(); i += piece) {
    const auto part = samples.subspan(i, std::min(piece, samples.size() - i));
    payload_.clear();
    if (packed) {
      packer_.encode(part, block_samples(), payload_);
    } else {
      auto app = xor_appender::create(payload_);
      for (const sample& x : part) app.append(x.t, x.v);
    }
    VIGIL_TRY(put_record(t, make_chunk_key(ref, part.front().t), limits_.sealed_encoding, part.back().t, payload_));
  }
  return status::ok();
}

result<std::size_t> chunk_sealer::seal_open_chunks(lmdb::txn& t, timestamp_ms before) {
  if (limits_.sealed_encoding != chunk_encoding::packed_v1) return std::size_t{0};
  // The last record of each series is its open chunk; collect those to
  // rewrite, then rewrite them (not while the cursor walks the tree).
  std::vector<chunk_key> doomed;
  {
    auto c = lmdb::cursor::open(t, db_.chunks);
    if (!c) return std::move(c).error();
    series_ref prev = 0;
    bool pending = false; // the previous record is a candidate
    chunk_key prev_key{};
    auto at = c->move(MDB_FIRST);
    for (; at && *at; at = c->move(MDB_NEXT)) {
      series_ref ref = 0;
      timestamp_ms start = 0;
      if (!decode_chunk_key(c->key(), &ref, &start)) return corruption("chunks: key of wrong size");
      if (pending && ref != prev) doomed.push_back(prev_key);
      auto rec = read_chunk_record(db_, c->key(), c->value(), plain_);
      pending = rec && rec->encoding == chunk_encoding::xor_v1 && rec->max_t < before;
      prev = ref;
      prev_key = make_chunk_key(ref, start);
    }
    if (!at) return std::move(at).error();
    if (pending) doomed.push_back(prev_key);
  }
  for (const chunk_key& key : doomed) {
    lmdb::bytes val;
    VIGIL_TRY(t.get(db_.chunks, key, &val));
    auto rec = read_chunk_record(db_, key, val, plain_);
    sealed_.clear();
    if (!rec || !xor_decode_range(rec->payload, t_min, t_max, sealed_) || sealed_.empty()) {
      series_ref ref = 0;
      timestamp_ms start = 0;
      decode_chunk_key(key, &ref, &start);
      return bad_chunk(ref, start, "does not decode");
    }
    payload_.clear();
    packer_.encode(sealed_, block_samples(), payload_);
    VIGIL_TRY(put_record(t, key, chunk_encoding::packed_v1, rec->max_t, payload_));
  }
  return doomed.size();
}

} // namespace vigil::store
