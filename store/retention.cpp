#include "store/retention.hpp"

namespace vigil::store {

timestamp_ms retention_policy::keep_for(const labels& ls) const {
  for (const auto& r : rules)
    if (matches_all(r.match, ls)) return r.keep_ms;
  return default_keep_ms;
}

bool retention_policy::keeps_everything() const noexcept {
  if (default_keep_ms > 0) return false;
  for (const auto& r : rules)
    if (r.keep_ms > 0) return false;
  return true;
}

} // namespace vigil::store
