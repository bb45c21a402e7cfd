#include "api/remote_write.hpp"

#include <cmath>
#include <cstdio>
#include <random>

#include <boost/test/unit_test.hpp>
#include <snappy.h>

using namespace vigil;
using namespace vigil::api;

namespace {

/// Appends a protobuf length-delimited field (field number < 16, length < 128).
std::string field(int number, const std::string& payload) {
  std::string out;
  out += static_cast<char>(number << 3 | 2);
  out += static_cast<char>(payload.size());
  return out + payload;
}

std::string label_pb(const std::string& n, const std::string& v) { return field(1, n) + field(2, v); }

/// Sample{value=1: fixed64 double, timestamp=2: varint} for small timestamps.
std::string sample_pb(double v, std::uint8_t ts) {
  std::string out = "\x09";
  out.append(reinterpret_cast<const char*>(&v), 8); // little-endian host
  out += '\x10';
  out += static_cast<char>(ts);
  return out;
}

std::string series_pb(const std::vector<std::pair<std::string, std::string>>& ls,
                      const std::vector<std::pair<double, std::uint8_t>>& ss) {
  std::string out;
  for (auto& [n, v] : ls) out += field(1, label_pb(n, v));
  for (auto& [v, t] : ss) out += field(2, sample_pb(v, t));
  return out;
}

std::string compress(const std::string& raw) {
  std::string out;
  snappy::Compress(raw.data(), raw.size(), &out);
  return out;
}

std::string decode_error(const std::string& raw) {
  auto r = decode_remote_write(compress(raw));
  BOOST_REQUIRE(!r);
  return r.error().message();
}

// append() rather than literal + std::string: GCC 12 warns falsely (-Wrestrict).
std::string cat(std::string a, std::uint64_t n) { return a.append(std::to_string(n)); }

write_batch random_batch(std::mt19937_64& rng) {
  write_batch b;
  std::uniform_int_distribution<int> n_series(0, 20), n_samples(1, 50), n_labels(0, 4);
  for (int i = n_series(rng); i > 0; --i) {
    std::vector<label> ls{{"__name__", cat("metric_", rng() % 5)}};
    for (int j = n_labels(rng); j > 0; --j)
      ls.push_back({cat("l", static_cast<std::uint64_t>(j)), cat("v\xC3\xA9", rng() % 100)});
    series s{labels(std::move(ls)), {}};
    timestamp_ms t = static_cast<timestamp_ms>(rng() % 1000000) - 500000;
    for (int k = n_samples(rng); k > 0; --k) {
      t += static_cast<timestamp_ms>(rng() % 30000);
      double v = std::bit_cast<double>(rng());
      s.samples.push_back({t, std::isnan(v) ? stale_nan() : v});
    }
    b.items.push_back(std::move(s));
  }
  return b;
}

} // namespace

BOOST_AUTO_TEST_SUITE(remote_write)

BOOST_AUTO_TEST_CASE(round_trips_random_batches) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 200; ++i) {
    auto batch = random_batch(rng);
    auto back = decode_remote_write(encode_remote_write(batch));
    BOOST_REQUIRE_MESSAGE(back.has_value(), (back ? std::string() : back.error().to_string()));
    BOOST_TEST((*back == batch));
  }
}

BOOST_AUTO_TEST_CASE(decoder_reuses_buffers_across_sizes_and_failures) {
  std::mt19937_64 rng(3);
  for (std::size_t retain : {std::size_t{0}, std::size_t{16} << 20}) {
    remote_write_decoder dec(retain);
    for (int i = 0; i < 30; ++i) {
      auto batch = random_batch(rng);
      if (i % 3 == 0 && !batch.items.empty()) // a larger body: the arena block grows
        for (int k = 0; k < 500; ++k) batch.items.push_back(batch.items[0]);
      if (i % 5 == 0) BOOST_TEST(!dec.decode(compress("\xff\xff\xff")));
      auto back = dec.decode(encode_remote_write(batch));
      BOOST_REQUIRE_MESSAGE(back.has_value(), (back ? std::string() : back.error().to_string()));
      BOOST_TEST((*back == batch));
    }
  }
}

BOOST_AUTO_TEST_CASE(encodes_golden_bytes) {
  write_batch b{{series{labels{{"__name__", "up"}}, {{1000, 1.0}}}}};
  std::string raw;
  BOOST_REQUIRE(snappy::Uncompress(encode_remote_write(b).data(), encode_remote_write(b).size(), &raw));
  const std::string want("\x0a\x1e"                                 // timeseries, 30 bytes
                         "\x0a\x0e\x0a\x08__name__\x12\x02up"       // label
                         "\x12\x0c\x09\x00\x00\x00\x00\x00\x00\xf0\x3f\x10\xe8\x07", // sample
                         32);
  BOOST_TEST(raw == want);
}

