// store/compress.hpp - lz4 block compression in a self-describing frame.
//
// Frame bytes (see store/FORMAT.md):
//   [u8 method: 0 raw | 1 lz4 block][uvarint raw length][uvarint stored length][stored bytes]
// compress() keeps the raw bytes whenever lz4 would not make them smaller
// (lz4 has no entropy stage: bit-packed chunk data does not shrink). Frames can
// be concatenated in one buffer; decompress() reports how much it consumed.
// Thread-safety: pure functions (lz4's block API keeps its state on the stack).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/status.hpp"

namespace vigil::store {

enum class compress_method : std::uint8_t { raw = 0, lz4 = 1 };

/// Inputs shorter than this are stored raw without trying lz4 (lz4 cannot
/// gain on them and costs ~1 µs).
inline constexpr std::size_t compress_min_bytes = 64;

/// Largest raw length a frame may declare; guards decompress() against
/// allocating for corrupt lengths.
inline constexpr std::uint64_t compress_max_raw_bytes = std::uint64_t{1} << 30;

/// Appends one frame holding `in` to `out` and returns the method it chose.
/// @pre in.size() <= compress_max_raw_bytes
compress_method compress(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out);

/// compress() with lz4's high-compression match finder at `hc_level`
/// (LZ4HC, 1-12; 0: the fast compressor): the same frame and block format,
/// so decompress() reads either; smaller, several times slower to write,
/// as fast to read. For data written once and kept (cold segments).
compress_method compress(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out, int hc_level);

/// Decodes the frame at the start of `in`, appending the raw bytes to `out`.
/// Returns the number of bytes of `in` the frame occupied, or corruption when
/// the frame is truncated, its method unknown, or lz4 rejects it (on error
/// `out` keeps its original contents).
result<std::size_t> decompress(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out);

} // namespace vigil::store
