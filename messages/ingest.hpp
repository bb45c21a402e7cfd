// messages/ingest.hpp - what actors exchange on the write path, with the CAF
// 0.17 inspect() overloads beside each struct (only these lines change on a
// CAF upgrade).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

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
/// only (registered as an unsafe message type): the router re-encodes each
/// shard's part as a series_payload, which is what crosses processes.
struct ingest_request {
  write_batch batch;
};

} // namespace vigil::messages