BOOST_AUTO_TEST_CASE(decodes_golden_bytes_with_a_literal_snappy_block) {
  // Snappy: varint length 32, literal tag (32-1)<<2, then the bytes.
  std::string body("\x20\x7c", 2);
  body += std::string("\x0a\x1e\x0a\x0e\x0a\x08__name__\x12\x02up"
                      "\x12\x0c\x09\x00\x00\x00\x00\x00\x00\xf0\x3f\x10\xe8\x07", 32);
  auto r = decode_remote_write(body);
  BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().to_string()));
  BOOST_TEST((*r == write_batch{{series{labels{{"__name__", "up"}}, {{1000, 1.0}}}}}));
}

BOOST_AUTO_TEST_CASE(ignores_exemplars_histograms_and_metadata) {
  std::string ts = series_pb({{"__name__", "up"}}, {{2, 5}});
  ts += field(3, field(1, label_pb("x", "y")));                               // exemplar with a label
  ts += field(4, "");                                                         // native histogram
  auto r = decode_remote_write(compress(field(1, ts) + field(3, field(2, "up"))));
  BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().to_string()));
  BOOST_TEST(r->sample_count() == 1u);
}

BOOST_AUTO_TEST_CASE(sorts_unsorted_labels_and_samples_and_drops_empty_values) {
  auto raw = field(1, series_pb({{"zone", "a"}, {"empty", ""}, {"__name__", "m"}}, {{3, 30}, {1, 10}, {2, 30}}));
  auto r = decode_remote_write(compress(raw));
  BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().to_string()));
  BOOST_REQUIRE(r->items.size() == 1u);
  BOOST_TEST((r->items[0].lbls.pairs() == std::vector<label>{{"__name__", "m"}, {"zone", "a"}}));
  BOOST_TEST((r->items[0].samples == std::vector<sample>{{10, 1}, {30, 3}, {30, 2}}));
}

BOOST_AUTO_TEST_CASE(skips_series_without_samples) {
  auto raw = field(1, series_pb({{"__name__", "a"}}, {})) + field(1, series_pb({{"__name__", "b"}}, {{1, 1}}));
  auto r = decode_remote_write(compress(raw));
  BOOST_REQUIRE(r.has_value());
  BOOST_REQUIRE(r->items.size() == 1u);
  BOOST_TEST(r->items[0].lbls.metric_name() == "b");
}

BOOST_AUTO_TEST_CASE(accepts_an_empty_request) {
  auto r = decode_remote_write(compress(""));
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(r->items.empty());
}

BOOST_AUTO_TEST_CASE(rejects_bad_snappy) {
  auto r = decode_remote_write("not snappy at all");
  BOOST_REQUIRE(!r);
  BOOST_TEST((r.error().code() == errc::invalid_argument));
  BOOST_TEST(r.error().message().starts_with("snappy: "));
  std::string truncated = compress(std::string(1000, 'a') + "xyz");
  truncated.resize(truncated.size() - 2);
  BOOST_TEST(decode_remote_write(truncated).error().message() == "snappy: corrupt compressed data");
  BOOST_TEST((decode_remote_write("").error().code() == errc::invalid_argument));
}

BOOST_AUTO_TEST_CASE(rejects_bodies_over_the_limit_before_inflating) {
  auto body = compress(field(1, series_pb({{"__name__", "up"}}, {{1, 1}})));
  auto r = decode_remote_write(body, 10);
  BOOST_REQUIRE(!r);
  BOOST_TEST((r.error().code() == errc::resource_exhausted));
  BOOST_TEST(r.error().message() == "snappy: decompressed body would be 31 bytes, over the limit of 10");
  BOOST_TEST(decode_remote_write(body, 31).has_value());
}

BOOST_AUTO_TEST_CASE(rejects_bad_protobuf) {
  BOOST_TEST(decode_error("\xff\xff\xff\xff") == "protobuf: body is not a valid remote-write WriteRequest");
  BOOST_TEST(decode_error("\x0a\x10\x0a") == "protobuf: body is not a valid remote-write WriteRequest");
}

