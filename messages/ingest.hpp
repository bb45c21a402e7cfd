// messages/ingest.hpp - what actors exchange on the write path, with the CAF
// 0.17 inspect() overloads beside each struct (only these lines change on a
// CAF upgrade).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>

#include "core/status.hpp"

#include "core/series.hpp"

namespace vigil::messages {

/// A write batch encoded by messages/series_codec (Cap'n Proto bytes). Crosses
/// process boundaries as one blob (CAF copies std::string with memcpy).
struct series_payload {
  std::string bytes;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, series_payload& x) {
  return f(caf::meta::type_name("vigil.series_payload"), x.bytes);
}

/// One shard's part of a write (router -> shard). In-process the series
/// travel as they are (CAF does not serialize local messages); across
/// processes inspect() carries them as one Cap'n Proto SeriesSet, encoded
/// only then.
struct write_part {
  std::vector<series> items{};
  /// Set when the part crossed a process boundary and its bytes did not
  /// decode (invalid_argument); `items` is then empty.
  std::optional<status> wire_error{};
};

/// The wire form of a write part (messages/series_codec).
std::string encode_write_part(const write_part& p);
/// Decodes what encode_write_part made into `out.items`; on malformed bytes
/// sets out.wire_error instead (never throws).
void decode_write_part(const std::string& wire, write_part& out);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, write_part& x) {
  std::string wire;
  if constexpr (Inspector::reads_state) wire = encode_write_part(x);
  return f(caf::meta::type_name("vigil.write_part"), wire, caf::meta::load_callback([&]() -> caf::error {
             decode_write_part(wire, x);
             return caf::none;
           }));
}

/// A shard's answer to a write: what it committed (see append_stats).
struct ingest_ack {
  std::uint64_t appended = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t out_of_order = 0;
  std::uint64_t new_series = 0;
  std::uint64_t limited = 0;    ///< samples of new series over a cardinality limit
  std::string limit_error;      ///< the first limit hit (names metric and label)

  static ingest_ack from(const append_stats& s) {
    return {s.appended, s.duplicates, s.out_of_order, s.new_series, s.limited, s.limit_error};
  }
  ingest_ack& operator+=(const ingest_ack& o) {
    appended += o.appended;
    duplicates += o.duplicates;
    out_of_order += o.out_of_order;
    new_series += o.new_series;
    limited += o.limited;
    if (limit_error.empty()) limit_error = o.limit_error;
    return *this;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ingest_ack& x) {
  return f(caf::meta::type_name("vigil.ingest_ack"), x.appended, x.duplicates, x.out_of_order,
           x.new_series, x.limited, x.limit_error);
}

/// A decoded write batch handed from the HTTP frontend to the router. Local
/// only (registered as an unsafe message type): the router splits it into
/// one write_part per shard, which is what may cross processes.
struct ingest_request {
  write_batch batch;
};

} // namespace vigil::messages
