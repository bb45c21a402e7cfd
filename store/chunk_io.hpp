// store/chunk_io.hpp - chunk records as the `chunks` sub-database stores
// them: the plain record of store/chunk.hpp, or in an encrypted store that
// record encrypted (store/crypto.hpp) with the chunk key as its AAD, so every
// reader and writer of chunk records goes through these two functions.
//
// Thread-safety: as the txn and scratch buffer passed in (one thread each).
#pragma once

#include <array>

#include <cstdint>
#include <span>
#include <vector>

#include "core/status.hpp"
#include "store/chunk.hpp"
#include "store/keys.hpp"
#include "store/lmdb.hpp"
#include "store/schema.hpp"

namespace vigil::store {

/// Parses the record `stored` under `key`. In an encrypted store it is
/// decrypted into `scratch` first, and the view points into `scratch` (valid
/// until its next use); otherwise into `stored`. corruption when the record
/// does not decrypt (altered, moved, or not encrypted) or does not parse.
result<chunk_view> read_chunk_record(const schema& db, lmdb::bytes key, lmdb::bytes stored,
                                     std::vector<std::uint8_t>& scratch);
/// read_chunk_record() of a sealed chunk record, read in txn `t`: a record
/// of shared timestamp columns (packed_shared_ts_v1) is rebuilt as the
/// packed_v1 payload it stands for, in `scratch`, its columns looked up in
/// `tscols`; corruption naming the column when one is missing.
result<chunk_view> read_chunk_record(const lmdb::txn& t, const schema& db, lmdb::bytes key, lmdb::bytes stored,
                                     std::vector<std::uint8_t>& scratch);

/// The key of a shared timestamp column in `tscols`: [u64 BE id].
using tscol_key = std::array<std::uint8_t, 8>;
tscol_key make_tscol_key(std::uint64_t id) noexcept;

/// Writes the record (header + payload) under `key` with MDB_RESERVE,
/// encrypted in an encrypted store (`scratch` then holds the plain record).
/// `payload` must not point into LMDB pages of `t`'s sub-database.
status put_chunk_record(lmdb::txn& t, const schema& db, const chunk_key& key, chunk_encoding enc,
                        timestamp_ms max_t, std::span<const std::uint8_t> payload,
                        std::vector<std::uint8_t>& scratch);

/// Open chunks (`heads`, FORMAT.md §1): key [u64 BE ref], value [u64 BE
/// start ^ 2^63] + the chunk record, which in an encrypted store is
/// encrypted as the `chunks` record under key (ref, start) would be.
status put_head_record(lmdb::txn& t, const schema& db, series_ref ref, timestamp_ms start, timestamp_ms max_t,
                       std::span<const std::uint8_t> payload, std::vector<std::uint8_t>& scratch);

/// Parses a `heads` value of series `ref`: its chunk's start into *start.
/// corruption as read_chunk_record.
result<chunk_view> read_head_record(const schema& db, series_ref ref, lmdb::bytes stored,
                                    std::vector<std::uint8_t>& scratch, timestamp_ms* start);

} // namespace vigil::store