BOOST_AUTO_TEST_CASE(rejects_missing_or_invalid_metric_names) {
  auto ok = field(1, series_pb({{"__name__", "ok"}}, {{1, 1}}));
  BOOST_TEST(decode_error(ok + field(1, series_pb({{"job", "x"}}, {{1, 1}}))) ==
             "timeseries[1]: missing metric name (label \"__name__\")");
  BOOST_TEST(decode_error(field(1, series_pb({{"__name__", ""}}, {{1, 1}}))) ==
             "timeseries[0]: empty metric name (label \"__name__\")");
  BOOST_TEST(decode_error(field(1, series_pb({{"__name__", "1up"}}, {{1, 1}}))) ==
             "timeseries[0]: invalid metric name \"1up\"");
  auto dotted = decode_remote_write(compress(field(1, series_pb({{"__name__", "api.latency"}}, {{1, 1}}))));
  BOOST_TEST(dotted.has_value());
}

BOOST_AUTO_TEST_CASE(rejects_bad_labels) {
  BOOST_TEST(decode_error(field(1, series_pb({{"__name__", "m"}, {"a.b", "x"}}, {{1, 1}}))) ==
             "timeseries[0].labels[1]: invalid label name \"a.b\"");
  BOOST_TEST(decode_error(field(1, series_pb({{"__name__", "m"}, {"", "x"}}, {{1, 1}}))) ==
             "timeseries[0].labels[1]: invalid label name \"\"");
  BOOST_TEST(decode_error(field(1, series_pb({{"job", "a"}, {"__name__", "m"}, {"job", "b"}}, {{1, 1}}))) ==
             "timeseries[0]: duplicate label name \"job\"");
  BOOST_TEST(decode_error(field(1, series_pb({{"__name__", "m"}, {"job", "\xff"}}, {{1, 1}}))) ==
             "timeseries[0].labels[1]: value of label \"job\" is not valid UTF-8");
}

BOOST_AUTO_TEST_CASE(repeated_series_share_their_label_sets_and_new_ones_are_still_checked) {
  // The decoder keeps the label sets of series it saw (per thread): the same
  // series in the next request shares the set; anything else is built and
  // validated as before, in either order on the wire.
  const auto body = [](const std::vector<std::pair<std::string, std::string>>& ls) {
    return compress(field(1, series_pb(ls, {{1, 1}})));
  };
  auto a = decode_remote_write(body({{"__name__", "m"}, {"job", "a"}}));
  auto b = decode_remote_write(body({{"__name__", "m"}, {"job", "a"}}));
  BOOST_REQUIRE(a.has_value() && b.has_value());
  BOOST_TEST(a->items[0].lbls == b->items[0].lbls);
  BOOST_TEST(&a->items[0].lbls.pairs() == &b->items[0].lbls.pairs()); // shared, not rebuilt
  auto c = decode_remote_write(body({{"__name__", "m"}, {"job", "b"}}));
  BOOST_REQUIRE(c.has_value());
  BOOST_TEST(c->items[0].lbls.get("job") == "b");
  BOOST_TEST(c->items[0].lbls.hash() != a->items[0].lbls.hash());
  for (int round = 0; round < 2; ++round) { // an unsorted list and one with an empty value: never shared wrongly
    auto d = decode_remote_write(body({{"job", "a"}, {"__name__", "m"}, {"x", ""}}));
    BOOST_REQUIRE(d.has_value());
    BOOST_TEST(d->items[0].lbls == a->items[0].lbls);
  }
  BOOST_TEST(decode_error(field(1, series_pb({{"__name__", "m"}, {"job", "\xff"}}, {{1, 1}}))) ==
             "timeseries[0].labels[1]: value of label \"job\" is not valid UTF-8");
  BOOST_TEST(decode_error(field(1, series_pb({{"__name__", "m"}, {"job", "\xff"}}, {{1, 1}}))) ==
             "timeseries[0].labels[1]: value of label \"job\" is not valid UTF-8");
}

BOOST_AUTO_TEST_CASE(label_fields_split_by_a_sample_or_repeated_in_one_request_decode_the_same) {
  // The label cache keys a series by the bytes of its Label fields when they
  // lie together; a list split by another field is built every time, and a
  // series repeated within one request shares one set.
  const std::string name = field(1, label_pb("__name__", "m")), job = field(1, label_pb("job", "a"));
  const std::string split = name + field(2, sample_pb(1, 1)) + job;
  for (int round = 0; round < 2; ++round) {
    auto r = decode_remote_write(compress(field(1, split)));
    BOOST_REQUIRE(r.has_value());
    BOOST_REQUIRE(r->items.size() == 1u);
    BOOST_TEST(r->items[0].lbls == (labels{{"__name__", "m"}, {"job", "a"}}));
  }
  // the same two label fields together, twice in one request, then with a
  // third label: three series, the first two equal, the third its own
  const std::string together = field(1, name + job + field(2, sample_pb(2, 2)));
  const std::string more = field(1, name + job + field(1, label_pb("x", "y")) + field(2, sample_pb(3, 3)));
  auto r = decode_remote_write(compress(together + together + more));
  BOOST_REQUIRE(r.has_value());
  BOOST_REQUIRE(r->items.size() == 3u);
  BOOST_TEST(&r->items[0].lbls.pairs() == &r->items[1].lbls.pairs());
  BOOST_TEST(r->items[2].lbls == (labels{{"__name__", "m"}, {"job", "a"}, {"x", "y"}}));
  // known label bytes still fail a body that is malformed later on
  BOOST_TEST(decode_error(together + field(1, std::string("\x0a\x05") + "ab")) == "protobuf: body is not a valid remote-write WriteRequest");
}

