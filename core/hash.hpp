// core/hash.hpp - the stable 64-bit hash vigil persists and places series by
// (FNV-1a, then the splitmix64 finalizer to spread FNV's weak low bits).
// Part of the on-disk and cluster contract: it never changes.
#pragma once

#include <cstdint>
#include <string_view>

namespace vigil {

inline constexpr std::uint64_t fnv1a_offset = 14695981039346656037ULL;

/// Folds `bytes` into an FNV-1a state.
constexpr std::uint64_t fnv1a_update(std::uint64_t h, std::string_view bytes) noexcept {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

/// The splitmix64 finalizer.
constexpr std::uint64_t mix64(std::uint64_t h) noexcept {
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

/// Hash of one byte string.
constexpr std::uint64_t hash_bytes(std::string_view bytes) noexcept {
  return mix64(fnv1a_update(fnv1a_offset, bytes));
}

} // namespace vigil
