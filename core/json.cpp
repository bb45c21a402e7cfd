#include "core/json.hpp"

#include <cstdint>

namespace vigil {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

/// Length of the valid UTF-8 sequence at p[0..n), 0 if invalid; sets `cp`.
std::size_t utf8_sequence(const unsigned char* p, std::size_t n, std::uint32_t& cp) {
  unsigned char c = p[0];
  std::size_t len;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
  else if (c >= 0xE0 && c <= 0xEF) {
    len = 3; cp = c & 0x0F;
    if (c == 0xE0) lo = 0xA0; else if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4; cp = c & 0x07;
    if (c == 0xF0) lo = 0x90; else if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (len > n || p[1] < lo || p[1] > hi) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if (p[k] < 0x80 || p[k] > 0xBF) return 0;
    cp = (cp << 6) | (p[k] & 0x3F);
  }
  return len;
}

bool needs_escape(unsigned char c) {
  return c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= 0x80;
}

void append_u(std::string& out, unsigned code) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += hex_digits[(code >> shift) & 0xF];
}

} // namespace

void append_json_string(std::string& out, std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  out += '"';
  std::size_t run = 0; // start of the pending unescaped run
  for (std::size_t i = 0; i < n;) {
    unsigned char c = p[i];
    if (!needs_escape(c)) {
      ++i;
      continue;
    }
    std::uint32_t cp = 0;
    std::size_t len = c >= 0x80 ? utf8_sequence(p + i, n - i, cp) : 1;
    if (c >= 0x80 && len > 0 && cp != 0x2028 && cp != 0x2029) {
      i += len; // valid multi-byte sequence: copied verbatim
      continue;
    }
    out.append(s.data() + run, i - run);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x80) append_u(out, c);       // control byte or <, >, &
        else if (len > 0) append_u(out, cp); // U+2028, U+2029
        else append_u(out, 0xFFFD);          // invalid byte
    }
    i += len > 0 ? len : 1;
    run = i;
  }
  out.append(s.data() + run, n - run);
  out += '"';
}

} // namespace vigil