BOOST_AUTO_TEST_CASE(survives_random_and_mutated_input) {
  std::mt19937_64 rng(7);
  auto valid = encode_remote_write(random_batch(rng));
  std::string raw;
  BOOST_REQUIRE(snappy::Uncompress(valid.data(), valid.size(), &raw));
  for (int i = 0; i < 3000; ++i) {
    std::string junk = raw;
    if (!junk.empty())
      for (int k = 0; k < 4; ++k) junk[rng() % junk.size()] = static_cast<char>(rng());
    if (i % 3 == 0) junk.resize(rng() % (junk.size() + 1));
    auto r = decode_remote_write(i % 2 ? compress(junk) : junk); // must not crash
    if (r) BOOST_TEST(r->items.size() <= 20u);
  }
}

namespace {

/// Both decoders on one uncompressed body: the same batch, metadata and
/// error (message included).
void same_as_libprotobuf(const std::string& raw) {
  std::vector<metric_metadata> md_wire, md_pb;
  auto wire = decode_remote_write(compress(raw), default_max_uncompressed_bytes, &md_wire);
  auto pb = detail::decode_with_libprotobuf(raw, &md_pb);
  if (wire.has_value() != pb.has_value()) {
    std::string hex;
    for (unsigned char c : raw) { char b[4]; std::snprintf(b, sizeof b, "%02x", c); hex += b; }
    BOOST_TEST_MESSAGE("raw: " << hex << " wire: " << (wire ? "ok" : wire.error().message()) << " pb: " << (pb ? "ok" : pb.error().message()));
  }
  BOOST_REQUIRE_EQUAL(wire.has_value(), pb.has_value());
  if (!wire) {
    BOOST_CHECK_EQUAL(wire.error().message(), pb.error().message());
    return;
  }
  BOOST_CHECK((*wire == *pb));
  BOOST_REQUIRE_EQUAL(md_wire.size(), md_pb.size());
  for (std::size_t i = 0; i < md_wire.size(); ++i) {
    BOOST_CHECK_EQUAL(md_wire[i].name, md_pb[i].name);
    BOOST_CHECK(md_wire[i].type == md_pb[i].type);
    BOOST_CHECK_EQUAL(md_wire[i].help, md_pb[i].help);
    BOOST_CHECK_EQUAL(md_wire[i].unit, md_pb[i].unit);
  }
}

std::string varint_pb(std::uint64_t v) {
  std::string out;
  for (; v >= 0x80; v >>= 7) out += static_cast<char>(v | 0x80);
  return out + static_cast<char>(v);
}

/// An unknown field of every wire type, a group with a nested group included.
std::string unknown_fields() {
  std::string out;
  out += varint_pb(9 << 3 | 0) + varint_pb(300);
  out += varint_pb(10 << 3 | 1) + std::string(8, '\x01');
  out += varint_pb(11 << 3 | 2) + varint_pb(3) + "abc";
  out += varint_pb(12 << 3 | 5) + std::string(4, '\x02');
  out += varint_pb(13 << 3 | 3) + varint_pb(14 << 3 | 3) + varint_pb(1 << 3 | 0) + varint_pb(1) +
         varint_pb(14 << 3 | 4) + varint_pb(13 << 3 | 4);
  return out;
}

} // namespace

