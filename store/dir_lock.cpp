#include "store/dir_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace vigil::store {

result<dir_lock> dir_lock::take(const std::string& dir, const std::string& who) {
  dir_lock l;
  const std::string path = dir + "/.lock";
  l.fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (l.fd_ < 0) return io_error("open " + path);
  if (::flock(l.fd_, LOCK_EX | LOCK_NB) != 0) return unavailable(who + " is using " + dir + " (" + path + " is locked)");
  return l;
}

dir_lock::~dir_lock() {
  if (fd_ >= 0) ::close(fd_);
}

} // namespace vigil::store
