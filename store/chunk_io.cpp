#include "store/chunk_io.hpp"

#include <cstring>
#include <string>

#include "store/varint.hpp"

namespace vigil::store {

result<chunk_view> read_chunk_record(const schema& db, lmdb::bytes key, lmdb::bytes stored,
                                     std::vector<std::uint8_t>& scratch) {
  if (!db.crypt) return decode_chunk_record(stored);
  scratch.clear();
  VIGIL_TRY(db.crypt->decrypt(crypt_domain::chunk, key, stored, scratch));
  return decode_chunk_record(scratch);
}

tscol_key make_tscol_key(std::uint64_t id) noexcept {
  tscol_key k;
  for (int i = 0; i < 8; ++i) k[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(id >> (56 - 8 * i));
  return k;
}

namespace {

std::size_t uvarint_size(std::uint64_t v) noexcept {
  std::size_t n = 1;
  while (v >= 0x80) v >>= 7, ++n;
  return n;
}

} // namespace

result<chunk_view> read_chunk_record(const lmdb::txn& t, const schema& db, lmdb::bytes key, lmdb::bytes stored,
                                     std::vector<std::uint8_t>& scratch) {
  auto c = read_chunk_record(db, key, stored, scratch);
  if (!c || c->encoding != chunk_encoding::packed_shared_ts_v1) return c;
  // payload = [uvarint N] block+, block = [uvarint L][uvarint n][u64 BE id][values]
  // -> packed_v1: block = [uvarint L'][uvarint n][the column's bytes][values]
  if (db.crypt || db.tscols == 0) return corruption("chunk record of shared timestamp columns in a shard without them");
  const auto in = c->payload;
  std::size_t pos = 0;
  std::uint64_t total = 0;
  if (!read_uvarint(in, &pos, &total)) return corruption("shared-column chunk: no sample count");
  scratch.clear();
  append_uvarint(scratch, total);
  while (pos < in.size()) {
    std::uint64_t len = 0, n = 0;
    if (!read_uvarint(in, &pos, &len) || len > in.size() - pos) return corruption("shared-column chunk: bad block length");
    const std::size_t end = pos + len;
    std::size_t p = pos;
    if (!read_uvarint(in, &p, &n) || end - p < 8) return corruption("shared-column chunk: bad block header");
    std::uint64_t id = 0;
    for (int i = 0; i < 8; ++i) id = id << 8 | in[p + static_cast<std::size_t>(i)];
    p += 8;
    lmdb::bytes col; // id 0: the column follows inline (it is used once)
    const auto ck = make_tscol_key(id);
    if (id != 0)
      if (auto st = t.get(db.tscols, ck, &col); !st)
        return corruption("shared timestamp column " + std::to_string(id) +
                          (st.code() == errc::not_found ? std::string(" is missing") : ": " + st.message()));
    const std::size_t body = uvarint_size(n) + col.size() + (end - p);
    append_uvarint(scratch, body);
    append_uvarint(scratch, n);
    scratch.insert(scratch.end(), col.begin(), col.end());
    scratch.insert(scratch.end(), in.begin() + static_cast<std::ptrdiff_t>(p), in.begin() + static_cast<std::ptrdiff_t>(end));
    pos = end;
  }
  chunk_view out = *c;
  out.encoding = chunk_encoding::packed_v1;
  out.payload = scratch;
  return out;
}

status put_chunk_record(lmdb::txn& t, const schema& db, const chunk_key& key, chunk_encoding enc,
                        timestamp_ms max_t, std::span<const std::uint8_t> payload,
                        std::vector<std::uint8_t>& scratch) {
  if (!db.crypt) {
    auto out = t.reserve(db.chunks, key, chunk_record_header_bytes + payload.size());
    if (!out) return std::move(out).error();
    write_chunk_record_header(*out, enc, max_t);
    if (!payload.empty()) std::memcpy(*out + chunk_record_header_bytes, payload.data(), payload.size());
    return status::ok();
  }
  scratch.clear();
  append_chunk_record(scratch, enc, max_t, payload);
  auto out = t.reserve(db.chunks, key, scratch.size() + encryption_overhead);
  if (!out) return std::move(out).error();
  return db.crypt->encrypt(crypt_domain::chunk, key, scratch, *out);
}

status put_head_record(lmdb::txn& t, const schema& db, series_ref ref, timestamp_ms start, timestamp_ms max_t,
                       std::span<const std::uint8_t> payload, std::vector<std::uint8_t>& scratch) {
  const ref_key key = make_ref_key(ref);
  std::uint8_t prefix[8];
  put_u64_be(prefix, encode_time(start));
  if (!db.crypt) {
    auto out = t.reserve(db.heads, key, 8 + chunk_record_header_bytes + payload.size());
    if (!out) return std::move(out).error();
    std::memcpy(*out, prefix, 8);
    write_chunk_record_header(*out + 8, chunk_encoding::xor_v1, max_t);
    if (!payload.empty()) std::memcpy(*out + 8 + chunk_record_header_bytes, payload.data(), payload.size());
    return status::ok();
  }
  scratch.clear();
  append_chunk_record(scratch, chunk_encoding::xor_v1, max_t, payload);
  auto out = t.reserve(db.heads, key, 8 + scratch.size() + encryption_overhead);
  if (!out) return std::move(out).error();
  std::memcpy(*out, prefix, 8);
  return db.crypt->encrypt(crypt_domain::chunk, make_chunk_key(ref, start), scratch, *out + 8);
}

result<chunk_view> read_head_record(const schema& db, series_ref ref, lmdb::bytes stored,
                                    std::vector<std::uint8_t>& scratch, timestamp_ms* start) {
  if (stored.size() < 8) return corruption("open chunk of series " + std::to_string(ref) + ": too short");
  *start = decode_time(get_u64_be(stored.data()));
  return read_chunk_record(db, make_chunk_key(ref, *start), stored.subspan(8), scratch);
}

} // namespace vigil::store
