#include "core/allocator.hpp"

#include <climits>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace vigil {

bool tune_allocator(const allocator_settings& s) noexcept {
#if defined(__GLIBC__)
  if (s.mmap_threshold > INT_MAX || s.trim_threshold > INT_MAX) return false;
  // mallopt returns 1 on success, 0 on error.
  const bool mmap_ok = mallopt(M_MMAP_THRESHOLD, static_cast<int>(s.mmap_threshold)) == 1;
  const bool trim_ok = mallopt(M_TRIM_THRESHOLD, static_cast<int>(s.trim_threshold)) == 1;
  return mmap_ok && trim_ok;
#else
  (void)s;
  return true;
#endif
}

} // namespace vigil
