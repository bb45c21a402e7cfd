// api/remote_write.hpp - Prometheus remote-write 1.0 bodies <-> write_batch.
//
// Pure: bytes in, values out (no sockets, no actors). The HTTP layer checks the
// headers (Content-Encoding: snappy, Content-Type: application/x-protobuf,
// X-Prometheus-Remote-Write-Version: 0.1.0) and the compressed body size, then
// calls decode_remote_write() and maps a non-ok status to an HTTP status.
// Thread-safety: free functions without shared state; call from any thread.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/metadata.hpp"
#include "core/series.hpp"
#include "core/status.hpp"

namespace vigil::api {

/// Default cap on the decompressed size of one remote-write body. Senders batch
/// ~2000 samples (Prometheus' max_samples_per_send; a few hundred KiB); 32 MiB
/// matches VictoriaMetrics' -maxInsertRequestSize and bounds the memory one
/// request can claim before a single byte is parsed (snappy's length header is
/// read first, so a tiny "zip bomb" is refused without inflating it).
inline constexpr std::size_t default_max_uncompressed_bytes = std::size_t{32} << 20;

/// Decodes a snappy block-compressed prompb WriteRequest.
///
/// Each TimeSeries becomes one `series`, in request order (series that repeat
/// a label set stay separate items; the store merges them). A series' samples
/// are stable-sorted by timestamp when the sender did not send them in order.
/// Labels with an empty value are dropped (Prometheus: empty == absent).
/// Series without samples are validated, then left out. Exemplars and
/// native histograms are ignored. Metadata (field 3, which Prometheus sends
/// in requests of its own, without series) goes to `metadata` when given.
///
/// Validation; the first failure rejects the whole body, so the sender gets a
/// 400 naming the series (Prometheus instead skips invalid series and only
/// logs them, which hides the problem from the sender):
///  - `__name__` present, non-empty and `[a-zA-Z_:.][a-zA-Z0-9_:.]*`;
///  - other label names `[a-zA-Z_][a-zA-Z0-9_]*`, no name twice;
///  - label values valid UTF-8;
///  - metadata family names `[a-zA-Z_:.][a-zA-Z0-9_:.]*`.
///
/// Uses a per-thread remote_write_decoder, so memory is reused between calls
/// on one thread (at most 2 x 16 MiB stays allocated per thread).
///
/// @param body the raw HTTP body (snappy "block" format, not the framed one).
/// @param max_uncompressed_bytes refuse bodies whose snappy header announces
///        more than this many bytes.
/// @returns the batch, or
///   - resource_exhausted when the announced size exceeds the limit;
///   - invalid_argument naming the problem: "snappy: ...", "protobuf: ...",
///     "timeseries[3].labels[1]: invalid label name \"1x\"" or
///     "metadata[0]: invalid metric family name \"\"".
/// @param metadata when non-null, receives the request's metadata entries
///        in request order (appended; left untouched when decoding fails).
///        Unknown prompb types become metric_type::untyped.
result<write_batch> decode_remote_write(std::string_view body,
                                        std::size_t max_uncompressed_bytes = default_max_uncompressed_bytes,
                                        std::vector<metric_metadata>* metadata = nullptr);

/// decode_remote_write() with buffers that survive between calls: the
/// decompressed body, sized from the
/// previous request. A steady stream of requests then costs no page faults,
/// which otherwise dominate (large blocks are mmap'ed and unmapped per call).
/// Buffers larger than `retain_bytes` are released after the call.
/// Not thread-safe: one decoder per thread or connection.
class remote_write_decoder {
public:
  explicit remote_write_decoder(std::size_t retain_bytes = std::size_t{16} << 20) : retain_(retain_bytes) {}

  /// As decode_remote_write(); the returned batch owns its data.
  result<write_batch> decode(std::string_view body,
                             std::size_t max_uncompressed_bytes = default_max_uncompressed_bytes,
                             std::vector<metric_metadata>* metadata = nullptr);

private:
  struct buffer {
    std::unique_ptr<char[]> data;
    std::size_t size = 0;
    char* reserve(std::size_t n);
  };
  std::size_t retain_;
  buffer raw_; ///< decompressed body
};

namespace detail {
/// The same decoding of an uncompressed body through libprotobuf's generated
/// parser: the reference the in-place wire reader is tested against.
result<write_batch> decode_with_libprotobuf(std::string_view raw, std::vector<metric_metadata>* metadata = nullptr);
} // namespace detail

/// Encodes a batch (and metadata entries, field 3) as a snappy
/// block-compressed prompb WriteRequest, labels in the batch's (sorted)
/// order. For tests, benchmarks and load generators.
/// @pre the serialized request is smaller than 2 GiB (protobuf's limit).
std::string encode_remote_write(const write_batch& batch, std::span<const metric_metadata> metadata = {});

} // namespace vigil::api
