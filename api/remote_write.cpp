#include "api/remote_write.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <climits>
#include <cstring>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include <google/protobuf/arena.h>
#include <snappy.h>

#include "api/codec_util.hpp"
#include "remote.pb.h"

namespace vigil::api {

namespace {

namespace pb = vigil::prompb;

std::string at(int i) { return "timeseries[" + std::to_string(i) + "]"; }

std::string at(int i, int j) { return at(i) + ".labels[" + std::to_string(j) + "]"; }

/// One label as it lies in the decompressed body.
struct label_view {
  std::string_view name, value;
};

/// Validates one series' labels and turns them into a sorted `labels` (the
/// only copy of the strings; short ones stay in SSO).
result<labels> to_labels(std::span<const label_view> in, int i) {
  std::vector<label> out;
  out.reserve(in.size());
  bool sorted = true;
  bool has_name = false;
  for (std::size_t j = 0; j < in.size(); ++j) {
    const std::string_view name = in[j].name, value = in[j].value;
    const int jj = static_cast<int>(j);
    if (name == metric_name_label) {
      if (value.empty()) return invalid_argument(at(i) + ": empty metric name (label \"__name__\")");
      if (!is_valid_metric_name(value))
        return invalid_argument(at(i) + ": invalid metric name " + quoted(value));
      has_name = true;
    } else if (!is_valid_label_name(name)) {
      return invalid_argument(at(i, jj) + ": invalid label name " + quoted(name));
    } else if (!is_valid_utf8(value)) {
      return invalid_argument(at(i, jj) + ": value of label " + quoted(name) + " is not valid UTF-8");
    }
    if (!out.empty() && !(out.back().name < name)) sorted = false;
    out.push_back({std::string(name), std::string(value)});
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

/// The label sets of series this thread decoded recently, keyed by the bytes
/// of their Label fields as they lie in the body (tags and lengths included,
/// when no other field lies between them). A sender repeats a series with the
/// same bytes in every request, so a known one costs one hash and one memcmp
/// of those bytes and shares the label set already built (a reference count;
/// its hash() already computed) instead of parsing, validating, sorting and
/// hashing its labels again: identical bytes decode to the identical label
/// set, so a hit needs no validation. The bytes live in one arena; when it
/// passes its budget or the table its entry limit (a churn of series), both
/// are dropped and refilled from the next requests.
class label_cache {
public:
  static std::uint64_t key(std::string_view raw) noexcept {
    // wyhash-style multiply-fold: not persisted, only spreads slots (hits are
    // confirmed byte for byte).
    auto load = [](const char* p) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      return w;
    };
    auto fold = [](std::uint64_t a, std::uint64_t b) {
      const unsigned __int128 m = static_cast<unsigned __int128>(a) * b;
      return static_cast<std::uint64_t>(m) ^ static_cast<std::uint64_t>(m >> 64);
    };
    constexpr std::uint64_t k0 = 0xa0761d6478bd642fULL, k1 = 0xe7037ed1a0b428dbULL;
    std::uint64_t h = k0 ^ raw.size();
    const char* p = raw.data();
    std::size_t n = raw.size();
    for (; n >= 16; p += 16, n -= 16) h = fold(load(p) ^ k1, load(p + 8) ^ h);
    if (n >= 8) {
      h = fold(load(p) ^ k1, load(p + n - 8) ^ h);
    } else if (n > 0) {
      std::uint64_t w = 0;
      std::memcpy(&w, p, n);
      h = fold(w ^ k1, h ^ k0);
    }
    return fold(h ^ k1, raw.size() ^ k0) | 1; // 0 marks an empty slot
  }
  /// Hints the CPU to fetch the slot where key `k` starts (a batch looks up
  /// all its series after computing their keys, so the misses overlap).
  void prefetch(std::uint64_t k) const noexcept {
    if (!slots_.empty()) __builtin_prefetch(&slots_[(k >> 1) & mask_]);
  }
  const labels* find(std::uint64_t k, std::string_view raw) const {
    if (slots_.empty()) return nullptr;
    for (std::size_t i = (k >> 1) & mask_;; i = (i + 1) & mask_) {
      const slot& s = slots_[i];
      if (s.key == 0) return nullptr;
      if (s.key == k && s.len == raw.size() && std::memcmp(arena_.data() + s.off, raw.data(), raw.size()) == 0)
        return &s.ls;
    }
  }
  void put(std::uint64_t k, std::string_view raw, const labels& ls) {
    if (raw.size() > max_arena_bytes / 64) return;
    if ((used_ + 1) * 2 > slots_.size() || arena_.size() + raw.size() > max_arena_bytes) {
      if (slots_.size() >= 2 * max_entries || arena_.size() + raw.size() > max_arena_bytes) {
        slots_.assign(slots_.size(), slot{}); // a churn of series: start over
        used_ = 0;
        arena_.clear();
      } else {
        grow();
      }
    }
    (void)ls.hash(); // computed once, kept with the shared set
    const auto off = static_cast<std::uint32_t>(arena_.size());
    arena_.append(raw);
    place(slot{k, off, static_cast<std::uint32_t>(raw.size()), ls});
  }

private:
  /// Open addressing, linear probing: a lookup touches one slot and the
  /// arena's bytes.
  struct slot {
    std::uint64_t key = 0;
    std::uint32_t off = 0, len = 0; ///< the label bytes in arena_
    labels ls;
  };
  static constexpr std::size_t max_entries = std::size_t{1} << 19;
  static constexpr std::size_t max_arena_bytes = std::size_t{64} << 20;
  void place(slot&& in) {
    for (std::size_t i = (in.key >> 1) & mask_;; i = (i + 1) & mask_) {
      slot& s = slots_[i];
      if (s.key == 0) {
        s = std::move(in);
        ++used_;
        return;
      }
    }
  }
  void grow() {
    std::vector<slot> old = std::exchange(slots_, std::vector<slot>(slots_.empty() ? 4096 : slots_.size() * 2));
    mask_ = slots_.size() - 1;
    used_ = 0;
    for (slot& s : old)
      if (s.key != 0) place(std::move(s));
  }
  std::vector<slot> slots_;
  std::size_t mask_ = 0;
  std::size_t used_ = 0;
  std::string arena_;
};

/// Stable-sorts samples by time when the sender did not send them in order.
void sort_samples(std::vector<sample>& out) {
  for (std::size_t k = 1; k < out.size(); ++k)
    if (out[k].t < out[k - 1].t) {
      std::stable_sort(out.begin(), out.end(), [](const sample& a, const sample& b) { return a.t < b.t; });
      return;
    }
}

// ---- the protobuf wire format, read in place ---------------------------------
//
// prompb is small and fixed, so the body is walked directly (no message
// objects, no copies of strings): every label is a view into the decompressed
// body until to_labels() copies it once into the batch. Unknown fields (of
// any wire type, groups included) are skipped as libprotobuf skips them; a
// known field with an unexpected wire type is skipped as unknown, as
// libprotobuf does. Anything malformed (truncated, overlong varint, field 0,
// unbalanced groups, lengths past the end) fails the whole body, as
// ParseFromArray does. tests/api/remote_write_test.cpp compares both on
// random and mutated bodies.

enum wire_type : unsigned { varint = 0, fixed64 = 1, length = 2, start_group = 3, end_group = 4, fixed32 = 5 };

class wire_reader {
public:
  wire_reader(const char* p, const char* end) : p_(reinterpret_cast<const std::uint8_t*>(p)),
                                                 end_(reinterpret_cast<const std::uint8_t*>(end)) {}
  bool done() const { return p_ == end_; }
  const char* pos() const { return reinterpret_cast<const char*>(p_); }

  bool read_varint(std::uint64_t* v) {
    std::uint64_t out = 0;
    for (unsigned shift = 0; shift < 70; shift += 7) {
      if (p_ == end_) return false;
      const std::uint8_t b = *p_++;
      // (a 10th byte's bits past 64 are dropped, as libprotobuf does)
      out |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) {
        *v = out;
        return true;
      }
    }
    return false;
  }
  /// A field's tag: a varint of at most 5 bytes whose bits past 32 are
  /// dropped (as libprotobuf reads tags); false when malformed or field 0.
  bool read_tag(std::uint32_t* field, unsigned* type) {
    std::uint32_t tag = 0;
    for (unsigned k = 0;; ++k) {
      if (k == 5 || p_ == end_) return false;
      const std::uint8_t b = *p_++;
      tag |= static_cast<std::uint32_t>(b & 0x7f) << (7 * k);
      if (!(b & 0x80)) break;
    }
    *field = tag >> 3;
    *type = tag & 7;
    return *field != 0;
  }
  bool read_fixed64(std::uint64_t* v) {
    if (end_ - p_ < 8) return false;
    std::uint64_t x = 0;
    for (int k = 7; k >= 0; --k) x = x << 8 | p_[k];
    p_ += 8;
    *v = x;
    return true;
  }
  bool read_bytes(std::string_view* out) {
    std::uint64_t n = 0;
    if (!read_varint(&n) || n > static_cast<std::uint64_t>(end_ - p_)) return false;
    *out = std::string_view(reinterpret_cast<const char*>(p_), static_cast<std::size_t>(n));
    p_ += n;
    return true;
  }
  /// Skips the value of a field of `type` (a group up to its end tag).
  bool skip(std::uint32_t field, unsigned type, int depth = 0) {
    std::uint64_t v = 0;
    std::string_view b;
    switch (type) {
      case varint: return read_varint(&v);
      case fixed64: return read_fixed64(&v);
      case length: return read_bytes(&b);
      case fixed32:
        if (end_ - p_ < 4) return false;
        p_ += 4;
        return true;
      case start_group: {
        if (depth >= 100) return false; // libprotobuf's recursion limit
        for (;;) {
          std::uint32_t f = 0;
          unsigned t = 0;
          if (!read_tag(&f, &t)) return false;
          if (t == end_group) return f == field;
          if (!skip(f, t, depth + 1)) return false;
        }
      }
      default: return false; // a stray end group, or wire types 6 and 7
    }
  }

private:
  const std::uint8_t* p_;
  const std::uint8_t* end_;
};

bool parse_label(std::string_view body, label_view* out) {
  wire_reader r(body.data(), body.data() + body.size());
  *out = {};
  while (!r.done()) {
    std::uint32_t f = 0;
    unsigned t = 0;
    if (!r.read_tag(&f, &t)) return false;
    if (f == 1 && t == length) {
      if (!r.read_bytes(&out->name)) return false;
    } else if (f == 2 && t == length) {
      if (!r.read_bytes(&out->value)) return false;
    } else if (!r.skip(f, t)) {
      return false;
    }
  }
  return true;
}

bool parse_sample(std::string_view body, sample* out) {
  wire_reader r(body.data(), body.data() + body.size());
  std::uint64_t bits = 0, ts = 0;
  while (!r.done()) {
    std::uint32_t f = 0;
    unsigned t = 0;
    if (!r.read_tag(&f, &t)) return false;
    if (f == 1 && t == fixed64) {
      if (!r.read_fixed64(&bits)) return false;
    } else if (f == 2 && t == varint) {
      if (!r.read_varint(&ts)) return false;
    } else if (!r.skip(f, t)) {
      return false;
    }
  }
  *out = {static_cast<timestamp_ms>(ts), std::bit_cast<double>(bits)};
  return true;
}

/// An Exemplar (ignored): checked as libprotobuf parses it.
bool parse_exemplar(std::string_view body) {
  wire_reader r(body.data(), body.data() + body.size());
  while (!r.done()) {
    std::uint32_t f = 0;
    unsigned t = 0;
    if (!r.read_tag(&f, &t)) return false;
    std::string_view b;
    label_view l;
    if (f == 1 && t == length) {
      if (!r.read_bytes(&b) || !parse_label(b, &l)) return false;
    } else if (!r.skip(f, t)) {
      return false;
    }
  }
  return true;
}

/// One TimeSeries' fields: its Label bodies (parsed later, only when the
/// label cache does not know their bytes) and the bytes of its Label fields.
struct series_fields {
  std::vector<std::string_view> labels;
  /// The Label fields, tags included, when nothing else lies between them
  /// (as every sender writes them); empty otherwise (not cached).
  std::string_view label_bytes;
};

/// One TimeSeries: its label fields (into `out`) and samples.
bool parse_series(std::string_view body, series_fields& out, std::vector<sample>& samples) {
  wire_reader r(body.data(), body.data() + body.size());
  out.labels.clear();
  const char* first = nullptr; // the first Label field's tag
  const char* last = nullptr;  // the end of the latest Label field
  bool contiguous = true;
  while (!r.done()) {
    const char* field = r.pos();
    std::uint32_t f = 0;
    unsigned t = 0;
    if (!r.read_tag(&f, &t)) return false;
    std::string_view b;
    if (f == 1 && t == length) {
      if (!r.read_bytes(&b)) return false;
      out.labels.push_back(b);
      if (!first) first = field;
      else if (field != last) contiguous = false;
      last = r.pos();
    } else if (f == 2 && t == length) {
      if (!r.read_bytes(&b) || !parse_sample(b, &samples.emplace_back())) return false;
    } else if (f == 3 && t == length) { // exemplar: ignored, but must be well-formed
      if (!r.read_bytes(&b) || !parse_exemplar(b)) return false;
    } else if (!r.skip(f, t)) {
      return false;
    }
  }
  out.label_bytes = first && contiguous ? std::string_view(first, static_cast<std::size_t>(last - first))
                                        : std::string_view();
  return true;
}

metric_type from_pb(std::uint64_t t) {
  switch (static_cast<std::int32_t>(t)) { // an open proto3 enum: unknown values stay
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

/// One MetricMetadata entry (field 3 of the request).
bool parse_metadata(std::string_view body, metric_metadata* out) {
  wire_reader r(body.data(), body.data() + body.size());
  std::uint64_t type = 0;
  std::string_view name, help, unit;
  while (!r.done()) {
    std::uint32_t f = 0;
    unsigned t = 0;
    if (!r.read_tag(&f, &t)) return false;
    bool ok = true;
    if (f == 1 && t == varint) ok = r.read_varint(&type);
    else if (f == 2 && t == length) ok = r.read_bytes(&name);
    else if (f == 4 && t == length) ok = r.read_bytes(&help);
    else if (f == 5 && t == length) ok = r.read_bytes(&unit);
    else ok = r.skip(f, t);
    if (!ok) return false;
  }
  *out = {std::string(name), from_pb(type), std::string(help), std::string(unit)};
  return true;
}

const status& malformed() {
  static const status st = invalid_argument("protobuf: body is not a valid remote-write WriteRequest");
  return st;
}

/// The batch, and the metadata (appended to `metadata` when non-null and
/// the whole request is valid). Malformed protobuf fails before any
/// validation message, as when libprotobuf parsed first.
result<write_batch> to_batch(std::string_view raw, std::vector<metric_metadata>* metadata) {
  // Pass 1: the structure of every field (so malformed bytes anywhere win
  // over a validation error in an earlier series).
  std::vector<std::string_view> series_bodies;
  std::vector<metric_metadata> md;
  {
    wire_reader r(raw.data(), raw.data() + raw.size());
    while (!r.done()) {
      std::uint32_t f = 0;
      unsigned t = 0;
      if (!r.read_tag(&f, &t)) return malformed();
      std::string_view b;
      if (f == 1 && t == length) {
        if (!r.read_bytes(&b)) return malformed();
        series_bodies.push_back(b);
      } else if (f == 3 && t == length) {
        if (!r.read_bytes(&b) || !parse_metadata(b, &md.emplace_back())) return malformed();
      } else if (!r.skip(f, t)) {
        return malformed();
      }
    }
  }
  std::optional<status> invalid; // the first validation error (malformed bytes later still win)
  for (std::size_t i = 0; i < md.size() && !invalid; ++i)
    if (!is_valid_metric_name(md[i].name))
      invalid = invalid_argument("metadata[" + std::to_string(i) + "]: invalid metric family name " +
                                 quoted(md[i].name));
  write_batch out;
  // Pass 2: each series' samples and the bytes of its labels, and the label
  // cache's slot of those fetched ahead (the lookups of pass 3 then mostly
  // hit the CPU's cache instead of waiting on memory one series at a time).
  struct pending {
    std::string_view label_bytes; ///< empty: not cacheable
    std::uint64_t key = 0;
  };
  thread_local std::vector<pending> keys;
  thread_local series_fields fields;
  thread_local label_cache cache;
  keys.clear();
  out.items.resize(series_bodies.size());
  for (std::size_t i = 0; i < series_bodies.size(); ++i) {
    if (!parse_series(series_bodies[i], fields, out.items[i].samples)) return malformed();
    pending p{fields.label_bytes, 0};
    if (!p.label_bytes.empty()) {
      p.key = label_cache::key(p.label_bytes);
      cache.prefetch(p.key);
    }
    keys.push_back(p);
  }
  // Pass 3: label sets, from the cache or parsed, validated and built.
  thread_local std::vector<label_view> views;
  constexpr std::size_t ahead = 8; // label sets fetched ahead of their copy
  auto lookup = [&](std::size_t i) -> const labels* {
    return keys[i].key != 0 ? cache.find(keys[i].key, keys[i].label_bytes) : nullptr;
  };
  for (std::size_t i = 0; i < ahead && i < keys.size(); ++i)
    if (const labels* hit = lookup(i)) hit->prefetch();
  std::size_t kept = 0;
  for (std::size_t i = 0; i < series_bodies.size(); ++i) {
    if (i + ahead < keys.size())
      if (const labels* next = lookup(i + ahead)) next->prefetch();
    series& item = out.items[i];
    if (const labels* hit = lookup(i)) {
      if (!invalid) item.lbls = *hit;
    } else {
      // Not known: the labels are parsed (a malformed one fails the body even
      // after a validation error) and, while the body is valid, validated.
      {
        std::vector<sample> ignored;
        if (!parse_series(series_bodies[i], fields, ignored)) return malformed();
      }
      views.clear();
      for (std::string_view b : fields.labels)
        if (!parse_label(b, &views.emplace_back())) return malformed();
      if (!invalid) {
        auto ls = to_labels(views, static_cast<int>(i));
        if (!ls) {
          invalid = std::move(ls).error();
        } else {
          if (keys[i].key != 0) cache.put(keys[i].key, keys[i].label_bytes, *ls);
          item.lbls = std::move(*ls);
        }
      }
    }
    if (invalid || item.samples.empty()) continue;
    sort_samples(item.samples);
    if (kept != i) out.items[kept] = std::move(item);
    ++kept;
  }
  out.items.resize(kept);
  if (invalid) return std::move(*invalid);
  if (metadata) std::move(md.begin(), md.end(), std::back_inserter(*metadata));
  return out;
}

constexpr std::size_t round_to_page(std::size_t n) { return (n + 4095) & ~std::size_t{4095}; }

} // namespace

namespace detail {

result<write_batch> decode_with_libprotobuf(std::string_view raw, std::vector<metric_metadata>* metadata) {
  google::protobuf::Arena arena;
  auto* req = google::protobuf::Arena::CreateMessage<pb::WriteRequest>(&arena);
  if (raw.size() > static_cast<std::size_t>(INT_MAX) || !req->ParseFromArray(raw.data(), static_cast<int>(raw.size())))
    return malformed();
  std::vector<metric_metadata> md;
  for (int i = 0; i < req->metadata_size(); ++i) {
    const auto& m = req->metadata(i);
    if (!is_valid_metric_name(m.metric_family_name()))
      return invalid_argument("metadata[" + std::to_string(i) + "]: invalid metric family name " +
                              quoted(m.metric_family_name()));
    md.push_back({m.metric_family_name(), from_pb(static_cast<std::uint64_t>(m.type())), m.help(), m.unit()});
  }
  write_batch out;
  std::vector<label_view> views;
  for (int i = 0; i < req->timeseries_size(); ++i) {
    const auto& ts = req->timeseries(i);
    views.clear();
    for (const auto& l : ts.labels()) views.push_back({l.name(), l.value()});
    auto ls = to_labels(views, i);
    if (!ls) return std::move(ls).error();
    if (ts.samples_size() == 0) continue;
    auto& item = out.items.emplace_back(series{std::move(*ls), {}});
    for (const auto& x : ts.samples()) item.samples.push_back({x.timestamp(), x.value()});
    sort_samples(item.samples);
  }
  if (metadata) std::move(md.begin(), md.end(), std::back_inserter(*metadata));
  return out;
}

} // namespace detail

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

  auto out = to_batch(std::string_view(raw, raw_size), metadata);
  if (raw_.size > retain_) raw_ = buffer{};
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
