// store/label_dict.hpp - series records compressed with a shard-wide
// dictionary (series record version 2, store/FORMAT.md §1).
//
// A label set's bytes (store/label_codec.hpp) are ~100 bytes with little
// repetition inside one set, so lz4 alone cannot shrink them; the sets of a
// shard share most of their text (label names, metric-name prefixes, hosts).
// `vigil compact` builds one dictionary from a sample of the shard's sets
// (up to 64 KiB, lz4's window), stores it in meta["label_dict"] and rewrites
// every record as [u8 2][uvarint raw length][lz4 block against the
// dictionary]: measured on the ingest benchmark's series, 98 -> 29-33 bytes a
// set. Records written later (new series) stay version 1.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace vigil::store {

inline constexpr std::size_t label_dict_max_bytes = 64 << 10;

/// A dictionary from sample label sets (raw label bytes): their
/// concatenation, keeping the last `max_bytes` (at most
/// label_dict_max_bytes: lz4 looks back no further). Pass a spread of the
/// shard's sets.
std::string build_label_dict(std::span<const std::vector<std::uint8_t>> samples,
                             std::size_t max_bytes = label_dict_max_bytes);

/// Compresses label sets against one dictionary: the dictionary is hashed
/// once (LZ4_loadDict, ~tens of µs for 64 KiB), each set then starts from a
/// copy of that state.
class label_dict_encoder {
public:
  /// @pre `dict` outlives the encoder.
  explicit label_dict_encoder(const std::string& dict);
  ~label_dict_encoder();
  label_dict_encoder(const label_dict_encoder&) = delete;
  label_dict_encoder& operator=(const label_dict_encoder&) = delete;

  /// Appends [uvarint raw length][lz4 block of `raw` against the dictionary].
  void encode(std::span<const std::uint8_t> raw, std::vector<std::uint8_t>& out);

private:
  struct state;
  state* s_;
};

/// Decodes what compress_with_dict() wrote (the whole of `in`), appending
/// the raw bytes to `out`; corruption when malformed or longer than 1 MiB.
status decompress_with_dict(std::span<const std::uint8_t> in, const std::string& dict, std::vector<std::uint8_t>& out);

} // namespace vigil::store
