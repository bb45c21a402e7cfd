// store/chunk_reader.hpp - reads the chunk records of series within one read
// (or write) transaction: the samples of a time range, or whether there are any.
//
// A series' chunks are keyed (ref, min t), so a range [lo, hi] needs the last
// chunk starting before lo (if its max t, kept in the record header, reaches
// lo) and every chunk starting in [lo, hi]. The open head chunk follows them,
// in `heads` (key: ref), as of the last checkpoint; given the shard's unflushed samples
// (store/unflushed.hpp, pinned before the txn began), reads add the logged
// samples since. Given the shard's cold set, reads also cover the cold tier
// (store/cold_tier.hpp). At an equal time a record read wins over a logged
// sample, and both over the cold tier.
// Thread-safety: one thread; the reader must not outlive its txn.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "core/sample.hpp"
#include "core/status.hpp"
#include "store/chunk.hpp"
#include "store/cold_tier.hpp"
#include "store/lmdb.hpp"
#include "store/schema.hpp"
#include "store/unflushed.hpp"
#include "store/xor_resume_cache.hpp"

namespace vigil::store {

class chunk_reader {
public:
  /// `cold`: the shard's cold set, taken after `t` began (null or empty:
  /// the hot tier only). `recent`: the shard's unflushed samples, pinned
  /// before `t` began (null: chunk records only, e.g. in a write txn right
  /// after a checkpoint). `resume`: the shard's cache of where reads of open
  /// chunks stopped before their windows (null: decode them from the start).
  static result<chunk_reader> open(const lmdb::txn& t, const schema& s,
                                   std::shared_ptr<const cold_set> cold = nullptr,
                                   const unflushed_samples* recent = nullptr,
                                   xor_resume_cache* resume = nullptr);

  /// Appends the samples of `ref` with t in `range` to `out`, oldest first.
  /// corruption (naming the chunk) when a record does not decode.
  status samples(series_ref ref, time_range range, std::vector<sample>& out);

  /// Whether `ref` has a sample with t in `range`. Usually decides from keys
  /// and record headers alone, decoding only when a chunk straddles the range
  /// (in an encrypted store the header is inside the ciphertext, so each
  /// record looked at is decrypted).
  result<bool> has_samples(series_ref ref, time_range range);

  /// Chunk records of all series (the entry count of the chunks database).
  result<std::uint64_t> count() const;

private:
  /// The hot tier: chunk records, then the open chunk in `heads`.
  status hot_samples(series_ref ref, time_range range, std::vector<sample>& out);
  result<bool> hot_has_samples(series_ref ref, time_range range);
  status record_samples(series_ref ref, time_range range, std::vector<sample>& out);
  result<bool> record_has_samples(series_ref ref, time_range range);
  /// The open chunk record of `ref` in `heads`, if any.
  result<bool> head_record(series_ref ref, chunk_view* out, timestamp_ms* start);
  explicit chunk_reader(lmdb::cursor c, const lmdb::txn& t, const schema& s)
      : c_(std::move(c)), txn_(&t), db_(s) {}
  /// Positions on the first chunk of `ref` that may hold samples in `range`;
  /// false when there is none.
  result<bool> seek_first(series_ref ref, time_range range);
  /// The chunk under the cursor if it belongs to `ref` and starts <= hi.
  result<bool> current(series_ref ref, timestamp_ms hi, chunk_view* out);
  status bad_chunk(const status& why) const;

  lmdb::cursor c_;
  const lmdb::txn* txn_;
  schema db_;
  chunk_iterator it_;
  timestamp_ms start_ = 0; ///< min t of the chunk under the cursor
  std::vector<std::uint8_t> plain_; ///< the decrypted record under the cursor (encrypted stores)
  /// Key of the record in plain_, valid within one samples()/has_samples()
  /// call: seek_first() and the loop after it look at the same record.
  std::vector<std::uint8_t> plain_key_;
  std::optional<cold_reader> cold_;
  const unflushed_samples* recent_ = nullptr;
  xor_resume_cache* resume_ = nullptr;
  std::uint64_t snapshot_ = 0; ///< the txn's LMDB id: logged samples of later txns are not read
  std::vector<sample> cold_buf_, hot_buf_, recent_buf_, open_buf_, scratch_;
  std::vector<std::uint8_t> open_plain_; ///< a decrypted open chunk record
};

} // namespace vigil::store
