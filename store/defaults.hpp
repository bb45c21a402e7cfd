// store/defaults.hpp - tunables of the store, each with its reason.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/sample.hpp"

namespace vigil::store::defaults {

/// Samples per chunk before the head cuts a new one. Prometheus' choice: at
/// 120 samples the XOR codec has reached ~1.3 bytes/sample, and a query that
/// needs one sample decodes at most 119 others.
inline constexpr std::uint16_t max_chunk_samples = 120;

/// Longest time span of one chunk (2 h, Prometheus' head block range). Bounds
/// how much a narrow time range decodes for sparse series and keeps chunk
/// start keys useful for seeking.
inline constexpr timestamp_ms max_chunk_span_ms = 2 * 60 * 60 * 1000;

/// Largest chunk payload before a cut. A head chunk is rewritten at every
/// checkpoint that finds it changed (store/head.hpp), so its size is the
/// write amplification per checkpoint; 1 KiB also keeps records well below
/// LMDB's overflow-page threshold
/// (~2 KiB on 4 KiB pages), which would turn rewrites into page allocations.
/// Typical 120-sample chunks are 100-250 bytes; incompressible values hit
/// this at ~55 samples.
inline constexpr std::size_t max_chunk_bytes = 1024;

/// Samples of one sealed chunk record. When the head seals a chunk (at a
/// cut) it transcodes it to a packed block and appends that to the series'
/// previous sealed record while the result stays within this, the bytes and
/// the span below; otherwise the block starts a new record. Each record costs
/// ~36 bytes besides its samples (16-byte key, 8-byte LMDB node header,
/// 2-byte page index, 10-byte record header): 0.3 bytes a sample at 120
/// samples, as much as a packed counter's values take. A query decodes only
/// the blocks (of at most max_block_samples) that overlap its range.
inline constexpr std::uint32_t max_sealed_samples = 480;

/// Samples of one block of a sealed record. When a chunk is sealed onto a
/// record whose last block has room, that block is re-encoded with it: two
/// head chunks make one block, which halves the per-block headers (~20
/// bytes: first time, slope, widths, first value), about 0.08 bytes a sample
/// on the ingest benchmark's series, for one more block decode and encode
/// per two cuts. A query decodes at most this many samples per block it
/// touches (~1 us).
inline constexpr std::uint32_t max_block_samples = 2 * max_chunk_samples;

/// Largest sealed record payload that a block is appended to: keeps records
/// in leaf pages (well below LMDB's ~2 KiB overflow threshold), so noisy
/// float series (~8 bytes a sample) stay one chunk per record.
inline constexpr std::size_t max_sealed_bytes = 1024;

/// Longest time span of one sealed record (four head chunks' worth): a
/// record is deleted by retention only when its newest sample expires, so
/// this bounds how long expired samples linger.
inline constexpr timestamp_ms max_sealed_span_ms = 4 * max_chunk_span_ms;

/// Capacity a new head chunk reserves: one allocation covers a typical chunk.
inline constexpr std::size_t chunk_reserve_bytes = 256;

/// LMDB map size (virtual address space, not disk): the env's upper bound.
inline constexpr std::uint64_t map_size = std::uint64_t{64} << 30;

/// Sub-databases per environment (8 used, 9 when encrypted; room to grow).
inline constexpr unsigned max_dbs = 16;

/// How many series a select reads between two deadline checks: a series is
/// typically one or two chunks (~0.5-5 us to decode), so 64 series keep the
/// check below 1% of the work while a timed-out read stops within ~1 ms.
inline constexpr std::size_t deadline_check_series = 64;
/// Samples per batch when a shard evaluates a pushed-down part batch by
/// batch (shard::select_batches): 32k samples = 512 KiB decoded, which stays
/// in a core's L2 cache while the batch is normalized and evaluated.
inline constexpr std::size_t query_batch_samples = 32768;

/// Label sets a reading thread remembers by ref (series_index::labels_of):
/// ~13 MiB a thread at ~400 bytes a set; cleared when full.
inline constexpr std::size_t reader_label_memo_entries = std::size_t{1} << 15;

/// Window spans one rollup step may look at (store::shard::rollup_step):
/// reading a 5 m window of 15 s scrapes decodes ~20 samples and writes one
/// ~60-byte record, so 20,000 windows keep a step's write transaction to a
/// few tens of milliseconds and ~1.5 MB of dirty pages.
inline constexpr std::size_t rollup_step_windows = 20'000;

} // namespace vigil::store::defaults
