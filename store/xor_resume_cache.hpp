// store/xor_resume_cache.hpp - where the last read of a series' open chunk
// stopped decoding before its window, so the next read of a window further
// on starts there.
//
// Why: an open (head) chunk is XOR-encoded (Prometheus' layout), which only
// decodes from its first sample. The reads that matter most land at its end:
// an instant query's or an alert rule's window (`rate(x[5m])`: 20 samples at
// 15 s) in a chunk of up to 120 samples, so five sixths of the decoding was
// of samples before the window (15-19 % of a small instant query's time).
// Windows move forward (a rule every interval, a dashboard every refresh), so
// the state after the newest sample before one read's window is before the
// next one's too.
//
// Validity: an entry is for one chunk, (series ref, chunk start), and holds a
// hash of the chunk's bits before its state. A later record of the same
// chunk that only appended samples has the same bits there; one rewritten
// (a late sample merged into the open chunk) or a different chunk almost
// surely does not (64-bit hash), and the read then decodes from the start.
//
// Bounded: a fixed table of slots (the hash of (ref, start) picks one), an
// entry replacing whatever was there (512 KiB of address space by default,
// resident only as slots are used). Thread-safe: slots are guarded by
// striped mutexes (readers of one shard run on several threads).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>

#include "core/sample.hpp"
#include "store/xor_chunk.hpp"

namespace vigil::store {

class xor_resume_cache {
public:
  /// `slots` is rounded up to a power of two (at least 64).
  explicit xor_resume_cache(std::size_t slots = 8192);

  /// The stored state for chunk (ref, start) if the chunk body `body` (the
  /// XOR bytes after their 2-byte header) still has the bits it was taken
  /// from; count 0 otherwise.
  xor_resume find(series_ref ref, timestamp_ms start, std::span<const std::uint8_t> body) const;

  /// Remembers `st` (count >= 2) for chunk (ref, start) with body `body`.
  void store(series_ref ref, timestamp_ms start, std::span<const std::uint8_t> body, const xor_resume& st);

  /// The hash of the bits of `body` before bit `bits` (exposed for tests).
  static std::uint64_t prefix_hash(std::span<const std::uint8_t> body, std::uint32_t bits) noexcept;

private:
  struct slot {
    series_ref ref;
    timestamp_ms start;
    std::uint64_t hash;
    xor_resume st; ///< count 0: empty
  };
  struct free_deleter {
    void operator()(slot* p) const noexcept;
  };
  static constexpr std::size_t stripes = 64;
  std::size_t index(series_ref ref, timestamp_ms start) const noexcept;

  /// calloc'ed: all zero (empty), and untouched pages cost no memory.
  std::unique_ptr<slot[], free_deleter> slots_;
  std::size_t mask_;
  mutable std::array<std::mutex, stripes> mu_;
};

} // namespace vigil::store
