#include "store/head.hpp"

#include <vector>

#include <boost/test/unit_test.hpp>

#include "store/chunk_reader.hpp"
#include "tests/store/store_test_util.hpp"

using namespace vigil;
using namespace vigil::store;
using namespace vigil::store::testing;

namespace {

struct fixture : env_with_schema {
  std::optional<series_index> idx;
  std::optional<head> hd;
  chunk_limits limits;

  explicit fixture(chunk_limits l = {}) : limits(l) { start(); }

  void start() {
    idx.emplace(db);
    hd.emplace(db, limits);
    auto t = begin(true);
    BOOST_REQUIRE(idx->load(t).is_ok());
  }
  void restart() {
    hd.reset();
    idx.reset();
    close();
    open();
    start();
  }
  append_stats append(const write_batch& b) {
    auto t = begin(false);
    auto st = hd->append(t, *idx, b);
    BOOST_REQUIRE_MESSAGE(st.has_value(), (st ? std::string() : st.error().to_string()));
    BOOST_REQUIRE(idx->flush(t).is_ok());
    BOOST_REQUIRE(t.commit().is_ok());
    hd->on_commit();
    idx->on_commit();
    return *st;
  }
  std::uint64_t chunks() {
    auto t = begin(true);
    return *chunk_reader::open(t, db)->count();
  }
  std::vector<sample> samples(series_ref ref) {
    auto t = begin(true);
    std::vector<sample> out;
    BOOST_REQUIRE(chunk_reader::open(t, db)->samples(ref, time_range::all(), out).is_ok());
    return out;
  }
};

const labels one{{"__name__", "m"}};

write_batch batch_of(const labels& ls, timestamp_ms from, int n, timestamp_ms step = 1000) {
  series s{ls, {}};
  for (int i = 0; i < n; ++i) s.samples.push_back({from + i * step, static_cast<double>(i)});
  return write_batch{{s}};
}

} // namespace

BOOST_AUTO_TEST_SUITE(head)

BOOST_AUTO_TEST_CASE(cuts_a_chunk_after_max_samples) {
  fixture f;
  f.append(batch_of(one, 0, 120));
  BOOST_TEST(f.chunks() == 1u);
  f.append(batch_of(one, 120'000, 1));
  BOOST_TEST(f.chunks() == 2u);
  f.append(batch_of(one, 121'000, 250));
  BOOST_TEST(f.chunks() == 4u); // 120 + 120 + 120 + 11
  BOOST_TEST(f.samples(1).size() == 371u);
}

BOOST_AUTO_TEST_CASE(cuts_a_chunk_when_its_span_is_reached) {
  fixture f;
  f.append(batch_of(one, 0, 3, defaults::max_chunk_span_ms / 2));
  BOOST_TEST(f.chunks() == 2u); // third sample lands at exactly the span
}

BOOST_AUTO_TEST_CASE(cuts_a_chunk_when_its_bytes_are_reached) {
  fixture f(chunk_limits{1000, defaults::max_chunk_span_ms, 64});
  series s{one, {}};
  for (int i = 0; i < 100; ++i) s.samples.push_back({i * 1000 + (i * i) % 7, i * 1.2345678});
  f.append(write_batch{{s}});
  BOOST_TEST(f.chunks() > 5u);
  BOOST_TEST(f.samples(1) == s.samples, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(resumes_the_open_chunk_after_restart) {
  fixture f;
  f.append(batch_of(one, 0, 50));
  f.restart();
  BOOST_TEST(f.hd->size() == 0u); // nothing loaded at open
  const auto st = f.append(batch_of(one, 50'000, 50));
  BOOST_TEST(st.appended == 50u);
  BOOST_TEST(st.new_series == 0u);
  BOOST_TEST(f.hd->size() == 1u);
  BOOST_TEST(f.chunks() == 1u); // continued, not cut
  BOOST_TEST(f.samples(1).size() == 100u);
}

BOOST_AUTO_TEST_CASE(skips_and_counts_duplicates_and_out_of_order_samples) {
  fixture f;
  f.append(batch_of(one, 10'000, 5)); // 10s .. 14s
  series s{one, {{14'000, 9}, {13'000, 9}, {15'000, 1}, {15'000, 2}, {1, 3}, {16'000, 4}}};
  const auto st = f.append(write_batch{{s}});
  BOOST_TEST(st.duplicates == 2u);
  BOOST_TEST(st.out_of_order == 2u);
  BOOST_TEST(st.appended == 2u);
  const auto got = f.samples(1);
  BOOST_REQUIRE_EQUAL(got.size(), 7u);
  BOOST_TEST(got[5].v == 1.0); // the first of equal timestamps wins
}

BOOST_AUTO_TEST_CASE(abort_forgets_touched_series_so_they_reload) {
  fixture f;
  f.append(batch_of(one, 0, 10));
  {
    auto t = f.begin(false);
    auto st = f.hd->append(t, *f.idx, batch_of(one, 10'000, 5));
    BOOST_REQUIRE(st.has_value());
    auto st2 = f.hd->append(t, *f.idx, batch_of(labels{{"__name__", "new"}}, 0, 1));
    BOOST_REQUIRE(st2.has_value());
  } // aborted
  f.hd->on_abort();
  f.idx->on_abort();
  BOOST_TEST(f.hd->size() == 0u);
  // The series continues from the committed state: 10s is not a duplicate.
  const auto st = f.append(batch_of(one, 10'000, 1));
  BOOST_TEST(st.appended == 1u);
  BOOST_TEST(f.samples(1).size() == 11u);
}

BOOST_AUTO_TEST_CASE(rejects_unindexable_label_sets) {
  fixture f;
  auto t = f.begin(false);
  auto st = f.hd->append(t, *f.idx, batch_of(labels{{std::string(300, 'n'), "v"}}, 0, 1));
  BOOST_REQUIRE(!st.has_value());
  BOOST_TEST(st.error().code() == errc::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
