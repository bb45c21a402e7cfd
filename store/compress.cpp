#include "store/compress.hpp"

#include <cassert>
#include <cstring>
#include <string>

#include <lz4.h>
#include <lz4hc.h>

#include "store/varint.hpp"

namespace vigil::store {

namespace {

void append_raw_frame(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out) {
  out.push_back(static_cast<std::uint8_t>(compress_method::raw));
  append_uvarint(out, in.size());
  append_uvarint(out, in.size());
  out.insert(out.end(), in.begin(), in.end());
}

} // namespace

compress_method compress(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out) {
  return compress(in, out, 0);
}

compress_method compress(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out, int hc_level) {
  assert(in.size() <= compress_max_raw_bytes);
  if (in.size() < compress_min_bytes) {
    append_raw_frame(in, out);
    return compress_method::raw;
  }
  const std::size_t start = out.size();
  const int src = static_cast<int>(in.size());
  const int bound = LZ4_compressBound(src);
  out.push_back(static_cast<std::uint8_t>(compress_method::lz4));
  append_uvarint(out, in.size());
  // The stored length's varint is written after compressing; reserve room for
  // the longest one and slide the payload back afterwards.
  const std::size_t len_at = out.size();
  out.resize(len_at + max_varint_bytes + static_cast<std::size_t>(bound));
  const auto* from = reinterpret_cast<const char*>(in.data());
  auto* to = reinterpret_cast<char*>(out.data() + len_at + max_varint_bytes);
  const int n = hc_level > 0 ? LZ4_compress_HC(from, to, src, bound, hc_level)
                             : LZ4_compress_default(from, to, src, bound);
  if (n <= 0 || static_cast<std::size_t>(n) >= in.size()) {
    out.resize(start);
    append_raw_frame(in, out);
    return compress_method::raw;
  }
  const std::size_t len_bytes = put_uvarint(out.data() + len_at, static_cast<std::uint64_t>(n));
  std::memmove(out.data() + len_at + len_bytes, out.data() + len_at + max_varint_bytes,
               static_cast<std::size_t>(n));
  out.resize(len_at + len_bytes + static_cast<std::size_t>(n));
  return compress_method::lz4;
}

result<std::size_t> decompress(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out) {
  std::size_t pos = 1;
  std::uint64_t raw_len = 0, stored_len = 0;
  if (in.empty()) return corruption("compressed frame: empty");
  if (!read_uvarint(in, &pos, &raw_len) || !read_uvarint(in, &pos, &stored_len))
    return corruption("compressed frame: truncated header");
  if (stored_len > in.size() - pos) return corruption("compressed frame: truncated payload");
  if (raw_len > compress_max_raw_bytes) return corruption("compressed frame: raw length too large");
  const auto payload = in.subspan(pos, static_cast<std::size_t>(stored_len));
  const std::size_t used = pos + payload.size();
  switch (static_cast<compress_method>(in[0])) {
    case compress_method::raw:
      if (raw_len != stored_len) return corruption("compressed frame: raw lengths differ");
      out.insert(out.end(), payload.begin(), payload.end());
      return used;
    case compress_method::lz4: {
      const std::size_t start = out.size();
      out.resize(start + static_cast<std::size_t>(raw_len));
      const int n = LZ4_decompress_safe(reinterpret_cast<const char*>(payload.data()),
                                        reinterpret_cast<char*>(out.data() + start),
                                        static_cast<int>(payload.size()), static_cast<int>(raw_len));
      if (n < 0 || static_cast<std::uint64_t>(n) != raw_len) {
        out.resize(start);
        return corruption("compressed frame: lz4 payload does not decode");
      }
      return used;
    }
  }
  return corruption("compressed frame: unknown method " + std::to_string(in[0]));
}

} // namespace vigil::store
