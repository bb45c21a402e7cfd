// store/cold_tier.hpp - a shard's cold tier as readers see it: the set of
// its registered segments (store/cold_segment.hpp), and cold_reader, which
// reads one series' samples out of them (store/FORMAT.md §8).
//
// A series may have samples in several segments and in the hot LMDB chunks
// at once (a late sample landing in a moved time range, or a move that a
// crash interrupted between writing a segment and deleting the moved
// records). Readers merge by timestamp: at an equal timestamp the hot tier
// wins over any segment and a newer segment (higher seq) over an older one,
// which is the order in which the samples were written.
//
// Thread-safety: a cold_set is immutable once published; the shard swaps in
// a new one when segments are added or deleted (readers keep the set they
// took, and with it the segments' mappings). A cold_reader has one owner.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/sample.hpp"
#include "core/status.hpp"
#include "store/cold_segment.hpp"

namespace vigil::store {

struct cold_set {
  std::vector<std::shared_ptr<const cold_segment>> segments; ///< ascending seq
  std::uint64_t bytes() const noexcept;
  /// Whether any segment holds data of `ref`.
  bool contains(series_ref ref) const noexcept;
};

class cold_reader {
public:
  explicit cold_reader(std::shared_ptr<const cold_set> set) : set_(std::move(set)) {}

  bool empty() const noexcept { return !set_ || set_->segments.empty(); }

  /// Appends to `out` the samples of `ref` with t in `range` from every
  /// segment, merged (oldest first; at equal t the newest segment's value).
  status samples(series_ref ref, time_range range, std::vector<sample>& out);

  /// Whether any segment has a sample of `ref` in `range`.
  result<bool> has_samples(series_ref ref, time_range range);

private:
  /// The raw bytes of block `block` of `seg` (cached: a select reads
  /// consecutive refs, which share blocks).
  result<std::span<const std::uint8_t>> block(const cold_segment& seg, std::uint32_t block);
  status segment_samples(const cold_segment& seg, const cold_segment::entry& e, time_range range,
                         std::vector<sample>& out);

  std::shared_ptr<const cold_set> set_;
  struct cached {
    const cold_segment* seg = nullptr;
    std::uint32_t block = 0;
    std::vector<std::uint8_t> raw;
  };
  cached cache_[2];
  unsigned next_ = 0;
  std::vector<sample> a_, b_;
};

/// The file names of the segments registered in the shard environment in
/// `env_dir` (opened read-only: for backups of a copied environment).
result<std::vector<std::string>> registered_cold_segments(const std::string& env_dir);

/// Merges `newer` into `older` (both ascending by t, unique t): the result is
/// ascending with unique t, and at an equal t `newer`'s sample wins.
void merge_prefer_newer(std::vector<sample>& older, const std::vector<sample>& newer, std::vector<sample>& scratch);

} // namespace vigil::store
