#include "store/keys.hpp"

#include "core/hash.hpp"

#include <algorithm>
#include <cassert>

namespace vigil::store {

namespace {

constexpr std::uint8_t sep_exact = 0x00;
constexpr std::uint8_t sep_hashed = 0x01;
constexpr std::uint8_t sep_end = 0x02;

void append_bytes(std::vector<std::uint8_t>& out, std::string_view s) {
  out.insert(out.end(), reinterpret_cast<const std::uint8_t*>(s.data()),
             reinterpret_cast<const std::uint8_t*>(s.data()) + s.size());
}

std::string_view as_view(const std::uint8_t* p, std::size_t n) {
  return {reinterpret_cast<const char*>(p), n};
}

} // namespace

chunk_key make_chunk_key(series_ref ref, timestamp_ms t) noexcept {
  chunk_key k;
  put_u64_be(k.data(), ref);
  put_u64_be(k.data() + 8, encode_time(t));
  return k;
}

void append_chunk_key(std::vector<std::uint8_t>& out, series_ref ref, timestamp_ms t) {
  const chunk_key k = make_chunk_key(ref, t);
  out.insert(out.end(), k.begin(), k.end());
}

bool decode_chunk_key(std::span<const std::uint8_t> key, series_ref* ref, timestamp_ms* t) noexcept {
  if (key.size() != chunk_key_bytes) return false;
  *ref = get_u64_be(key.data());
  *t = decode_time(get_u64_be(key.data() + 8));
  return true;
}

ref_key make_ref_key(std::uint64_t v) noexcept {
  ref_key k;
  put_u64_be(k.data(), v);
  return k;
}

bool decode_ref_key(std::span<const std::uint8_t> key, std::uint64_t* v) noexcept {
  if (key.size() != ref_key_bytes) return false;
  *v = get_u64_be(key.data());
  return true;
}

std::uint64_t value_hash(std::string_view v) noexcept { return hash_bytes(v); }

bool is_indexable_name(std::string_view name) noexcept {
  return !name.empty() && name.size() <= max_label_name_bytes &&
         std::none_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) <= sep_end; });
}

void append_postings_key(std::vector<std::uint8_t>& out, std::string_view name, std::string_view value) {
  assert(is_indexable_name(name));
  append_bytes(out, name);
  if (name.size() + 1 + value.size() <= max_key_bytes) {
    out.push_back(sep_exact);
    append_bytes(out, value);
    return;
  }
  out.push_back(sep_hashed);
  const std::size_t prefix = max_key_bytes - name.size() - 1 - 8;
  append_bytes(out, value.substr(0, prefix));
  const std::size_t at = out.size();
  out.resize(at + 8);
  put_u64_be(out.data() + at, value_hash(value));
}

void append_postings_name_begin(std::vector<std::uint8_t>& out, std::string_view name) {
  append_bytes(out, name);
  out.push_back(sep_exact);
}

void append_postings_name_end(std::vector<std::uint8_t>& out, std::string_view name) {
  append_bytes(out, name);
  out.push_back(sep_end);
}

bool decode_postings_key(std::span<const std::uint8_t> key, postings_key_parts* out) noexcept {
  const auto sep = std::find_if(key.begin(), key.end(), [](std::uint8_t b) { return b <= sep_hashed; });
  if (sep == key.begin() || sep == key.end()) return false;
  const auto name_len = static_cast<std::size_t>(sep - key.begin());
  out->name = as_view(key.data(), name_len);
  out->hashed = *sep == sep_hashed;
  const std::size_t rest = key.size() - name_len - 1;
  const std::uint8_t* value = key.data() + name_len + 1;
  if (!out->hashed) {
    out->value = as_view(value, rest);
    out->hash = 0;
    return true;
  }
  if (rest < 8) return false;
  out->value = as_view(value, rest - 8);
  out->hash = get_u64_be(value + rest - 8);
  return true;
}

} // namespace vigil::store
