#include "store/label_codec.hpp"

#include <string>
#include <string_view>

#include "store/varint.hpp"

namespace vigil::store {

namespace {

void append_string(std::vector<std::uint8_t>& out, std::string_view s) {
  append_uvarint(out, s.size());
  out.insert(out.end(), reinterpret_cast<const std::uint8_t*>(s.data()),
             reinterpret_cast<const std::uint8_t*>(s.data()) + s.size());
}

bool read_string(std::span<const std::uint8_t> in, std::size_t* pos, std::string* out) {
  std::uint64_t n = 0;
  if (!read_uvarint(in, pos, &n) || n > in.size() - *pos) return false;
  out->assign(reinterpret_cast<const char*>(in.data() + *pos), static_cast<std::size_t>(n));
  *pos += static_cast<std::size_t>(n);
  return true;
}

} // namespace

void append_labels(std::vector<std::uint8_t>& out, const labels& ls) {
  append_uvarint(out, ls.size());
  for (const auto& l : ls) {
    append_string(out, l.name);
    append_string(out, l.value);
  }
}

result<labels> decode_labels(std::span<const std::uint8_t> in) {
  std::size_t pos = 0;
  std::uint64_t n = 0;
  if (!read_uvarint(in, &pos, &n) || n > in.size()) return corruption("label set: bad pair count");
  std::vector<label> pairs(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    if (!read_string(in, &pos, &pairs[i].name) || !read_string(in, &pos, &pairs[i].value))
      return corruption("label set: truncated pair " + std::to_string(i));
    if (pairs[i].value.empty() || (i > 0 && !(pairs[i - 1].name < pairs[i].name)))
      return corruption("label set: pair " + std::to_string(i) + " unsorted, duplicate or empty");
  }
  if (pos != in.size()) return corruption("label set: trailing bytes");
  return labels::from_sorted(std::move(pairs));
}

} // namespace vigil::store
