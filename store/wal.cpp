#include "store/wal.hpp"

#include <bit>
#include <cstring>

#include "store/varint.hpp"

namespace vigil::store {

void encode_wal_record(std::span<const logged_sample> samples, std::vector<std::uint8_t>& out) {
  out.clear();
  out.reserve(1 + samples.size() * 11);
  out.push_back(wal_record_version);
  std::size_t i = 0;
  series_ref prev_ref = 0;
  timestamp_ms prev_t0 = 0;
  while (i < samples.size()) {
    std::size_t j = i + 1;
    while (j < samples.size() && samples[j].ref == samples[i].ref && samples[j].t > samples[j - 1].t) ++j;
    // Version 2: ref and first time relative to the previous group's (a
    // scrape's series have neighbouring refs and nearly equal times).
    append_varint(out, static_cast<std::int64_t>(samples[i].ref - prev_ref));
    append_uvarint(out, j - i);
    append_varint(out, static_cast<std::int64_t>(static_cast<std::uint64_t>(samples[i].t) - static_cast<std::uint64_t>(prev_t0)));
    prev_ref = samples[i].ref;
    prev_t0 = samples[i].t;
    for (std::size_t k = i + 1; k < j; ++k)
      append_uvarint(out, static_cast<std::uint64_t>(samples[k].t) - static_cast<std::uint64_t>(samples[k - 1].t));
    for (std::size_t k = i; k < j; ++k) {
      const auto bits = std::bit_cast<std::uint64_t>(samples[k].v);
      for (int b = 0; b < 8; ++b) out.push_back(static_cast<std::uint8_t>(bits >> (8 * b)));
    }
    i = j;
  }
}

status decode_wal_record(std::span<const std::uint8_t> in,
                         const std::function<status(series_ref, std::span<const sample>)>& fn) {
  if (in.empty() || (in[0] != 1 && in[0] != wal_record_version)) return corruption("wal record: unknown version");
  const bool relative = in[0] == 2; // version 1: absolute ref and first time
  std::size_t pos = 1;
  std::vector<sample> group;
  series_ref prev_ref = 0;
  timestamp_ms prev_t0 = 0;
  while (pos < in.size()) {
    std::uint64_t ref = 0, n = 0, u = 0;
    if (!read_uvarint(in, &pos, &ref) || !read_uvarint(in, &pos, &n) || n == 0 || n > in.size() ||
        !read_uvarint(in, &pos, &u))
      return corruption("wal record: truncated group header");
    group.resize(n);
    if (relative) {
      ref = prev_ref + static_cast<std::uint64_t>(zigzag_decode(ref));
      group[0].t = static_cast<timestamp_ms>(static_cast<std::uint64_t>(prev_t0) + static_cast<std::uint64_t>(zigzag_decode(u)));
      prev_ref = ref;
      prev_t0 = group[0].t;
    } else {
      group[0].t = zigzag_decode(u);
    }
    for (std::uint64_t k = 1; k < n; ++k) {
      std::uint64_t d = 0;
      if (!read_uvarint(in, &pos, &d) || d == 0) return corruption("wal record: bad time delta");
      group[k].t = static_cast<timestamp_ms>(static_cast<std::uint64_t>(group[k - 1].t) + d);
      if (group[k].t <= group[k - 1].t) return corruption("wal record: times do not ascend");
    }
    if (in.size() - pos < n * 8) return corruption("wal record: truncated values");
    for (std::uint64_t k = 0; k < n; ++k) {
      std::uint64_t bits = 0;
      for (int b = 0; b < 8; ++b) bits |= std::uint64_t{in[pos + static_cast<std::size_t>(b)]} << (8 * b);
      group[k].v = std::bit_cast<double>(bits);
      pos += 8;
    }
    VIGIL_TRY(fn(ref, group));
  }
  return status::ok();
}

} // namespace vigil::store
