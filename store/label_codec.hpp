// store/label_codec.hpp - the byte encoding of a label set, as stored in the
// series sub-database (inside a compress frame; see store/FORMAT.md).
//
// Bytes: [uvarint pair count] then per pair [uvarint len][name][uvarint len][value],
// pairs in the label set's (sorted) order. Encoding is canonical: equal label
// sets encode to equal bytes, so encoded forms can be compared directly.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/labels.hpp"
#include "core/status.hpp"

namespace vigil::store {

/// Appends the encoding of `ls` to `out`.
void append_labels(std::vector<std::uint8_t>& out, const labels& ls);

/// Decodes a whole buffer. Returns corruption when it is truncated, has
/// trailing bytes, or its pairs are not sorted, unique and non-empty-valued.
result<labels> decode_labels(std::span<const std::uint8_t> in);

} // namespace vigil::store
