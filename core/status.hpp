// core/status.hpp - error values shared by every module (no CAF, no exceptions).
//
// A `status` is either ok or an (errc, message) pair. `result<T>` holds a value
// or a non-ok status. Both are cheap to move and safe to copy. Thread-safety:
// plain values, no shared state.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace vigil {

/// Error categories. The numeric values are part of the wire format (they
/// travel inside caf::error between nodes): only ever append.
enum class errc : unsigned char {
  ok = 0,
  not_found = 1,          ///< the thing asked for does not exist
  corruption = 2,         ///< persisted bytes fail validation; message says where
  invalid_argument = 3,   ///< the caller's input is malformed (maps to HTTP 400)
  io_error = 4,           ///< the OS or LMDB failed (disk full, permissions)
  unavailable = 5,        ///< a shard or peer does not answer (maps to HTTP 503)
  resource_exhausted = 6, ///< a limit was hit (body size, samples, map size)
  out_of_order = 7,       ///< a sample older than its series' newest
  timeout = 8,            ///< a deadline passed (maps to HTTP 503 / 'timeout')
  canceled = 9,           ///< the work was abandoned by its requester
};

/// Returns a stable lowercase name, e.g. "invalid_argument".
const char* to_string(errc code) noexcept;

class status {
public:
  status() = default;
  status(errc code, std::string message) : code_(code), message_(std::move(message)) {}

  static status ok() { return {}; }

  bool is_ok() const noexcept { return code_ == errc::ok; }
  explicit operator bool() const noexcept { return is_ok(); }
  errc code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }

  /// "invalid_argument: missing field 'name'"
  std::string to_string() const;

private:
  errc code_ = errc::ok;
  std::string message_;
};

/// Convenience constructors.
inline status invalid_argument(std::string m) { return {errc::invalid_argument, std::move(m)}; }
inline status corruption(std::string m) { return {errc::corruption, std::move(m)}; }
inline status io_error(std::string m) { return {errc::io_error, std::move(m)}; }
inline status not_found(std::string m) { return {errc::not_found, std::move(m)}; }
inline status unavailable(std::string m) { return {errc::unavailable, std::move(m)}; }
inline status resource_exhausted(std::string m) { return {errc::resource_exhausted, std::move(m)}; }

/// A value or an error. `result<T>` is never constructed from an ok status.
template <class T>
class result {
public:
  result(T value) : v_(std::move(value)) {}
  result(status err) : v_(std::move(err)) { assert(!std::get<status>(v_).is_ok()); }

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  /// @pre !has_value()
  const status& error() const& { return std::get<1>(v_); }
  status&& error() && { return std::get<1>(std::move(v_)); }

private:
  std::variant<T, status> v_;
};

} // namespace vigil

/// Propagates a non-ok status from an expression returning `status`.
#define VIGIL_TRY(expr)                                                        \
  do {                                                                         \
    if (auto vigil_st_ = (expr); !vigil_st_.is_ok()) return vigil_st_;         \
  } while (false)
