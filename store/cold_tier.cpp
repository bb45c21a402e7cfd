#include "store/cold_tier.hpp"

#include <string>

#include "store/chunk.hpp"

namespace vigil::store {

std::uint64_t cold_set::bytes() const noexcept {
  std::uint64_t n = 0;
  for (const auto& s : segments) n += s->bytes();
  return n;
}

bool cold_set::contains(series_ref ref) const noexcept {
  cold_segment::entry e;
  for (const auto& s : segments)
    if (s->find(ref, &e)) return true;
  return false;
}

void merge_prefer_newer(std::vector<sample>& older, const std::vector<sample>& newer,
                        std::vector<sample>& scratch) {
  if (newer.empty()) return;
  if (older.empty() || older.back().t < newer.front().t) {
    older.insert(older.end(), newer.begin(), newer.end());
    return;
  }
  scratch.clear();
  scratch.reserve(older.size() + newer.size());
  std::size_t i = 0, j = 0;
  while (i < older.size() && j < newer.size()) {
    if (older[i].t < newer[j].t) {
      scratch.push_back(older[i++]);
    } else {
      if (older[i].t == newer[j].t) ++i; // the newer write wins
      scratch.push_back(newer[j++]);
    }
  }
  scratch.insert(scratch.end(), older.begin() + static_cast<std::ptrdiff_t>(i), older.end());
  scratch.insert(scratch.end(), newer.begin() + static_cast<std::ptrdiff_t>(j), newer.end());
  older.swap(scratch);
}

result<std::span<const std::uint8_t>> cold_reader::block(const cold_segment& seg, std::uint32_t block) {
  for (auto& c : cache_)
    if (c.seg == &seg && c.block == block) return std::span<const std::uint8_t>(c.raw);
  auto& c = cache_[next_];
  next_ ^= 1u;
  c.seg = nullptr;
  VIGIL_TRY(seg.read_block(block, c.raw));
  c.seg = &seg;
  c.block = block;
  return std::span<const std::uint8_t>(c.raw);
}

status cold_reader::segment_samples(const cold_segment& seg, const cold_segment::entry& e, time_range range,
                                    std::vector<sample>& out) {
  auto raw = block(seg, e.block);
  if (!raw) return std::move(raw).error();
  return seg.for_each_record(e, *raw, [&](const cold_record& r) -> status {
    if (r.start > range.max) return status::ok();
    auto c = decode_chunk_record(r.record);
    if (!c) return corruption("cold segment " + seg.path() + ", series " + std::to_string(e.ref) + ": " +
                              c.error().message());
    if (c->max_t < range.min) return status::ok();
    if (decode_chunk_range(*c, range.min, range.max, out)) return status::ok();
    return corruption("cold segment " + seg.path() + ", series " + std::to_string(e.ref) +
                      ": a chunk does not decode");
  });
}

status cold_reader::samples(series_ref ref, time_range range, std::vector<sample>& out) {
  if (empty() || range.min > range.max) return status::ok();
  bool any = false;
  a_.clear();
  for (const auto& seg : set_->segments) {
    if (seg->max_t() < range.min || seg->min_t() > range.max) continue;
    cold_segment::entry e;
    if (!seg->find(ref, &e) || e.max_t < range.min || e.min_t > range.max) continue;
    if (!any) {
      VIGIL_TRY(segment_samples(*seg, e, range, a_));
      any = true;
      continue;
    }
    auto& part = out; // decode behind the caller's samples, then move into the merge
    const auto before = part.size();
    VIGIL_TRY(segment_samples(*seg, e, range, part));
    std::vector<sample> newer(part.begin() + static_cast<std::ptrdiff_t>(before), part.end());
    part.resize(before);
    merge_prefer_newer(a_, newer, b_);
  }
  if (any) out.insert(out.end(), a_.begin(), a_.end());
  return status::ok();
}

result<bool> cold_reader::has_samples(series_ref ref, time_range range) {
  if (empty()) return false;
  for (const auto& seg : set_->segments) {
    if (seg->max_t() < range.min || seg->min_t() > range.max) continue;
    cold_segment::entry e;
    if (!seg->find(ref, &e) || e.max_t < range.min || e.min_t > range.max) continue;
    if (e.min_t >= range.min && e.max_t <= range.max) return true;
    a_.clear();
    VIGIL_TRY(segment_samples(*seg, e, range, a_));
    if (!a_.empty()) return true;
  }
  return false;
}

} // namespace vigil::store
