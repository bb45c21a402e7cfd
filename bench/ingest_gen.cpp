// bench/ingest_gen.cpp - see ingest_gen.hpp. The series catalog (what a
// node_exporter and a service target expose) is in ingest_targets.cpp; this
// file holds the remote-write encoding and the request loop.
#include "bench/ingest_gen.hpp"

#include <cstring>

#include <snappy.h>

#include "bench/ingest_targets.hpp"

namespace vigil::bench {

namespace {

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

std::size_t varint_size(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) v >>= 7, ++n;
  return n;
}

// One prompb.TimeSeries (WriteRequest field 1) with one sample:
//   0x0a len { labels (pre-encoded field-1 entries), 0x12 len { 0x09 double, 0x10 varint t } }
void put_series(std::string& out, const std::string& labels_pb, double v, timestamp_ms t) {
  const std::size_t sample_len = 1 + 8 + 1 + varint_size(static_cast<std::uint64_t>(t));
  out.push_back(0x0a);
  put_varint(out, labels_pb.size() + 1 + varint_size(sample_len) + sample_len);
  out += labels_pb;
  out.push_back(0x12);
  put_varint(out, sample_len);
  out.push_back(0x09);
  char bytes[8];
  std::memcpy(bytes, &v, 8); // protobuf doubles are little-endian, as x86-64 and aarch64
  out.append(bytes, 8);
  out.push_back(0x10);
  put_varint(out, static_cast<std::uint64_t>(t));
}

} // namespace

ingest_generator::ingest_generator(const ingest_options& o) : opts_(o) {
  for (int h = 0; h < o.hosts; ++h) {
    targets_.push_back(make_node_target(o, h));
    targets_.push_back(make_service_target(o, h));
  }
  for (const auto& t : targets_) {
    series_ += t->labels_pb.size();
    for (const auto& n : t->names) ++per_name_[n];
  }
}

ingest_generator::~ingest_generator() = default;

int ingest_generator::encode_steps(int n, std::vector<ingest_request>& out) {
  const int last = std::min(opts_.steps, next_step_ + n);
  const int done = last - next_step_;
  for (; next_step_ < last; ++next_step_) {
    for (int b = 0; b < opts_.batches(); ++b) {
      ingest_request r;
      r.step = next_step_;
      r.batch = b;
      raw_.clear();
      const int first_host = b * opts_.hosts_per_request;
      const int end_host = std::min(opts_.hosts, first_host + opts_.hosts_per_request);
      for (int h = first_host; h < end_host; ++h)
        for (int k = 0; k < 2; ++k) {
          target& t = *targets_[static_cast<std::size_t>(2 * h + k)];
          const timestamp_ms ts = t.next(opts_, next_step_, values_);
          for (std::size_t i = 0; i < values_.size(); ++i) put_series(raw_, t.labels_pb[i], values_[i], ts);
          r.samples += static_cast<std::uint32_t>(values_.size());
        }
      r.raw_bytes = static_cast<std::uint32_t>(raw_.size());
      snappy::Compress(raw_.data(), raw_.size(), &r.body);
      out.push_back(std::move(r));
    }
  }
  return done;
}

} // namespace vigil::bench
