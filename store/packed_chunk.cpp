#include "store/packed_chunk.hpp"

#include <algorithm>
#include <cassert>
#include <limits>
#include <string>

#include "store/varint.hpp"

namespace vigil::store {

// ---- encoder ----------------------------------------------------------------

void packed_encoder::append_block(std::span<const sample> samples, std::vector<std::uint8_t>& out) {
  const std::size_t n = samples.size();
  assert(n >= 1 && n <= packed_block_max_samples);
  t_.resize(n);
  v_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    assert(i == 0 || samples[i].t > samples[i - 1].t);
    t_[i] = static_cast<std::uint64_t>(samples[i].t);
    v_[i] = samples[i].v;
  }
  body_.clear();
  append_uvarint(body_, n);
  times_.encode(t_, body_);
  values_.encode(v_, body_);
  append_uvarint(out, body_.size());
  out.insert(out.end(), body_.begin(), body_.end());
}

void packed_encoder::append_blocks(std::span<const sample> samples, std::size_t max_block,
                                   std::vector<std::uint8_t>& out) {
  assert(!samples.empty() && max_block >= 1 && max_block <= packed_block_max_samples);
  const std::size_t blocks = (samples.size() + max_block - 1) / max_block;
  const std::size_t size = (samples.size() + blocks - 1) / blocks;
  for (std::size_t i = 0; i < samples.size(); i += size)
    append_block(samples.subspan(i, std::min(size, samples.size() - i)), out);
}

void packed_encoder::encode(std::span<const sample> samples, std::size_t max_block, std::vector<std::uint8_t>& out) {
  append_uvarint(out, samples.size());
  append_blocks(samples, max_block, out);
}

status packed_encoder::append(std::span<const std::uint8_t> old, std::span<const sample> samples,
                              std::size_t max_block, std::vector<std::uint8_t>& out) {
  const auto bad = [](const char* e) { return corruption(std::string("packed chunk: ") + e); };
  std::size_t pos = 0, total = 0, last_at = 0;
  if (const char* e = packed_read_header(old, &pos, &total)) return bad(e);
  const std::size_t first_at = pos;
  std::size_t seen = 0;
  packed_block last;
  while (pos < old.size()) {
    last_at = pos;
    if (const char* e = packed_read_block(old, &pos, &last)) return bad(e);
    seen += last.n;
  }
  if (seen != total) return bad("sample count disagrees with the blocks");
  const bool merge = last.n + samples.size() <= max_block;
  if (merge) { // the last block's samples, then the new ones, as one block
    dt_.resize(last.n);
    dv_.resize(last.n);
    scratch_.resize(last.n);
    if (const char* e = packed_decode_block(last, dt_.data(), dv_.data(), scratch_.data())) return bad(e);
    merged_.clear();
    for (std::size_t i = 0; i < last.n; ++i) merged_.push_back({dt_[i], dv_[i]});
    merged_.insert(merged_.end(), samples.begin(), samples.end());
  }
  append_uvarint(out, total + samples.size());
  const std::size_t keep = merge ? last_at : old.size();
  out.insert(out.end(), old.begin() + static_cast<std::ptrdiff_t>(first_at), old.begin() + static_cast<std::ptrdiff_t>(keep));
  if (merge) append_block(merged_, out);
  else append_blocks(samples, max_block, out);
  return status::ok();
}

// ---- block access -----------------------------------------------------------

const char* packed_read_header(std::span<const std::uint8_t> payload, std::size_t* pos, std::size_t* total) noexcept {
  std::uint64_t n = 0;
  *pos = 0;
  if (!read_uvarint(payload, pos, &n)) return "truncated sample count";
  if (n == 0 || n > std::numeric_limits<std::uint32_t>::max()) return "bad sample count";
  *total = static_cast<std::size_t>(n);
  return nullptr;
}

const char* packed_read_block(std::span<const std::uint8_t> payload, std::size_t* pos, packed_block* b) noexcept {
  std::uint64_t len = 0, n = 0, t0 = 0;
  if (!read_uvarint(payload, pos, &len)) return "truncated block length";
  if (len > payload.size() - *pos) return "block longer than the chunk";
  b->body = payload.subspan(*pos, static_cast<std::size_t>(len));
  *pos += static_cast<std::size_t>(len);
  std::size_t at = 0;
  if (!read_uvarint(b->body, &at, &n)) return "truncated sample count";
  if (n == 0 || n > packed_block_max_samples) return "bad sample count";
  if (!read_uvarint(b->body, &at, &t0)) return "truncated first timestamp";
  b->n = static_cast<std::size_t>(n);
  b->t0 = zigzag_decode(t0);
  return nullptr;
}

