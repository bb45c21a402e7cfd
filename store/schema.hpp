// store/schema.hpp - the LMDB sub-databases of one shard environment and the
// format version check done at open (see store/FORMAT.md for the layout).
//
// Thread-safety: the handles are plain values, valid for the env's lifetime.
#pragma once

#include <cstdint>

#include "core/status.hpp"
#include "store/lmdb.hpp"

namespace vigil::store {

/// Version of the on-disk layout as a whole, kept in meta["format_version"].
/// A shard refuses (corruption) to open any other version.
inline constexpr std::uint8_t format_version = 1;

/// Keys of the `meta` sub-database.
inline constexpr std::string_view meta_format_key = "format_version";
inline constexpr std::string_view meta_next_ref_key = "next_series_ref";

/// Sub-database handles.
struct schema {
  MDB_dbi meta = 0;       ///< string key -> versioned value
  MDB_dbi series = 0;     ///< ref -> [1][compress frame of label bytes]
  MDB_dbi label_hash = 0; ///< labels::hash() -> refs (DUPSORT|DUPFIXED)
  MDB_dbi postings = 0;   ///< name\0value -> refs (DUPSORT|DUPFIXED)
  MDB_dbi chunks = 0;     ///< (ref, min t) -> chunk record
};

/// Opens (creating on first use) every sub-database in one write txn, writes
/// the format version into a new environment or checks it in an existing one.
/// Reads nothing else, so its cost does not depend on the data size.
/// corruption: unknown format version or malformed meta record.
result<schema> open_schema(const lmdb::env& e);

} // namespace vigil::store
