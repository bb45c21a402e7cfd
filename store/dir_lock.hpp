// store/dir_lock.hpp - an exclusive advisory lock on a directory: an flock
// on DIR/.lock, released by the kernel however the process ends. `vigil
// serve` holds one on its data directory, `vigil compact` (which rewrites
// data files) takes the same one, and a backup holds one on the directory
// it writes into; a second taker gets unavailable.
// Thread-safety: a plain value; move-only.
#pragma once

#include <string>

#include "core/status.hpp"

namespace vigil::store {

class dir_lock {
public:
  /// Locks `dir` (creating DIR/.lock). unavailable naming `who` ("another
  /// backup", "a running vigil node") when someone holds it; io_error when
  /// the file cannot be opened.
  static result<dir_lock> take(const std::string& dir, const std::string& who);

  dir_lock(dir_lock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  dir_lock& operator=(dir_lock&&) = delete;
  ~dir_lock();

private:
  dir_lock() = default;
  int fd_ = -1;
};

} // namespace vigil::store
