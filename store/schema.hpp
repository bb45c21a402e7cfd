// store/schema.hpp - the LMDB sub-databases of one shard environment and the
// format version check done at open (see store/FORMAT.md for the layout).
//
// Thread-safety: the handles are plain values, valid for the env's lifetime.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.hpp"
#include "store/crypto.hpp"
#include "store/lmdb.hpp"

namespace vigil::store {

/// Version of the on-disk layout as a whole, kept in meta["format_version"].
/// A shard refuses (corruption) to open any other version.
inline constexpr std::uint8_t format_version = 1;
/// The layout of an encrypted shard: format 1 with store/FORMAT.md §6 (a
/// build that predates encryption refuses it at open instead of misreading
/// tokens or writing plain records into it).
inline constexpr std::uint8_t format_version_encrypted = 2;
/// Format 1 whose series records may be version 2, compressed against the
/// dictionary in meta["label_dict"] (store/label_dict.hpp; written by
/// `vigil compact`): a build that predates it refuses it at open.
inline constexpr std::uint8_t format_version_dict = 3;
/// Format 3 (the dictionary optional) whose sealed chunk records may be
/// packed_shared_ts_v1, naming timestamp columns kept once in `tscols`
/// (written by `vigil compact`): a build that predates it refuses it at open.
inline constexpr std::uint8_t format_version_shared_ts = 4;

/// Keys of the `meta` sub-database.
inline constexpr std::string_view meta_format_key = "format_version";
inline constexpr std::string_view meta_next_ref_key = "next_series_ref";
/// The node's shard count when this shard was first opened by a node (series
/// are placed by labels hash modulo it): [u8 1][u32 BE count].
inline constexpr std::string_view meta_shard_count_key = "shard_count";
/// Format 3 only: [u8 1][the series records' lz4 dictionary].
inline constexpr std::string_view meta_label_dict_key = "label_dict";
/// Encrypted stores only (store/FORMAT.md §6): the scheme, the key-check
/// record, and one salt per session ("encryption_session/" + 8 hex digits).
inline constexpr std::string_view meta_encryption_key = "encryption";
inline constexpr std::string_view meta_key_check_key = "encryption_key_check";
inline constexpr std::string_view meta_session_prefix = "encryption_session/";

/// Sub-database handles.
struct schema {
  MDB_dbi meta = 0;       ///< string key -> versioned value
  MDB_dbi series = 0;     ///< ref -> [1][compress frame of label bytes]
  MDB_dbi label_hash = 0; ///< labels::hash() -> refs (DUPSORT|DUPFIXED)
  MDB_dbi postings = 0;   ///< name\0value -> refs (DUPSORT|DUPFIXED)
  MDB_dbi chunks = 0;     ///< (ref, min t) -> chunk record
  MDB_dbi values = 0;     ///< encrypted stores only: postings key -> encrypted label value
  MDB_dbi rollups = 0;    ///< (ref, resolution[, window start]) -> watermark / window record (FORMAT.md §7)
  MDB_dbi wal = 0;        ///< seq -> the samples one txn appended to open chunks (store/wal.hpp)
  MDB_dbi heads = 0;      ///< ref -> the series' open chunk: [start][chunk record] (store/chunk_io.hpp)
  MDB_dbi tscols = 0;     ///< format 4: column id (u64 BE) -> a timestamp column shared by chunk records; 0: none
  /// The cipher of an encrypted store (owned by the shard, outlives every
  /// copy of the schema); null when the store is not encrypted.
  const cipher* crypt = nullptr;
  /// Format 3: the dictionary of version-2 series records (shared by every
  /// copy of the schema); null otherwise.
  std::shared_ptr<const std::string> label_dict;
};

/// Opens (creating on first use) every sub-database in one write txn, writes
/// the format version into a new environment or checks it in an existing one.
/// Reads nothing else but the encryption records, so its cost does not depend
/// on the data size.
///
/// Encryption: with `crypt`, a new environment becomes encrypted (meta
/// records and the `values` sub-database), and an encrypted one has its key
/// checked; either way the open starts a new session (a fresh salt in meta)
/// that `crypt` encrypts under from then on. Errors, prefixed with `name`
/// (e.g. "shard-003: "): invalid_argument when encrypted data is opened
/// without a key, unencrypted data with one, or encrypted data with another
/// key ("encryption key does not match this data (key file ...)").
/// corruption: unknown format version or malformed meta record.
result<schema> open_schema(const lmdb::env& e, cipher* crypt = nullptr, std::string_view name = {});

/// The encryption checks of open_schema in a read txn, writing nothing: ok
/// for an environment without a meta sub-database (nothing stored yet).
status check_schema_encryption(const lmdb::env& e, const encryption_key* key, std::string_view name);

} // namespace vigil::store
