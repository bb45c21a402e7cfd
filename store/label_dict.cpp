#include "store/label_dict.hpp"

#include <lz4.h>

#include <algorithm>
#include <cstring>

#include "store/varint.hpp"

namespace vigil::store {

namespace {
constexpr std::uint64_t max_raw = 1 << 20; // a label set is bounded far below this
} // namespace

std::string build_label_dict(std::span<const std::vector<std::uint8_t>> samples, std::size_t max_bytes) {
  max_bytes = std::min(max_bytes, label_dict_max_bytes);
  std::string dict;
  for (const auto& s : samples) dict.append(reinterpret_cast<const char*>(s.data()), s.size());
  if (dict.size() > max_bytes) dict.erase(0, dict.size() - max_bytes);
  return dict;
}

struct label_dict_encoder::state {
  LZ4_stream_t base; ///< the dictionary loaded
  LZ4_stream_t work; ///< a copy per set
};

label_dict_encoder::label_dict_encoder(const std::string& dict) : s_(new state) {
  LZ4_initStream(&s_->base, sizeof s_->base);
  LZ4_loadDict(&s_->base, dict.data(), static_cast<int>(dict.size()));
}

label_dict_encoder::~label_dict_encoder() { delete s_; }

void label_dict_encoder::encode(std::span<const std::uint8_t> raw, std::vector<std::uint8_t>& out) {
  append_uvarint(out, raw.size());
  const auto at = out.size();
  const int bound = LZ4_compressBound(static_cast<int>(raw.size()));
  out.resize(at + static_cast<std::size_t>(bound));
  // A stream state is plain data pointing at the (outliving) dictionary:
  // a copy compresses exactly as a freshly loaded one.
  std::memcpy(&s_->work, &s_->base, sizeof s_->work);
  const int n = LZ4_compress_fast_continue(&s_->work, reinterpret_cast<const char*>(raw.data()),
                                           reinterpret_cast<char*>(out.data() + at), static_cast<int>(raw.size()),
                                           bound, 1);
  out.resize(at + static_cast<std::size_t>(n > 0 ? n : 0));
}

status decompress_with_dict(std::span<const std::uint8_t> in, const std::string& dict, std::vector<std::uint8_t>& out) {
  std::size_t pos = 0;
  std::uint64_t raw = 0;
  if (!read_uvarint(in, &pos, &raw) || raw > max_raw) return corruption("dictionary frame: bad raw length");
  const auto at = out.size();
  out.resize(at + raw);
  const int n = LZ4_decompress_safe_usingDict(reinterpret_cast<const char*>(in.data() + pos),
                                              reinterpret_cast<char*>(out.data() + at),
                                              static_cast<int>(in.size() - pos), static_cast<int>(raw), dict.data(),
                                              static_cast<int>(dict.size()));
  if (n < 0 || static_cast<std::uint64_t>(n) != raw) {
    out.resize(at);
    return corruption("dictionary frame: lz4 rejected it");
  }
  return status::ok();
}

} // namespace vigil::store
