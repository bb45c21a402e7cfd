#include "store/chunk_io.hpp"

#include <cstring>
#include <string>

namespace vigil::store {

result<chunk_view> read_chunk_record(const schema& db, lmdb::bytes key, lmdb::bytes stored,
                                     std::vector<std::uint8_t>& scratch) {
  if (!db.crypt) return decode_chunk_record(stored);
  scratch.clear();
  VIGIL_TRY(db.crypt->decrypt(crypt_domain::chunk, key, stored, scratch));
  return decode_chunk_record(scratch);
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
