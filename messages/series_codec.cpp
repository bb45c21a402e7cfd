#include "messages/series_codec.hpp"
#include "messages/ingest.hpp"

#include <cstring>

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include "series.capnp.h"

namespace vigil::messages {

namespace {

constexpr std::uint64_t max_words = std::uint64_t{1} << 30; // 8 GiB traversal cap

void fill(Series::Builder out, const series& s) {
  auto ls = out.initLabels(static_cast<unsigned>(s.lbls.size()));
  unsigned i = 0;
  for (const auto& l : s.lbls) {
    ls[i].setName(capnp::Text::Reader(l.name.data(), l.name.size()));
    ls[i].setValue(capnp::Text::Reader(l.value.data(), l.value.size()));
    ++i;
  }
  auto n = static_cast<unsigned>(s.samples.size());
  auto ts = out.initTimestamps(n);
  auto vs = out.initValues(n);
  for (unsigned j = 0; j < n; ++j) {
    ts.set(j, s.samples[j].t);
    vs.set(j, s.samples[j].v);
  }
}

result<series> read(Series::Reader in) {
  series s;
  std::vector<label> pairs;
  pairs.reserve(in.getLabels().size());
  for (auto l : in.getLabels())
    pairs.push_back({std::string(l.getName().cStr(), l.getName().size()),
                     std::string(l.getValue().cStr(), l.getValue().size())});
  s.lbls = labels(std::move(pairs));
  auto ts = in.getTimestamps();
  auto vs = in.getValues();
  if (ts.size() != vs.size())
    return invalid_argument("series has " + std::to_string(ts.size()) + " timestamps but " +
                            std::to_string(vs.size()) + " values");
  s.samples.resize(ts.size());
  for (unsigned j = 0; j < ts.size(); ++j) s.samples[j] = {ts[j], vs[j]};
  return s;
}

} // namespace

std::string encode_series_set(const std::vector<series>& items) {
  capnp::MallocMessageBuilder mb(8192);
  auto root = mb.initRoot<SeriesSet>();
  auto list = root.initSeries(static_cast<unsigned>(items.size()));
  for (unsigned i = 0; i < items.size(); ++i) fill(list[i], items[i]);
  auto flat = capnp::messageToFlatArray(mb);
  auto bytes = flat.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

result<std::vector<series>> decode_series_set(std::string_view bytes) {
  if (bytes.size() % sizeof(capnp::word) != 0)
    return invalid_argument("series set: size " + std::to_string(bytes.size()) +
                            " is not a multiple of 8");
  kj::Array<capnp::word> copy;
  kj::ArrayPtr<const capnp::word> words;
  if (reinterpret_cast<std::uintptr_t>(bytes.data()) % alignof(capnp::word) == 0) {
    words = {reinterpret_cast<const capnp::word*>(bytes.data()), bytes.size() / sizeof(capnp::word)};
  } else {
    copy = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
    std::memcpy(copy.begin(), bytes.data(), bytes.size());
    words = copy;
  }
  std::vector<series> out;
  auto err = kj::runCatchingExceptions([&] {
    capnp::ReaderOptions opts;
    opts.traversalLimitInWords = max_words;
    capnp::FlatArrayMessageReader rd(words, opts);
    auto root = rd.getRoot<SeriesSet>();
    if (root.getVersion() != 1)
      throw std::runtime_error("unknown version " + std::to_string(root.getVersion()));
    out.reserve(root.getSeries().size());
    for (auto s : root.getSeries()) {
      auto r = read(s);
      if (!r) throw std::runtime_error(r.error().message());
      out.push_back(std::move(*r));
    }
  });
  KJ_IF_MAYBE (e, err) {
    return invalid_argument(std::string("malformed series set: ") + e->getDescription().cStr());
  }
  return out;
}

std::string encode_write_part(const write_part& p) { return encode_series_set(p.items); }

void decode_write_part(const std::string& wire, write_part& out) {
  out.items.clear();
  out.wire_error.reset();
  auto got = decode_series_set(wire);
  if (!got) {
    out.wire_error = std::move(got).error();
    return;
  }
  out.items = std::move(*got);
}

} // namespace vigil::messages
