// store/keys.hpp - LMDB key encodings. Every integer is big-endian and every
// timestamp has its sign bit flipped, so LMDB's bytewise key order equals the
// numeric order of (series_ref, timestamp), negative timestamps included.
//
// Keys (see store/FORMAT.md):
//   chunk key     [u64 BE series_ref][u64 BE t ^ 2^63]                  16 bytes
//   ref key       [u64 BE series_ref]                                   8 bytes
//   hash key      [u64 BE labels::hash()]                               8 bytes
//   postings key  name 0x00 value                     (when it fits 511 bytes)
//                 name 0x01 value[0:p] [u64 BE value_hash(value)]  (exactly 511)
//                 name 0x00 token(name, value)      (encrypted shards: 16-byte token,
//                                                     built by series_index; FORMAT.md §6)
// Pure functions; thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/sample.hpp"

namespace vigil::store {

/// LMDB's compiled-in key limit (mdb_env_get_maxkeysize with default build).
inline constexpr std::size_t max_key_bytes = 511;
/// Longest label name the index accepts: leaves >= 246 bytes of value prefix
/// in a hashed postings key.
inline constexpr std::size_t max_label_name_bytes = 256;

inline constexpr std::size_t chunk_key_bytes = 16;
inline constexpr std::size_t ref_key_bytes = 8;

using chunk_key = std::array<std::uint8_t, chunk_key_bytes>;
using ref_key = std::array<std::uint8_t, ref_key_bytes>;

inline void put_u64_be(std::uint8_t* out, std::uint64_t v) noexcept {
  for (int i = 7; i >= 0; --i, v >>= 8) out[i] = static_cast<std::uint8_t>(v);
}

inline std::uint64_t get_u64_be(const std::uint8_t* in) noexcept {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | in[i];
  return v;
}

/// Order-preserving map of signed timestamps onto unsigned integers.
inline constexpr std::uint64_t encode_time(timestamp_ms t) noexcept {
  return static_cast<std::uint64_t>(t) ^ (std::uint64_t{1} << 63);
}
inline constexpr timestamp_ms decode_time(std::uint64_t u) noexcept {
  return static_cast<timestamp_ms>(u ^ (std::uint64_t{1} << 63));
}

chunk_key make_chunk_key(series_ref ref, timestamp_ms t) noexcept;
void append_chunk_key(std::vector<std::uint8_t>& out, series_ref ref, timestamp_ms t);
/// Returns false unless `key` is exactly 16 bytes.
bool decode_chunk_key(std::span<const std::uint8_t> key, series_ref* ref, timestamp_ms* t) noexcept;

/// Key of the series and label-hash sub-databases (also the postings' data).
ref_key make_ref_key(std::uint64_t v) noexcept;
/// Returns false unless `key` is exactly 8 bytes.
bool decode_ref_key(std::span<const std::uint8_t> key, std::uint64_t* v) noexcept;

/// Stable 64-bit hash of a label value (FNV-1a + splitmix64 finalizer). Part
/// of the on-disk format of hashed postings keys: never changes.
std::uint64_t value_hash(std::string_view v) noexcept;

/// Whether `name` can appear in the index: 1..max_label_name_bytes bytes, none
/// of them 0x00..0x02 (the postings key separators).
bool is_indexable_name(std::string_view name) noexcept;

/// Appends the postings key of (name, value). @pre is_indexable_name(name)
void append_postings_key(std::vector<std::uint8_t>& out, std::string_view name, std::string_view value);

/// Bounds of all postings keys of `name`: [name 0x00, name 0x02).
void append_postings_name_begin(std::vector<std::uint8_t>& out, std::string_view name);
void append_postings_name_end(std::vector<std::uint8_t>& out, std::string_view name);

struct postings_key_parts {
  std::string_view name;
  std::string_view value; ///< the value, or only its prefix when `hashed`
  bool hashed = false;    ///< value too long for a key: prefix + hash stored
  std::uint64_t hash = 0; ///< value_hash(full value) when `hashed`
};

/// Splits a postings key; views point into `key`. Returns false when
/// malformed (no separator, or a hashed key shorter than its hash).
bool decode_postings_key(std::span<const std::uint8_t> key, postings_key_parts* out) noexcept;

} // namespace vigil::store
