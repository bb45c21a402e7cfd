#include "store/retention.hpp"

#include <boost/test/unit_test.hpp>

#include "store/shard.hpp"
#include "tests/store/shard_test_util.hpp"

using namespace vigil;
using namespace vigil::store;
using namespace vigil::store::testing;

namespace {

constexpr timestamp_ms hour = 3'600'000, day = 24 * hour;

const labels crit{{"__name__", "up"}, {"job", "api"}, {"tier", "critical"}};
const labels plain{{"__name__", "up"}, {"job", "web"}};
const labels gone{{"__name__", "old_metric"}, {"job", "batch"}};

series hourly(const labels& ls, timestamp_ms from, int n) {
  series s{ls, {}};
  for (int i = 0; i < n; ++i) s.samples.push_back({from + i * hour, static_cast<double>(i)});
  return s;
}

retention_policy design_doc_policy() {
  retention_policy p;
  p.default_keep_ms = 30 * day;
  p.rules.push_back({{eq("tier", "critical")}, 365 * day});
  return p;
}

/// Runs whole passes of steps of `per_step` series; returns the totals.
retention_progress enforce(shard_fixture& f, const retention_policy& p, timestamp_ms now, std::size_t per_step) {
  retention_progress total;
  series_ref from = 0;
  int steps = 0;
  do {
    auto r = f.sh->retention_step(p, now, from, per_step);
    BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().to_string()));
    total.chunks_deleted += r->chunks_deleted;
    total.series_deleted += r->series_deleted;
    from = r->next;
    BOOST_REQUIRE(++steps < 1000);
  } while (from != 0);
  return total;
}

} // namespace

BOOST_AUTO_TEST_SUITE(retention)

BOOST_AUTO_TEST_CASE(the_first_matching_rule_decides_else_the_default) {
  auto p = design_doc_policy();
  BOOST_TEST(p.keep_for(crit) == 365 * day);
  BOOST_TEST(p.keep_for(plain) == 30 * day);
  BOOST_TEST(!p.keeps_everything());
  BOOST_TEST(retention_policy{}.keeps_everything());
}

BOOST_AUTO_TEST_CASE(deletes_chunks_past_each_series_retention_and_empty_series) {
  shard_fixture f;
  const timestamp_ms now = 400 * day;
  // 60 days of hourly samples for both; one old series that stopped 40 days ago.
  f.append({{hourly(crit, now - 60 * day, 60 * 24), hourly(plain, now - 60 * day, 60 * 24),
             hourly(gone, now - 100 * day, 24)}});
  BOOST_REQUIRE(f.sh->checkpoint().is_ok()); // open chunks into records, as retention steps do first
  const auto before = f.sh->stats().chunks;
  const auto r = enforce(f, design_doc_policy(), now, 1); // one series per step
  BOOST_TEST(r.series_deleted == 1u);
  BOOST_TEST(r.chunks_deleted > 0u);
  BOOST_TEST(f.sh->stats().chunks == before - r.chunks_deleted);
  // The critical series keeps everything; the other keeps (whole chunks of) the last 30 days.
  const auto c = f.select({eq("tier", "critical")});
  BOOST_REQUIRE_EQUAL(c.size(), 1u);
  BOOST_TEST(c[0].samples.size() == 60u * 24u);
  const auto w = f.select({eq("job", "web")});
  BOOST_REQUIRE_EQUAL(w.size(), 1u);
  BOOST_TEST(w[0].samples.front().t >= now - 30 * day - 120 * hour); // at most one chunk (120 samples) early
  BOOST_TEST(w[0].samples.back().t == now - hour);
  // The emptied series is gone from the index: no series, no label value.
  BOOST_TEST(f.select({eq("job", "batch")}).empty());
  BOOST_TEST(f.sh->stats().series == 2u);
  auto jobs = f.sh->label_values("job", {}, time_range::all());
  BOOST_REQUIRE(jobs.has_value());
  BOOST_TEST((*jobs == std::vector<std::string>{"api", "web"}));
  // A second pass finds nothing more to delete.
  const auto again = enforce(f, design_doc_policy(), now, 100);
  BOOST_TEST(again.chunks_deleted == 0u);
  // A deleted series can come back: it is recreated under a new ref.
  f.append({{series{gone, {{now, 1}}}}});
  BOOST_TEST(f.select({eq("job", "batch")}).size() == 1u);
  f.reopen();
  BOOST_TEST(f.select({eq("job", "batch")})[0].samples.size() == 1u);
  BOOST_TEST(f.sh->stats().series == 3u);
}

BOOST_AUTO_TEST_CASE(a_series_whose_open_chunk_expired_is_removed_and_can_restart) {
  shard_fixture f;
  const timestamp_ms now = 100 * day;
  f.append({{series{plain, {{now - 40 * day, 1}, {now - 39 * day, 2}}}}}); // only an open chunk
  BOOST_TEST(enforce(f, design_doc_policy(), now, 10).series_deleted == 1u);
  BOOST_TEST(f.select({eq("job", "web")}).empty());
  // The head forgot it: a new sample starts a fresh series (no stale open chunk).
  f.append({{series{plain, {{now, 3}}}}});
  const auto got = f.select({eq("job", "web")});
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(got[0].samples.size() == 1u);
}

BOOST_AUTO_TEST_CASE(keep_forever_deletes_nothing) {
  shard_fixture f;
  f.append({{hourly(plain, 0, 500)}});
  retention_policy p;
  p.default_keep_ms = 30 * day;
  p.rules.push_back({{eq("job", "web")}, 0}); // forever
  BOOST_TEST(enforce(f, p, 400 * day, 5).chunks_deleted == 0u);
  BOOST_TEST(f.select({eq("job", "web")})[0].samples.size() == 500u);
}

BOOST_AUTO_TEST_SUITE_END()
