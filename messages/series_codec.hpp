// messages/series_codec.hpp - series sets <-> Cap'n Proto bytes (flat
// encoding, schema/series.capnp). These bytes are what crosses process
// boundaries between actors (write batches, select answers): one message per
// batch, never per sample.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/series.hpp"
#include "core/status.hpp"

namespace vigil::messages {

/// Encodes series (labels + samples) as a flat Cap'n Proto SeriesSet.
std::string encode_series_set(const std::vector<series>& items);

/// Decodes bytes made by encode_series_set. Returns invalid_argument for
/// malformed bytes (never throws); unaligned input is copied first.
result<std::vector<series>> decode_series_set(std::string_view bytes);

} // namespace vigil::messages
