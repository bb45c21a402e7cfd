#include "store/backup_io.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

namespace vigil::store::backup {

namespace {

constexpr std::size_t buffer_bytes = std::size_t{1} << 20;
/// How often the byte callbacks run: often enough for a smooth progress bar,
/// rarely enough to cost nothing.
constexpr std::uint64_t report_every = std::uint64_t{4} << 20;

status errno_error(const std::string& what, const std::string& path) {
  return io_error(what + " " + path + ": " + std::strerror(errno));
}

/// Closes a descriptor when it goes out of scope.
struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

status write_all(int fd, const std::uint8_t* p, std::size_t n, const std::string& path) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return errno_error("write", path);
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return status::ok();
}

/// Reads `in_fd` to EOF; hashes every byte; writes them to `out_fd` until a
/// write fails (then drains the rest). `in_name` names the source in errors.
result<digest> pump(int in_fd, const std::string& in_name, int out_fd, const std::string& out_name,
                    const bytes_fn& on_bytes) {
  std::vector<std::uint8_t> buf(buffer_bytes);
  sha256 h;
  digest d;
  status write_st;
  std::uint64_t next_report = report_every;
  for (;;) {
    const ssize_t r = ::read(in_fd, buf.data(), buf.size());
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return errno_error("read", in_name);
    if (r == 0) break;
    const auto n = static_cast<std::size_t>(r);
    h.update(buf.data(), n);
    d.size += n;
    if (out_fd >= 0 && write_st.is_ok()) write_st = write_all(out_fd, buf.data(), n, out_name);
    if (on_bytes && d.size >= next_report) {
      on_bytes(d.size);
      next_report = d.size + report_every;
    }
  }
  if (!write_st.is_ok()) return write_st;
  if (on_bytes) on_bytes(d.size);
  d.sha256 = h.hex_final();
  return d;
}

} // namespace

// ---- sha256 -----------------------------------------------------------------

sha256::sha256() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) std::abort();
}

sha256::~sha256() {
  if (ctx_ != nullptr) EVP_MD_CTX_free(ctx_);
}

void sha256::update(const void* data, std::size_t n) {
  if (EVP_DigestUpdate(ctx_, data, n) != 1) std::abort();
}

std::string sha256::hex_final() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_, md, &len) != 1) std::abort();
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned i = 0; i < len; ++i) {
    out += digits[md[i] >> 4];
    out += digits[md[i] & 0xf];
  }
  return out;
}

std::string sha256::of(std::string_view data) {
  sha256 h;
  h.update(data.data(), data.size());
  return h.hex_final();
}

// ---- files ------------------------------------------------------------------

result<digest> drain_to_file(int in_fd, const std::string& path, const bytes_fn& on_bytes) {
  fd_guard out{::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)};
  if (out.fd < 0) {
    status st = errno_error("create", path);
    (void)pump(in_fd, "pipe", -1, path, nullptr); // drain: the writer must finish
    return st;
  }
  auto d = pump(in_fd, "pipe", out.fd, path, on_bytes);
  if (d && ::fsync(out.fd) != 0) d = errno_error("fsync", path);
  if (!d) ::unlink(path.c_str());
  return d;
}

result<digest> hash_file(const std::string& path, const bytes_fn& on_bytes) {
  fd_guard in{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (in.fd < 0) {
    if (errno == ENOENT) return not_found("missing file " + path);
    return errno_error("open", path);
  }
  return pump(in.fd, path, -1, {}, on_bytes);
}

result<digest> copy_file(const std::string& from, const std::string& to, const bytes_fn& on_bytes) {
  fd_guard in{::open(from.c_str(), O_RDONLY | O_CLOEXEC)};
  if (in.fd < 0) {
    if (errno == ENOENT) return not_found("missing file " + from);
    return errno_error("open", from);
  }
  fd_guard out{::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)};
  if (out.fd < 0) return errno_error("create", to);
  auto d = pump(in.fd, from, out.fd, to, on_bytes);
  if (d && ::fsync(out.fd) != 0) d = errno_error("fsync", to);
  if (!d) ::unlink(to.c_str());
  return d;
}

status write_file(const std::string& path, std::string_view text) {
  fd_guard out{::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
  if (out.fd < 0) return errno_error("create", path);
  VIGIL_TRY(write_all(out.fd, reinterpret_cast<const std::uint8_t*>(text.data()), text.size(), path));
  if (::fsync(out.fd) != 0) return errno_error("fsync", path);
  return status::ok();
}

result<std::string> read_file(const std::string& path) {
  fd_guard in{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (in.fd < 0) {
    if (errno == ENOENT) return not_found("missing file " + path);
    return errno_error("open", path);
  }
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t r = ::read(in.fd, buf, sizeof(buf));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return errno_error("read", path);
    if (r == 0) return out;
    out.append(buf, static_cast<std::size_t>(r));
  }
}

status sync_dir(const std::string& dir) {
  fd_guard d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (d.fd < 0) return errno_error("open directory", dir);
  if (::fsync(d.fd) != 0) return errno_error("fsync directory", dir);
  return status::ok();
}

} // namespace vigil::store::backup
