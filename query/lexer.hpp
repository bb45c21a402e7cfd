// query/lexer.hpp - splits PromQL text into tokens with source positions.
//
// Identifiers may contain '.' after their first character (a vigil extension
// for dotted metric names such as `api.latency`); numbers such as `1.5` and
// `.5` still lex as numbers because they start with a digit or a dot.
// Keywords (and, by, offset, ...) are lexed as identifiers; the parser decides
// by context, as Prometheus' grammar accepts keywords as metric and label
// names. `inf`/`nan` outside braces lex as numbers. Pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"
#include "query/quoting.hpp"

namespace vigil::query {

enum class token_kind : unsigned char {
  eof,
  identifier,
  number,
  duration,
  string,
  lparen, rparen, lbrace, rbrace, lbracket, rbracket,
  comma, colon, at,
  assign,    // =
  eql,       // ==
  neq,       // !=
  eql_regex, // =~
  neq_regex, // !~
  lss, gtr, lte, gte,
  add, sub, mul, div, mod, pow,
};

/// A short description for error messages ("\"(\"", "identifier", ...).
const char* describe(token_kind k) noexcept;

struct token {
  token_kind kind = token_kind::eof;
  std::size_t pos = 0;   ///< byte offset of the first character
  std::string_view text; ///< the raw source text of the token
  std::string str;       ///< identifier text, or a string's unquoted value
  double num = 0;        ///< number value
  std::int64_t dur = 0;  ///< duration in milliseconds
};

/// Formats "line:col: parse error: msg" for a byte offset into `query`.
std::string parse_error_message(std::string_view query, std::size_t pos, std::string_view msg);

/// Tokenizes all of `query`; the last token is eof. Errors are
/// invalid_argument with a positioned message.
result<std::vector<token>> lex(std::string_view query);

/// Parses a Prometheus duration ("5m", "1h30m", "10ms"); returns ms.
result<std::int64_t> parse_duration(std::string_view s);

/// Formats milliseconds as a Prometheus duration ("1h30m", "0s").
std::string format_duration(std::int64_t ms);

/// Parses a PromQL number literal ("1e3", "0x1f", ".5", "Inf", "NaN").
bool parse_number(std::string_view s, double& out);

/// Whether `c` may appear in an identifier after its first character.
inline bool is_ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == ':' || c == '.';
}
inline bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

} // namespace vigil::query
