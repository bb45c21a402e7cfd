// store/backup_manifest.hpp - the manifest of one backup: which LMDB
// environments it captured and how, and every file it consists of with size,
// SHA-256 and where the bytes live. Encoding and decoding only, no I/O.
//
// A backup is a directory `<backups>/<name>/` holding `MANIFEST` and the
// files; `<name>` is the UTC creation time, `YYYYMMDDTHHMMSS.mmmZ`, so names
// sort by age. A file may live in an earlier backup of the same `<backups>`
// directory (an incremental backup that could not hard-link it): its
// `origin` names that backup. Future immutable files (cold-tier segments)
// fit the same scheme: a file already backed up is referenced, not copied.
//
// Format version 1: UTF-8 text, one record per line, fields separated by one
// space; names and paths are [A-Za-z0-9._-] components joined by '/', never
// "." or "..", never absolute:
//
//   vigil-backup 1                              first line: magic and version
//   name <backup name>
//   created <RFC 3339 UTC, ms>                  for people; created_ms rules
//   created_ms <unix ms>
//   vigil_version <version of the vigil that wrote it>
//   shards <number of shard-NNN environments>
//   data_dir <the data directory backed up: rest of the line>
//   env <name> <txnid> <dev> <ino> <btime_ns> copied
//   env <name> <txnid> <dev> <ino> <btime_ns> reused:<backup name>
//   file <path> <size> <sha256 hex> <origin: "." (this backup) or a backup name>
//   end <sha256 hex of every byte before this line>
//
// `env` records the live environment's identity when it was captured: LMDB's
// last committed txn id (me_last_txnid) and the device, inode and birth time
// of its data.mdb (0 when the filesystem reports none). Within one data.mdb
// the txn id grows with every commit that changes anything, so an equal
// identity means equal contents, and the next backup reuses the file.
// Readers reject other versions; every record kind above is required except
// `env` and `file`, and unknown record kinds are corruption.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

namespace vigil::store::backup {

inline constexpr int manifest_version = 1;
inline constexpr const char* manifest_file_name = "MANIFEST";

/// What identifies the state of a live LMDB environment (see above).
struct env_identity {
  std::uint64_t txnid = 0;
  std::uint64_t dev = 0;
  std::uint64_t ino = 0;
  std::uint64_t btime_ns = 0;
  friend bool operator==(const env_identity&, const env_identity&) = default;
};

struct env_entry {
  std::string name;        ///< "shard-000", "alerts", "notify"
  env_identity id;
  std::string reused_from; ///< empty: copied by this backup
  friend bool operator==(const env_entry&, const env_entry&) = default;
};

struct file_entry {
  std::string path;   ///< relative to the backup directory: "shard-000/data.mdb"
  std::uint64_t size = 0;
  std::string sha256; ///< lowercase hex
  std::string origin; ///< empty: in this backup; else the backup holding the bytes
  friend bool operator==(const file_entry&, const file_entry&) = default;
};

struct manifest {
  std::string name;
  std::int64_t created_ms = 0;
  std::string vigil_version;
  std::uint32_t shards = 0;
  std::string data_dir;
  std::vector<env_entry> envs;
  std::vector<file_entry> files;
  friend bool operator==(const manifest&, const manifest&) = default;
};

/// The text of `m`. @pre every name and path is valid (valid_path), and
/// data_dir and vigil_version hold no line break.
std::string encode(const manifest& m);

/// Parses and checks a manifest. corruption naming `where` and the line when
/// the text is malformed, truncated or its `end` checksum does not match;
/// invalid_argument for an unsupported version.
result<manifest> decode(std::string_view text, const std::string& where);

/// True for one or more '/'-joined components of [A-Za-z0-9._-], none "."
/// or "..": safe to join below a directory.
bool valid_path(std::string_view path);

/// "2025-01-02T03:04:05.123Z"
std::string format_rfc3339(std::int64_t unix_ms);
/// The backup name for a creation time: "20250102T030405.123Z".
std::string backup_name(std::int64_t unix_ms);
/// True when `s` has the shape of backup_name()'s output.
bool is_backup_name(std::string_view s);

} // namespace vigil::store::backup