BOOST_AUTO_TEST_CASE(the_wire_reader_decodes_what_libprotobuf_decodes) {
  std::mt19937_64 rng(99);
  std::vector<metric_metadata> md{{"up", metric_type::gauge, "help", "unit"}, {"x_total", metric_type::counter, "", ""}};
  for (int i = 0; i < 300; ++i) {
    auto batch = random_batch(rng);
    std::string raw;
    auto body = encode_remote_write(batch, i % 2 ? std::span<const metric_metadata>(md) : std::span<const metric_metadata>());
    BOOST_REQUIRE(snappy::Uncompress(body.data(), body.size(), &raw));
    same_as_libprotobuf(raw);
    // Unknown fields at every level, exemplars, a negative timestamp, a
    // field repeated (the last wins), a known field with another wire type.
    std::string ts = series_pb({{"__name__", "m"}, {"a", "1"}}, {{1.5, 7}});
    ts += field(1, label_pb("b", "x") + field(2, "y") + unknown_fields());
    ts += field(2, sample_pb(2.5, 9) + varint_pb(2 << 3 | 0) + varint_pb(static_cast<std::uint64_t>(-5)));
    ts += field(3, field(1, label_pb("e", "f")) + varint_pb(2 << 3 | 1) + std::string(8, '\0'));
    ts += varint_pb(2 << 3 | 0) + varint_pb(1); // samples as a varint: unknown
    ts += unknown_fields();
    same_as_libprotobuf(raw + field(1, ts) + unknown_fields() + field(3, varint_pb(1 << 3 | 0) + varint_pb(99) +
                                                                          field(2, "weird_type")));
  }
}

BOOST_AUTO_TEST_CASE(the_wire_reader_rejects_and_accepts_mutations_as_libprotobuf_does) {
  std::mt19937_64 rng(5);
  for (int i = 0; i < 4000; ++i) {
    auto batch = random_batch(rng);
    std::string raw;
    auto body = encode_remote_write(batch);
    BOOST_REQUIRE(snappy::Uncompress(body.data(), body.size(), &raw));
    raw += unknown_fields();
    if (!raw.empty())
      for (int k = static_cast<int>(rng() % 4); k >= 0; --k) raw[rng() % raw.size()] = static_cast<char>(rng());
    if (i % 4 == 0) raw.resize(rng() % (raw.size() + 1));
    same_as_libprotobuf(raw);
  }
}

BOOST_AUTO_TEST_CASE(returns_metadata_golden) {
  // MetricMetadata{type=COUNTER, metric_family_name="up", help="Up.", unit="s"}, then an unknown type 99.
  std::string md = "\x08\x01" + field(2, "up") + field(4, "Up.") + field(5, "s");
  std::string md2 = "\x08\x63" + field(2, "odd");
  std::vector<metric_metadata> out{{"before", metric_type::gauge, "", ""}};
  auto r = decode_remote_write(compress(field(3, md) + field(3, md2)), default_max_uncompressed_bytes, &out);
  BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().to_string()));
  BOOST_TEST(r->items.empty());
  BOOST_TEST((out == std::vector<metric_metadata>{{"before", metric_type::gauge, "", ""},
                                                  {"up", metric_type::counter, "Up.", "s"},
                                                  {"odd", metric_type::untyped, "", ""}}));
}

BOOST_AUTO_TEST_CASE(round_trips_metadata_of_every_type) {
  std::vector<metric_metadata> md;
  for (auto t : {metric_type::untyped, metric_type::counter, metric_type::gauge, metric_type::histogram,
                 metric_type::summary, metric_type::gaugehistogram, metric_type::info, metric_type::stateset})
    md.push_back({std::string("m_") + to_string(t), t, "help of " + std::string(to_string(t)), "bytes"});
  write_batch b{{series{labels{{"__name__", "up"}}, {{1000, 1.0}}}}};
  std::vector<metric_metadata> out;
  auto r = decode_remote_write(encode_remote_write(b, md), default_max_uncompressed_bytes, &out);
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST((*r == b));
  BOOST_TEST((out == md));
}

BOOST_AUTO_TEST_CASE(rejects_invalid_metadata_names_and_keeps_the_output_untouched) {
  std::vector<metric_metadata> out;
  auto bad_md = decode_remote_write(compress(field(3, field(2, "1bad"))), default_max_uncompressed_bytes, &out);
  BOOST_REQUIRE(!bad_md);
  BOOST_TEST(bad_md.error().message() == "metadata[0]: invalid metric family name \"1bad\"");
  BOOST_TEST(decode_error(field(3, "\x08\x01")) == "metadata[0]: invalid metric family name \"\"");
  // Valid metadata beside an invalid series: nothing is returned.
  auto raw = field(3, field(2, "up")) + field(1, series_pb({{"__name__", "1x"}}, {{1, 1}}));
  BOOST_TEST(!decode_remote_write(compress(raw), default_max_uncompressed_bytes, &out));
  BOOST_TEST(out.empty());
}

BOOST_AUTO_TEST_SUITE_END()
