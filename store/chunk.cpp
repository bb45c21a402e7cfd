#include "store/chunk.hpp"

#include <string>

#include "store/keys.hpp"

namespace vigil::store {

void write_chunk_record_header(std::uint8_t* out, chunk_encoding enc, timestamp_ms max_t) noexcept {
  out[0] = chunk_record_version;
  out[1] = static_cast<std::uint8_t>(enc);
  put_u64_be(out + 2, encode_time(max_t));
}

void append_chunk_record(std::vector<std::uint8_t>& out, chunk_encoding enc, timestamp_ms max_t,
                         std::span<const std::uint8_t> payload) {
  const std::size_t at = out.size();
  out.resize(at + chunk_record_header_bytes);
  write_chunk_record_header(out.data() + at, enc, max_t);
  out.insert(out.end(), payload.begin(), payload.end());
}

result<chunk_view> decode_chunk_record(std::span<const std::uint8_t> record) {
  if (record.size() < chunk_record_header_bytes)
    return corruption("chunk record: " + std::to_string(record.size()) + " bytes, shorter than its header");
  if (record[0] != chunk_record_version)
    return corruption("chunk record: unknown version " + std::to_string(record[0]));
  if (record[1] != static_cast<std::uint8_t>(chunk_encoding::xor_v1) &&
      record[1] != static_cast<std::uint8_t>(chunk_encoding::packed_v1) &&
      record[1] != static_cast<std::uint8_t>(chunk_encoding::packed_shared_ts_v1))
    return corruption("chunk record: unknown encoding " + std::to_string(record[1]));
  chunk_view c;
  c.encoding = static_cast<chunk_encoding>(record[1]);
  c.max_t = decode_time(get_u64_be(record.data() + 2));
  c.payload = record.subspan(chunk_record_header_bytes);
  return c;
}

bool decode_chunk_range(const chunk_view& c, timestamp_ms lo, timestamp_ms hi, std::vector<sample>& out) {
  if (c.encoding == chunk_encoding::packed_v1) return packed_decode_range(c.payload, lo, hi, out);
  if (c.encoding == chunk_encoding::packed_shared_ts_v1) return false; // unresolved (read_chunk_record with a txn)
  return xor_decode_range(c.payload, lo, hi, out);
}

} // namespace vigil::store
