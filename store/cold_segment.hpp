// store/cold_segment.hpp - cold-tier segment files: immutable files holding
// the chunk records of many series for old time ranges, moved out of a
// shard's LMDB environment (store/FORMAT.md §8). A segment is written once
// (cold_segment_writer: to "<name>.tmp", fsynced, renamed) and then only read
// (cold_segment: mmapped, looked up by series ref by binary search in the
// series table at the end of the file; nothing is loaded at open but the
// trailer, so opening costs the same for any size).
//
// Body: blocks of about cold_block_bytes of raw series data, each an lz4
// compress frame (store/compress.hpp), AES-256-GCM-encrypted in encrypted
// shards (AAD: [u64 BE segment seq][u32 BE block]), with a CRC-32 of its
// stored bytes. A series' data never spans blocks.
//
// Thread-safety: a writer has one owner. A cold_segment is immutable after
// open(): every const method may run on any thread at once.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/sample.hpp"
#include "core/series.hpp"
#include "core/status.hpp"
#include "store/crypto.hpp"

namespace vigil::store {

/// Raw series data per block before it is cut (a series is never split):
/// larger than lz4's 64 KiB window, so matches reach across more series
/// (on the ingest benchmark's data 256 KiB blocks are 2.4 % smaller than
/// 64 KiB ones), at the cost of decompressing more to read one series.
inline constexpr std::size_t cold_block_bytes = 256 * 1024;
/// A segment being written is fdatasync'ed every this many bytes.
inline constexpr std::uint64_t cold_sync_bytes = std::uint64_t{8} << 20;
/// LZ4HC level of cold blocks (written once; lz4's reader either way).
inline constexpr int cold_lz4hc_level = 9;
/// Bytes of the fixed header and trailer.
inline constexpr std::size_t cold_header_bytes = 32;
inline constexpr std::size_t cold_trailer_bytes = 64;
inline constexpr std::size_t cold_series_entry_bytes = 40;
inline constexpr std::size_t cold_block_entry_bytes = 24;
inline constexpr std::uint8_t cold_format_version = 1;

/// One chunk record as the `chunks` sub-database stores it in a plain shard:
/// the chunk's first time (its key) and the record (header + payload).
struct cold_record {
  timestamp_ms start = 0;
  std::span<const std::uint8_t> record;
};

/// What a finished segment holds (also what the shard's registry keeps).
struct cold_segment_info {
  std::uint64_t seq = 0;
  std::string file;           ///< file name inside the shard's cold directory
  std::uint64_t bytes = 0;    ///< file size
  std::uint64_t series = 0;
  std::uint64_t records = 0;
  timestamp_ms min_t = 0;     ///< oldest sample (over record starts)
  timestamp_ms max_t = 0;     ///< newest sample (over record headers)
};

/// The file name of segment `seq` covering [min_t, max_t]:
/// "seg-<seq, 16 hex digits>-<min_t>-<max_t>.vcs" (times in ms, may be negative).
std::string cold_segment_name(std::uint64_t seq, timestamp_ms min_t, timestamp_ms max_t);

class cold_segment_writer {
public:
  /// Starts segment `seq` in directory `dir` (created if missing), writing
  /// to a temporary file. `crypt` (may be null: plain) must outlive the
  /// writer; it encrypts under its write session.
  static result<std::unique_ptr<cold_segment_writer>> create(const std::string& dir, std::uint64_t seq,
                                                             const cipher* crypt);
  ~cold_segment_writer(); ///< removes the temporary file unless finished
  cold_segment_writer(const cold_segment_writer&) = delete;
  cold_segment_writer& operator=(const cold_segment_writer&) = delete;

  /// Adds every record of series `ref` (records ascending by start, each a
  /// valid chunk record). @pre refs strictly ascending across calls, records
  /// not empty.
  status add(series_ref ref, std::span<const cold_record> records);

  /// Bytes written or buffered so far.
  std::uint64_t bytes() const noexcept;
  std::uint64_t series() const noexcept { return entries_.size(); }

  /// Writes the tables and trailer, fsyncs, renames the file to its final
  /// name (cold_segment_name) and fsyncs the directory. @pre series() > 0.
  result<cold_segment_info> finish();

private:
  cold_segment_writer(std::string dir, std::uint64_t seq, const cipher* crypt, int fd);
  status flush_block();
  status write_all(std::span<const std::uint8_t> b);

