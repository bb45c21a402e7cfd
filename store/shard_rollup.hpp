// store/shard_rollup.hpp - the rollup upkeep that other write paths of the
// shard call inside their own write transaction. Private to store/.
#pragma once

#include "core/sample.hpp"
#include "core/status.hpp"
#include "store/lmdb.hpp"
#include "store/rollup.hpp"
#include "store/schema.hpp"

namespace vigil::store {

/// A sample at `oldest` was written to series `ref`: lowers each of its
/// rollup watermarks above that sample's window to the window's start, so
/// the next rollup step rebuilds every window from there on.
status lower_rollup_marks(lmdb::txn& t, const schema& db, const rollup_config& cfg, series_ref ref,
                          timestamp_ms oldest);

/// Retention deleted old chunks of `ref`: deletes the windows before the
/// window of its oldest remaining sample and rebuilds that window from the
/// raw samples left (`emptied`: the series is gone, so are all its rollups).
status trim_rollups(lmdb::txn& t, const schema& db, const rollup_config& cfg, series_ref ref, bool emptied);

/// Deletes the windows of `ref` that end at or before `cutoff` (the series'
/// retention boundary), whatever raw samples are left: how rollups of data
/// that left with an expired cold segment go (store/FORMAT.md §8).
status trim_rollups_before(lmdb::txn& t, const schema& db, const rollup_config& cfg, series_ref ref,
                           timestamp_ms cutoff);

} // namespace vigil::store
