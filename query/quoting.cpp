#include "query/quoting.hpp"

#include <cstdint>

namespace vigil::query {
namespace {

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads `n` hex digits at body[i..]; returns false when malformed.
bool read_hex(std::string_view body, std::size_t i, int n, std::uint32_t& v) {
  if (i + n > body.size()) return false;
  v = 0;
  for (int k = 0; k < n; ++k) {
    int h = hex_value(body[i + k]);
    if (h < 0) return false;
    v = v * 16 + static_cast<std::uint32_t>(h);
  }
  return true;
}

// Resolves the escape starting at body[i] (just after the backslash).
bool unescape(std::string_view body, std::size_t& i, char quote, std::string& out) {
  char c = body[i++];
  switch (c) {
    case 'a': out += '\a'; return true;
    case 'b': out += '\b'; return true;
    case 'f': out += '\f'; return true;
    case 'n': out += '\n'; return true;
    case 'r': out += '\r'; return true;
    case 't': out += '\t'; return true;
    case 'v': out += '\v'; return true;
    case '\\': out += '\\'; return true;
    case '"':
    case '\'':
      if (c != quote) return false;
      out += c;
      return true;
    case 'x': case 'u': case 'U': {
      int n = c == 'x' ? 2 : c == 'u' ? 4 : 8;
      std::uint32_t v = 0;
      if (!read_hex(body, i, n, v)) return false;
      i += static_cast<std::size_t>(n);
      if (c == 'x') out += static_cast<char>(v);
      else if (v > 0x10FFFF || (v >= 0xD800 && v < 0xE000)) return false;
      else append_utf8(out, v);
      return true;
    }
    default: break;
  }
  if (c >= '0' && c <= '7') {
    if (i + 2 > body.size()) return false;
    std::uint32_t v = static_cast<std::uint32_t>(c - '0');
    for (int k = 0; k < 2; ++k) {
      char d = body[i++];
      if (d < '0' || d > '7') return false;
      v = v * 8 + static_cast<std::uint32_t>(d - '0');
    }
    if (v > 255) return false;
    out += static_cast<char>(v);
    return true;
  }
  return false;
}

} // namespace

result<std::string> unquote(std::string_view q) {
  if (q.size() < 2 || q.front() != q.back() || (q.front() != '"' && q.front() != '\'' && q.front() != '`'))
    return invalid_argument("invalid quoted string");
  char quote = q.front();
  std::string_view body = q.substr(1, q.size() - 2);
  if (quote == '`') return std::string(body);
  std::string out;
  out.reserve(body.size());
  for (std::size_t i = 0; i < body.size();) {
    char c = body[i];
    if (c == quote || c == '\n') return invalid_argument("invalid syntax in quoted string");
    if (c != '\\') {
      out += c;
      ++i;
      continue;
    }
    ++i;
    if (i >= body.size() || !unescape(body, i, quote, out))
      return invalid_argument("invalid escape sequence in quoted string");
  }
  return out;
}

std::string quote(std::string_view s) {
  static const char* hex = "0123456789abcdef";
  std::string out = "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\x";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  return out;
}

} // namespace vigil::query
