#include "store/chunk_io.hpp"

#include <cstring>

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

} // namespace vigil::store
