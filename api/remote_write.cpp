#include "api/remote_write.hpp"

#include <algorithm>
#include <cassert>
#include <climits>
#include <iterator>
#include <memory>

#include <google/protobuf/arena.h>
#include <snappy.h>

#include "api/codec_util.hpp"
#include "remote.pb.h"

namespace vigil::api {

namespace {

namespace pb = vigil::prompb;

std::string at(int i) { return "timeseries[" + std::to_string(i) + "]"; }

std::string at(int i, int j) { return at(i) + ".labels[" + std::to_string(j) + "]"; }

/// Validates one series' labels and turns them into a sorted `labels`.
/// Label strings live in the request's arena; short ones copy into SSO.
result<labels> to_labels(const pb::TimeSeries& ts, int i) {
  const auto& in = ts.labels();
  std::vector<label> out;
  out.reserve(static_cast<std::size_t>(in.size()));
  bool sorted = true;
  bool has_name = false;
  for (int j = 0; j < in.size(); ++j) {
    const std::string& name = in.Get(j).name();
    const std::string& value = in.Get(j).value();
    if (name == metric_name_label) {
      if (value.empty()) return invalid_argument(at(i) + ": empty metric name (label \"__name__\")");
      if (!is_valid_metric_name(value))
        return invalid_argument(at(i) + ": invalid metric name " + quoted(value));
      has_name = true;
    } else if (!is_valid_label_name(name)) {
      return invalid_argument(at(i, j) + ": invalid label name " + quoted(name));
    } else if (!is_valid_utf8(value)) {
      return invalid_argument(at(i, j) + ": value of label " + quoted(name) + " is not valid UTF-8");
    }
    if (!out.empty() && !(out.back().name < name)) sorted = false;
    out.push_back({name, value});
  }
  if (!has_name) return invalid_argument(at(i) + ": missing metric name (label \"__name__\")");
  auto by_name = [](const label& a, const label& b) { return a.name < b.name; };
  if (!sorted) std::sort(out.begin(), out.end(), by_name);
  auto dup = std::adjacent_find(out.begin(), out.end(),
                                [](const label& a, const label& b) { return a.name == b.name; });
  if (dup != out.end()) return invalid_argument(at(i) + ": duplicate label name " + quoted(dup->name));
  std::erase_if(out, [](const label& l) { return l.value.empty(); });
  return labels::from_sorted(std::move(out));
}

void copy_samples(const pb::TimeSeries& ts, std::vector<sample>& out) {
  out.reserve(static_cast<std::size_t>(ts.samples_size()));
  bool sorted = true;
  for (const auto& s : ts.samples()) {
    if (!out.empty() && s.timestamp() < out.back().t) sorted = false;
    out.push_back({s.timestamp(), s.value()});
  }
  if (!sorted)
    std::stable_sort(out.begin(), out.end(), [](const sample& a, const sample& b) { return a.t < b.t; });
}

metric_type from_pb(pb::MetricMetadata::MetricType t) {
  switch (t) {
    case pb::MetricMetadata::COUNTER: return metric_type::counter;
    case pb::MetricMetadata::GAUGE: return metric_type::gauge;
    case pb::MetricMetadata::HISTOGRAM: return metric_type::histogram;
    case pb::MetricMetadata::GAUGEHISTOGRAM: return metric_type::gaugehistogram;
    case pb::MetricMetadata::SUMMARY: return metric_type::summary;
    case pb::MetricMetadata::INFO: return metric_type::info;
    case pb::MetricMetadata::STATESET: return metric_type::stateset;
    default: return metric_type::untyped;
  }
}

pb::MetricMetadata::MetricType to_pb(metric_type t) {
  switch (t) {
    case metric_type::counter: return pb::MetricMetadata::COUNTER;
    case metric_type::gauge: return pb::MetricMetadata::GAUGE;
    case metric_type::histogram: return pb::MetricMetadata::HISTOGRAM;
    case metric_type::gaugehistogram: return pb::MetricMetadata::GAUGEHISTOGRAM;
    case metric_type::summary: return pb::MetricMetadata::SUMMARY;
    case metric_type::info: return pb::MetricMetadata::INFO;
    case metric_type::stateset: return pb::MetricMetadata::STATESET;
    case metric_type::untyped: break;
  }
  return pb::MetricMetadata::UNKNOWN;
}

/// Validates and copies the request's metadata entries (field 3).
result<std::vector<metric_metadata>> to_metadata(const pb::WriteRequest& req) {
  std::vector<metric_metadata> out;
  out.reserve(static_cast<std::size_t>(req.metadata_size()));
  for (int i = 0; i < req.metadata_size(); ++i) {
    const auto& m = req.metadata(i);
    if (!is_valid_metric_name(m.metric_family_name()))
      return invalid_argument("metadata[" + std::to_string(i) + "]: invalid metric family name " +
                              quoted(m.metric_family_name()));
    out.push_back({m.metric_family_name(), from_pb(m.type()), m.help(), m.unit()});
  }
  return out;
}

/// The batch, and the metadata (appended to `metadata` when non-null and
/// the whole request is valid).
result<write_batch> to_batch(const pb::WriteRequest& req, std::vector<metric_metadata>* metadata) {
  auto md = to_metadata(req);
  if (!md) return std::move(md).error();
  write_batch out;
  out.items.reserve(static_cast<std::size_t>(req.timeseries_size()));
  for (int i = 0; i < req.timeseries_size(); ++i) {
    const auto& ts = req.timeseries(i);
    auto ls = to_labels(ts, i);
    if (!ls) return std::move(ls).error();
    if (ts.samples_size() == 0) continue;
    auto& s = out.items.emplace_back(series{std::move(*ls), {}});
    copy_samples(ts, s.samples);
  }
  if (metadata) std::move(md->begin(), md->end(), std::back_inserter(*metadata));
  return out;
}

constexpr std::size_t round_to_page(std::size_t n) { return (n + 4095) & ~std::size_t{4095}; }

} // namespace

char* remote_write_decoder::buffer::reserve(std::size_t n) {
  if (n > size) {
    data = std::make_unique_for_overwrite<char[]>(n);
    size = n;
  }
  return data.get();
}

result<write_batch> remote_write_decoder::decode(std::string_view body, std::size_t max_uncompressed_bytes,
                                                 std::vector<metric_metadata>* metadata) {
  std::size_t raw_size = 0;
  if (!snappy::GetUncompressedLength(body.data(), body.size(), &raw_size))
    return invalid_argument("snappy: body is not snappy block-compressed data (bad length header)");
  if (raw_size > max_uncompressed_bytes || raw_size > static_cast<std::size_t>(INT_MAX))
    return resource_exhausted("snappy: decompressed body would be " + std::to_string(raw_size) +
                              " bytes, over the limit of " + std::to_string(max_uncompressed_bytes));
  char* raw = raw_.reserve(round_to_page(std::max<std::size_t>(raw_size, 1)));
  if (!snappy::RawUncompress(body.data(), body.size(), raw))
    return invalid_argument("snappy: corrupt compressed data");

  // The first block is as large as the previous request needed. Block sizes
  // stay multiples of 8: protobuf 3.21 puts 8-byte cleanup nodes at a block's
  // end (UBSan flags them otherwise), hence whole pages.
  google::protobuf::ArenaOptions opts;
  opts.initial_block = arena_.reserve(std::max<std::size_t>(arena_.size, 64 << 10));
  opts.initial_block_size = arena_.size;
  opts.max_block_size = std::size_t{4} << 20;
  std::size_t used = 0;
  result<write_batch> out = invalid_argument("protobuf: body is not a valid remote-write WriteRequest");
  {
    google::protobuf::Arena arena(opts);
    auto* req = google::protobuf::Arena::CreateMessage<pb::WriteRequest>(&arena);
    if (req->ParseFromArray(raw, static_cast<int>(raw_size))) out = to_batch(*req, metadata);
    used = arena.SpaceAllocated();
  }
  if (used > arena_.size) arena_.reserve(round_to_page(used));
  for (auto* b : {&raw_, &arena_})
    if (b->size > retain_) *b = buffer{};
  return out;
}

result<write_batch> decode_remote_write(std::string_view body, std::size_t max_uncompressed_bytes,
                                        std::vector<metric_metadata>* metadata) {
  thread_local remote_write_decoder decoder;
  return decoder.decode(body, max_uncompressed_bytes, metadata);
}

std::string encode_remote_write(const write_batch& batch, std::span<const metric_metadata> metadata) {
  google::protobuf::Arena arena;
  auto* req = google::protobuf::Arena::CreateMessage<pb::WriteRequest>(&arena);
  req->mutable_timeseries()->Reserve(static_cast<int>(batch.items.size()));
  for (const auto& s : batch.items) {
    auto* ts = req->add_timeseries();
    ts->mutable_labels()->Reserve(static_cast<int>(s.lbls.size()));
    for (const auto& l : s.lbls) {
      auto* pl = ts->add_labels();
      pl->set_name(l.name);
      pl->set_value(l.value);
    }
    ts->mutable_samples()->Reserve(static_cast<int>(s.samples.size()));
    for (const auto& smp : s.samples) {
      auto* ps = ts->add_samples();
      ps->set_timestamp(smp.t);
      ps->set_value(smp.v);
    }
  }
  for (const auto& m : metadata) {
    auto* pm = req->add_metadata();
    pm->set_type(to_pb(m.type));
    pm->set_metric_family_name(m.name);
    pm->set_help(m.help);
    pm->set_unit(m.unit);
  }
  std::string raw;
  [[maybe_unused]] bool ok = req->SerializeToString(&raw);
  assert(ok && "remote-write request exceeds protobuf's 2 GiB limit");
  std::string out;
  snappy::Compress(raw.data(), raw.size(), &out);
  return out;
}

} // namespace vigil::api