  struct entry {
    series_ref ref;
    timestamp_ms min_t, max_t;
    std::uint32_t block, offset, length, records;
  };
  struct block_entry {
    std::uint64_t offset;
    std::uint32_t stored, raw, crc;
  };
  std::string dir_, tmp_;
  std::uint64_t seq_;
  const cipher* crypt_;
  int fd_ = -1;
  bool finished_ = false;
  std::uint64_t file_off_ = 0;
  std::uint64_t synced_ = 0; ///< file_off_ at the last fdatasync
  std::vector<std::uint8_t> raw_, frame_, stored_;
  std::vector<entry> entries_;
  std::vector<block_entry> blocks_;
  std::uint64_t records_ = 0;
};

class cold_segment {
public:
  struct entry {
    series_ref ref = 0;
    timestamp_ms min_t = 0, max_t = 0;
    std::uint32_t block = 0, offset = 0, length = 0, records = 0;
  };

  /// Maps and checks the file `dir/name` (header, trailer, table checksum and
  /// bounds): corruption naming the file when anything is off, io_error when
  /// it cannot be read. `crypt` (null: plain) must outlive the segment; an
  /// encrypted segment opened without one (or the reverse) is corruption.
  static result<std::shared_ptr<const cold_segment>> open(const std::string& dir, const std::string& name,
                                                           const cipher* crypt);
  ~cold_segment();
  cold_segment(const cold_segment&) = delete;
  cold_segment& operator=(const cold_segment&) = delete;

  const std::string& path() const noexcept { return path_; }
  const std::string& name() const noexcept { return name_; }
  std::uint64_t seq() const noexcept { return seq_; }
  std::uint64_t bytes() const noexcept { return size_; }
  std::uint64_t series() const noexcept { return n_series_; }
  timestamp_ms min_t() const noexcept { return min_t_; }
  timestamp_ms max_t() const noexcept { return max_t_; }
  /// The whole file (for backups: copying from the mapping needs no open file).
  std::span<const std::uint8_t> file_bytes() const noexcept { return {base_, size_}; }

  /// The entry of `ref`; false when the segment holds nothing of it.
  bool find(series_ref ref, entry* out) const noexcept;
  /// Entry `i` of the series table, i < series() (ascending refs).
  entry at(std::uint64_t i) const noexcept;

  /// The raw bytes of block `i` (decrypted, decompressed) into `out`
  /// (replacing its contents). corruption naming the file and block when
  /// its checksum, authentication or frame is wrong.
  status read_block(std::uint32_t i, std::vector<std::uint8_t>& out) const;

  /// Calls fn(cold_record) for each record of `e` in `block` (the raw bytes
  /// of e.block). corruption when the framing is off.
  template <class F>
  status for_each_record(const entry& e, std::span<const std::uint8_t> block, F&& fn) const;

private:
  cold_segment() = default;
  status bad(const std::string& why) const;
  std::string path_, name_;
  const cipher* crypt_ = nullptr;
  const std::uint8_t* base_ = nullptr;
  std::size_t size_ = 0;
  std::uint64_t seq_ = 0, n_series_ = 0, n_blocks_ = 0, series_off_ = 0, blocks_off_ = 0;
  timestamp_ms min_t_ = 0, max_t_ = 0;
  bool encrypted_ = false;
};

/// Decodes the framing of one series' records: [u64 BE start^2^63][u32 BE
/// length][record] × n. False when `data` is malformed.
bool cold_parse_records(std::span<const std::uint8_t> data, std::uint32_t n, std::vector<cold_record>& out);

template <class F>
status cold_segment::for_each_record(const entry& e, std::span<const std::uint8_t> block, F&& fn) const {
  if (std::uint64_t{e.offset} + e.length > block.size()) return bad("series entry past its block");
  thread_local std::vector<cold_record> recs;
  recs.clear();
  if (!cold_parse_records(block.subspan(e.offset, e.length), e.records, recs))
    return bad("malformed records of series " + std::to_string(e.ref));
  for (const auto& r : recs) VIGIL_TRY(fn(r));
  return status::ok();
}

} // namespace vigil::store
