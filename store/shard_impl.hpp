// store/shard_impl.hpp - shard::impl, shared by shard.cpp and shard_query.cpp.
// Private to store/: nothing outside includes it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>

#include "store/defaults.hpp"
#include "store/head.hpp"
#include "store/lmdb.hpp"
#include "store/schema.hpp"
#include "store/series_index.hpp"
#include "store/shard.hpp"

namespace vigil::store {

/// Polls a read's deadline every defaults::deadline_check_series series
/// (a clock read per series would cost more than a small read).
class deadline_poll {
public:
  explicit deadline_poll(const read_limits& l) : l_(l) {}
  /// True once the deadline has passed (checked every few calls).
  bool passed() {
    if (!l_.expired || ++n_ != defaults::deadline_check_series) return false;
    n_ = 0;
    return l_.expired();
  }

private:
  const read_limits& l_;
  std::size_t n_ = 0;
};

struct shard::impl {
  impl(lmdb::env e, std::unique_ptr<cipher> c, const schema& s)
      : env(std::move(e)), crypt(std::move(c)), db(s), index(s), hd(s) {}

  lmdb::env env; // destroyed last: everything below uses its handles
  std::unique_ptr<cipher> crypt; ///< null unless encrypted; db.crypt points at it
  schema db;
  series_index index;
  head hd;
  std::uint64_t samples_appended = 0;
  timestamp_ms out_of_order_window_ms = 0;
  std::optional<lmdb::txn> group;   ///< the open group-commit transaction
  std::uint64_t group_samples = 0;
  rollup_config rollups;
  mutable std::atomic<std::uint64_t> rollup_reads{0}; ///< readers run on other threads
  void abort_group() {
    if (group) group->abort();
    group.reset();
    group_samples = 0;
    hd.on_abort();
    index.on_abort();
  }
};

} // namespace vigil::store
