// store/backup_io.hpp - the file operations of backup and restore: SHA-256
// (OpenSSL EVP), streaming a descriptor into a new file while hashing it,
// hashing and copying files, and making files and directories durable.
//
// Thread-safety: plain functions and a value type; a `sha256` object is used
// by one thread at a time. Errors are io_error naming the path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/status.hpp"

struct evp_md_ctx_st;

namespace vigil::store::backup {

/// Incremental SHA-256. Move-only; owns an EVP_MD_CTX.
class sha256 {
public:
  sha256();
  ~sha256();
  sha256(sha256&& o) noexcept : ctx_(o.ctx_) { o.ctx_ = nullptr; }
  sha256& operator=(sha256&&) = delete;

  void update(const void* data, std::size_t n);
  /// Lowercase hex of the digest; the object must not be updated afterwards.
  std::string hex_final();

  /// SHA-256 of `data` as lowercase hex.
  static std::string of(std::string_view data);

private:
  evp_md_ctx_st* ctx_ = nullptr;
};

/// Size and SHA-256 of a file's bytes.
struct digest {
  std::uint64_t size = 0;
  std::string sha256; ///< lowercase hex
};

/// Called with the bytes done so far, every few MiB and once at the end.
using bytes_fn = std::function<void(std::uint64_t done)>;

/// Reads `in_fd` until EOF into the new file `path` (created exclusively,
/// mode 0644, fsynced), hashing the bytes. After a write error it keeps
/// draining `in_fd` (so a writer on the other end of a pipe never blocks or
/// gets SIGPIPE), then removes `path` and returns the error.
result<digest> drain_to_file(int in_fd, const std::string& path, const bytes_fn& on_bytes);

/// Size and SHA-256 of the file at `path` (not_found when it is missing).
result<digest> hash_file(const std::string& path, const bytes_fn& on_bytes);

/// Copies `from` into the new file `to` (see drain_to_file), hashing it.
result<digest> copy_file(const std::string& from, const std::string& to, const bytes_fn& on_bytes);

/// Writes `text` to `path` (created or truncated) and fsyncs it.
status write_file(const std::string& path, std::string_view text);

/// Reads the whole file at `path` (not_found when it is missing).
result<std::string> read_file(const std::string& path);

/// fsyncs the directory `dir`, so entries created or renamed in it persist.
status sync_dir(const std::string& dir);

} // namespace vigil::store::backup
