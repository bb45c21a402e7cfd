#include "store/chunk_reader.hpp"

#include <limits>
#include <random>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "store/keys.hpp"
#include "tests/store/chunk_shapes.hpp"
#include "tests/store/store_test_util.hpp"

using namespace vigil;
using namespace vigil::store;
using namespace vigil::store::testing;

namespace {

/// Writes `xs` of series `ref` as records of `per_record` samples, each in
/// encoding `enc` (packed: blocks of 120).
void put_records(lmdb::txn& t, const schema& db, series_ref ref, const std::vector<sample>& xs,
                 std::size_t per_record, chunk_encoding enc) {
  packed_encoder packer;
  for (std::size_t i = 0; i < xs.size(); i += per_record) {
    const std::vector<sample> part(xs.begin() + static_cast<std::ptrdiff_t>(i),
                                   xs.begin() + static_cast<std::ptrdiff_t>(std::min(xs.size(), i + per_record)));
    std::vector<std::uint8_t> payload, rec;
    if (enc == chunk_encoding::xor_v1) {
      auto app = xor_appender::create(payload);
      for (const auto& x : part) app.append(x.t, x.v);
    } else {
      packer.encode(part, 120, payload);
    }
    append_chunk_record(rec, enc, part.back().t, payload);
    BOOST_REQUIRE(t.put(db.chunks, make_chunk_key(ref, part.front().t), rec).is_ok());
  }
}

std::vector<sample> in_range(const std::vector<sample>& xs, time_range r) {
  std::vector<sample> out;
  for (const auto& x : xs)
    if (x.t >= r.min && x.t <= r.max) out.push_back(x);
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(chunk_reader)

BOOST_AUTO_TEST_CASE(reads_the_same_samples_from_every_encoding) {
  env_with_schema e;
  std::mt19937_64 rng(61);
  // Series 1: old XOR records only; 2: packed records of several blocks and
  // an XOR open chunk last; 3: a mix, as a store upgraded in place has.
  std::vector<std::vector<sample>> data(4);
  {
    auto t = e.begin(false);
    for (series_ref ref = 1; ref <= 3; ++ref) {
      const int shapes[] = {0, 1, 8, 13};
      data[ref] = chunk_shape(rng, shapes[ref], 1300);
      const auto& xs = data[ref];
      const std::vector<sample> head(xs.begin(), xs.end() - 100), tail(xs.end() - 100, xs.end());
      if (ref == 1) {
        put_records(t, e.db, ref, xs, 120, chunk_encoding::xor_v1);
      } else if (ref == 2) {
        put_records(t, e.db, ref, head, 480, chunk_encoding::packed_v1);
        put_records(t, e.db, ref, tail, 120, chunk_encoding::xor_v1);
      } else {
        const std::vector<sample> old(head.begin(), head.begin() + 600), young(head.begin() + 600, head.end());
        put_records(t, e.db, ref, old, 120, chunk_encoding::xor_v1);
        put_records(t, e.db, ref, young, 350, chunk_encoding::packed_v1);
        put_records(t, e.db, ref, tail, 120, chunk_encoding::xor_v1);
      }
    }
    BOOST_REQUIRE(t.commit().is_ok());
  }
  auto t = e.begin(true);
  auto r = vigil::store::chunk_reader::open(t, e.db);
  BOOST_REQUIRE(r.has_value());
  for (series_ref ref = 1; ref <= 3; ++ref) {
    const auto& xs = data[ref];
    for (int trial = 0; trial < 200; ++trial) {
      time_range range{nudge(xs[rng() % xs.size()].t, static_cast<timestamp_ms>(rng() % 3) - 1),
                       nudge(xs[rng() % xs.size()].t, static_cast<timestamp_ms>(rng() % 3) - 1)};
      if (trial == 0) range = time_range::all();
      std::vector<sample> got;
      BOOST_REQUIRE(r->samples(ref, range, got).is_ok());
      const auto want = in_range(xs, range);
      BOOST_REQUIRE_MESSAGE(got == want, "series " << ref << " [" << range.min << ", " << range.max << "]");
      auto has = r->has_samples(ref, range);
      BOOST_REQUIRE(has.has_value());
      BOOST_REQUIRE(*has == !want.empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(a_corrupt_packed_record_is_named) {
  env_with_schema e;
  std::mt19937_64 rng(62);
  const auto xs = chunk_shape(rng, 3, 300);
  {
    auto t = e.begin(false);
    put_records(t, e.db, 7, xs, 300, chunk_encoding::packed_v1);
    lmdb::bytes v;
    const auto key = make_chunk_key(7, xs.front().t);
    BOOST_REQUIRE(t.get(e.db.chunks, key, &v).is_ok());
    std::vector<std::uint8_t> bad(v.begin(), v.end());
    bad.resize(bad.size() - 5); // truncated
    BOOST_REQUIRE(t.put(e.db.chunks, key, bad).is_ok());
    BOOST_REQUIRE(t.commit().is_ok());
  }
  auto t = e.begin(true);
  auto r = vigil::store::chunk_reader::open(t, e.db);
  std::vector<sample> got;
  const status st = r->samples(7, time_range::all(), got);
  BOOST_TEST(st.code() == errc::corruption);
  BOOST_TEST(st.message().find("series 7") != std::string::npos);
  BOOST_TEST(st.message().find("packed chunk") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
