#include "store/xor_resume_cache.hpp"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <new>
#include <type_traits>
#include <functional>
#include <string_view>

#include "core/hash.hpp"

namespace vigil::store {

xor_resume_cache::xor_resume_cache(std::size_t slots) {
  const std::size_t n = std::bit_ceil(std::max<std::size_t>(slots, 64));
  static_assert(std::is_trivially_copyable_v<slot>);
  slots_.reset(static_cast<slot*>(std::calloc(n, sizeof(slot))));
  if (!slots_) throw std::bad_alloc();
  mask_ = n - 1;
}

void xor_resume_cache::free_deleter::operator()(slot* p) const noexcept { std::free(p); }

std::size_t xor_resume_cache::index(series_ref ref, timestamp_ms start) const noexcept {
  return static_cast<std::size_t>(mix64(ref * 0x9e3779b97f4a7c15ULL ^ static_cast<std::uint64_t>(start))) & mask_;
}

std::uint64_t xor_resume_cache::prefix_hash(std::span<const std::uint8_t> body, std::uint32_t bits) noexcept {
  const std::size_t whole = bits / 8;
  // std::hash of a string_view works a word at a time (FNV-1a, a byte at a
  // time, would cost as much as a third of the decoding it saves); this
  // hash never leaves the process.
  std::uint64_t h = std::hash<std::string_view>{}(
    std::string_view(reinterpret_cast<const char*>(body.data()), std::min(whole, body.size())));
  if (const unsigned rest = bits % 8; rest != 0 && whole < body.size()) {
    const auto partial = static_cast<std::uint8_t>(body[whole] & (0xff00u >> rest)); // its first `rest` bits
    h ^= (static_cast<std::uint64_t>(partial) << 8 | rest) * 0x9e3779b97f4a7c15ULL;
  }
  return mix64(h ^ bits);
}

xor_resume xor_resume_cache::find(series_ref ref, timestamp_ms start, std::span<const std::uint8_t> body) const {
  const std::size_t i = index(ref, start);
  slot s;
  {
    std::lock_guard lock(mu_[i % stripes]);
    s = slots_[i];
  }
  if (s.st.count < 2 || s.ref != ref || s.start != start || s.st.bit_pos > body.size() * 8 ||
      prefix_hash(body, s.st.bit_pos) != s.hash)
    return {};
  return s.st;
}

void xor_resume_cache::store(series_ref ref, timestamp_ms start, std::span<const std::uint8_t> body,
                             const xor_resume& st) {
  if (st.count < 2 || st.bit_pos > body.size() * 8) return;
  const std::uint64_t h = prefix_hash(body, st.bit_pos);
  const std::size_t i = index(ref, start);
  std::lock_guard lock(mu_[i % stripes]);
  slots_[i] = {ref, start, h, st};
}

} // namespace vigil::store