const char* packed_decode_block(const packed_block& b, timestamp_ms* t, double* v, std::uint64_t* scratch) noexcept {
  std::size_t pos = 0;
  std::uint64_t n = 0;
  read_uvarint(b.body, &pos, &n); // checked by packed_read_block
  // int64 and uint64 may alias each other.
  if (const char* e = intseq_decode(b.body, &pos, b.n, reinterpret_cast<std::uint64_t*>(t))) return e;
  for (std::size_t i = 1; i < b.n; ++i)
    if (t[i] <= t[i - 1]) return "timestamps do not ascend";
  if (const char* e = values_decode(b.body, &pos, b.n, v, scratch)) return e;
  if (pos != b.body.size()) return "bytes left over after the values";
  return nullptr;
}

result<std::size_t> packed_count(std::span<const std::uint8_t> payload) {
  std::size_t pos = 0, total = 0;
  if (const char* e = packed_read_header(payload, &pos, &total)) return corruption(std::string("packed chunk: ") + e);
  return total;
}

bool packed_decode_range(std::span<const std::uint8_t> payload, timestamp_ms lo, timestamp_ms hi,
                         std::vector<sample>& out) {
  thread_local std::vector<timestamp_ms> ts;
  thread_local std::vector<double> vs;
  thread_local std::vector<std::uint64_t> scratch;
  std::size_t pos = 0, total = 0, seen = 0;
  packed_block cur, nxt;
  if (packed_read_header(payload, &pos, &total) != nullptr || pos >= payload.size() ||
      packed_read_block(payload, &pos, &cur) != nullptr)
    return false;
  for (;;) {
    seen += cur.n;
    const bool more = pos < payload.size();
    if (more && packed_read_block(payload, &pos, &nxt) != nullptr) return false;
    if (cur.t0 > hi) return true;
    if (!more || nxt.t0 > lo) { // else every sample of `cur` is < nxt.t0 <= lo
      if (ts.size() < cur.n) ts.resize(cur.n), vs.resize(cur.n), scratch.resize(cur.n);
      if (packed_decode_block(cur, ts.data(), vs.data(), scratch.data()) != nullptr) return false;
      const timestamp_ms* t = ts.data();
      const auto a = static_cast<std::size_t>(std::lower_bound(t, t + cur.n, lo) - t);
      const auto e = static_cast<std::size_t>(std::upper_bound(t + a, t + cur.n, hi) - t);
      if (out.capacity() < out.size() + (e - a)) out.reserve(std::max(2 * out.capacity(), out.size() + (e - a)));
      for (std::size_t i = a; i < e; ++i) out.push_back({ts[i], vs[i]});
    }
    if (!more) return seen == total;
    cur = nxt;
  }
}

// ---- iterator ---------------------------------------------------------------

void packed_iterator::reset(std::span<const std::uint8_t> payload) {
  payload_ = payload;
  block_ = 0;
  i_ = n_ = seen_ = 0;
  valid_ = false;
  err_ = status::ok();
  if (const char* e = packed_read_header(payload, &pos_, &total_)) fail(e);
}

bool packed_iterator::fail(const char* what) {
  err_ = corruption(std::string("packed chunk: ") + what + " in block " + std::to_string(block_));
  valid_ = false;
  n_ = i_ = 0;
  pos_ = payload_.size(); // stop
  return false;
}

bool packed_iterator::read_next(packed_block* b) {
  if (pos_ >= payload_.size()) {
    if (seen_ != total_) fail("fewer samples than the chunk header says");
    return false;
  }
  if (const char* e = packed_read_block(payload_, &pos_, b)) return fail(e);
  seen_ += b->n;
  if (seen_ > total_) return fail("more samples than the chunk header says");
  return true;
}

bool packed_iterator::load(const packed_block& b) {
  if (t_.size() < b.n) t_.resize(b.n), v_.resize(b.n), scratch_.resize(b.n);
  if (const char* e = packed_decode_block(b, t_.data(), v_.data(), scratch_.data())) return fail(e);
  n_ = b.n;
  i_ = 0;
  ++block_;
  return true;
}

bool packed_iterator::next() {
  while (err_.is_ok()) {
    if (i_ < n_) {
      ++i_;
      return valid_ = true;
    }
    packed_block b;
    if (!read_next(&b) || !load(b)) break;
  }
  return valid_ = false;
}

bool packed_iterator::seek(timestamp_ms t) {
  if (valid_ && t_[i_ - 1] >= t) return true;
  while (err_.is_ok()) {
    while (i_ < n_ && t_[i_] < t) ++i_;
    if (i_ < n_) {
      ++i_;
      return valid_ = true;
    }
    packed_block b;
    if (!read_next(&b)) break;
    // Skip the block undecoded when the next one starts at or before t.
    std::size_t after = pos_;
    packed_block nb;
    if (after < payload_.size() && packed_read_block(payload_, &after, &nb) == nullptr && nb.t0 <= t) {
      ++block_;
      n_ = i_ = 0;
      continue;
    }
    if (!load(b)) break;
  }
  return valid_ = false;
}

} // namespace vigil::store
