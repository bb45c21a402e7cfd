// Rollups in the shard (store/shard_rollup.cpp) and the key acceptance test:
// PromQL answered from rollups equals the raw answer (query/rollup_plan.hpp).
#include <cmath>
#include <random>

#include <boost/test/unit_test.hpp>

#include "query/engine.hpp"
#include "query/rollup_plan.hpp"
#include "store/rollup.hpp"
#include "store/shard.hpp"
#include "tests/store/shard_test_util.hpp"

using namespace vigil;
using namespace vigil::store;
using namespace vigil::store::testing;

namespace {

constexpr timestamp_ms minute = 60'000, five = 5 * minute, hour = 60 * minute;
constexpr timestamp_ms base = 472'222 * hour; // 2023-11-14T22:00Z, aligned to the hour

rollup_config test_rollups() { return rollup_config{{{five, hour}, {hour, 2 * hour}}}; }

void enable(shard_fixture& f) {
  f.opts.rollups = test_rollups();
  f.reopen();
}

/// Runs a whole rollup pass in steps; returns {windows written, steps}.
std::pair<std::uint64_t, int> roll(shard_fixture& f, timestamp_ms now, std::size_t max_windows = 100'000) {
  std::uint64_t written = 0;
  series_ref from = 0;
  int steps = 0;
  do {
    auto r = f.sh->rollup_step(now, from, 1000, max_windows);
    BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().to_string()));
    written += r->windows_written;
    from = r->next;
    BOOST_REQUIRE(++steps < 10'000);
  } while (from != 0);
  return {written, steps};
}

result<query::query_result> raw_answer(const shard& sh, const std::string& promql, query::query_params p) {
  auto fetch = [&](const query::selection& sel) { return sh.select(sel.ms, sel.range); };
  return query::evaluate_partial(promql, p, {}, fetch);
}

result<query::query_result> rollup_answer(const shard& sh, const std::string& promql, query::query_params p) {
  auto q = query::prepare_partial(promql, p, {});
  if (!q) return std::move(q).error();
  auto raw = [&](const query::selection& sel) { return sh.select(sel.ms, sel.range); };
  auto rollups = [&](const query::rollup_call& c) -> result<std::optional<std::vector<series>>> {
    return sh.select_rollup(rollup_read{c.ms, *rollup_fn_of(c.fn), c.range, c.resolution, p.start, p.end, p.step},
                            read_limits{});
  };
  return query::evaluate_with_rollups(*q, sh.rollup_resolutions(), raw, rollups);
}

bool exact_fn(const std::string& promql) {
  for (const char* f : {"count_over_time", "min_over_time", "max_over_time", "last_over_time"})
    if (promql.find(f) != std::string::npos) return true;
  return false;
}

/// Evaluates `promql` raw and from rollups; they must agree, and the rollup
/// path must have read rollups (reads grows) unless `expect_rollups` is false.
void check_same(const shard& sh, const std::string& promql, query::query_params p, bool expect_rollups = true) {
  BOOST_TEST_CONTEXT(promql << " start " << p.start - base << " end " << p.end - base << " step " << p.step) {
    const auto reads = sh.stats().rollup_reads;
    auto a = raw_answer(sh, promql, p);
    auto b = rollup_answer(sh, promql, p);
    BOOST_REQUIRE_MESSAGE(a.has_value(), (a ? std::string() : a.error().to_string()));
    BOOST_REQUIRE_MESSAGE(b.has_value(), (b ? std::string() : b.error().to_string()));
    BOOST_TEST((sh.stats().rollup_reads > reads) == expect_rollups);
    BOOST_REQUIRE_EQUAL(a->items.size(), b->items.size());
    BOOST_TEST(!a->items.empty());
    const bool exact = exact_fn(promql);
    for (std::size_t i = 0; i < a->items.size(); ++i) {
      const auto& x = a->items[i];
      const auto& y = b->items[i];
      BOOST_TEST((x.lbls == y.lbls));
      BOOST_REQUIRE_EQUAL(x.samples.size(), y.samples.size());
      for (std::size_t k = 0; k < x.samples.size(); ++k) {
        BOOST_TEST(x.samples[k].t == y.samples[k].t);
        const double u = x.samples[k].v, v = y.samples[k].v;
        if (std::isnan(u) || std::isnan(v)) {
          BOOST_TEST((std::isnan(u) && std::isnan(v)));
        } else if (exact) {
          BOOST_TEST(u == v);
        } else {
          BOOST_TEST(std::abs(u - v) <= 1e-9 * std::max(1.0, std::abs(u)), u << " vs " << v);
        }
      }
    }
  }
}

/// Random counters (with resets) and gauges over [base, base + hours):
/// 15 s scrapes, jittered (half of them exactly on the 15 s grid, so some
/// land on window edges), some missing, a few stale markers.
write_batch rollup_test_data(std::uint64_t seed, int hours, int series_per_kind = 3) {
  std::mt19937_64 rng(seed);
  write_batch b;
  for (int k = 0; k < series_per_kind; ++k) {
    series ctr{labels{{"__name__", "ctr"}, {"i", std::to_string(k)}}, {}};
    series gauge{labels{{"__name__", "gauge"}, {"i", std::to_string(k)}}, {}};
    double c = static_cast<double>(rng() % 1000);
    for (timestamp_ms t = base; t < base + hours * hour; t += 15'000) {
      if (rng() % 10 == 0) continue; // a missed scrape
      const timestamp_ms at = t + (rng() % 2 == 0 ? 0 : static_cast<timestamp_ms>(rng() % 2000));
      c = rng() % 300 == 0 ? static_cast<double>(rng() % 5) : c + static_cast<double>(rng() % 50);
      ctr.samples.push_back({at, c});
      const bool stale = rng() % 200 == 0;
      gauge.samples.push_back({at, stale ? stale_nan() : static_cast<double>(rng() % 100'000) / 8.0 - 5000});
    }
    b.items.push_back(std::move(ctr));
    b.items.push_back(std::move(gauge));
  }
  return b;
}

} // namespace

BOOST_AUTO_TEST_SUITE(shard_rollup)

BOOST_AUTO_TEST_CASE(a_pass_rolls_complete_windows_once_in_bounded_steps) {
  shard_fixture f;
  enable(f);
  series s{labels{{"__name__", "g"}}, {}};
  for (int i = 0; i < 4 * 60; ++i) s.samples.push_back({base + i * minute, static_cast<double>(i % 7)});
  f.append(write_batch{{s}});
  // now = base + 3h: 5m windows up to base + 2h, 1h windows up to base + 1h.
  auto [written, steps] = roll(f, base + 3 * hour, 5);
  BOOST_TEST(written == 24u + 1u);
  BOOST_TEST(steps > 4); // 25 window spans in steps of at most 5
  BOOST_TEST(roll(f, base + 3 * hour).first == 0u); // nothing new
  BOOST_TEST(roll(f, base + 3 * hour + five).first == 1u); // one more 5m window is complete
  BOOST_TEST(f.sh->stats().rollup_records == 26u + 2u); // windows + 2 watermarks
}

BOOST_AUTO_TEST_CASE(nothing_happens_without_rollups) {
  shard_fixture f;
  f.append(rollup_test_data(1, 2));
  BOOST_TEST(roll(f, base + 10 * hour).first == 0u);
  BOOST_TEST(f.sh->rollup_resolutions().empty());
  check_same(*f.sh, "sum_over_time(gauge[1h])", {base + hour, base + hour, 0}, false);
}

BOOST_AUTO_TEST_CASE(late_samples_invalidate_rolled_windows) {
  shard_fixture f;
  enable(f);
  f.append(rollup_test_data(2, 6));
  const timestamp_ms now = base + 8 * hour;
  roll(f, now);
  const query::query_params p{base + hour, base + 5 * hour, hour};
  check_same(*f.sh, "sum_over_time(gauge[1h])", p);
  // A late sample inside a rolled window: until the next pass, raw is read.
  f.append(write_batch{{series{labels{{"__name__", "gauge"}, {"i", "0"}}, {{base + 2 * hour + 7, 1e6}}}}}, now);
  check_same(*f.sh, "sum_over_time(gauge[1h])", p, false);
  BOOST_TEST(roll(f, now).first > 0u);
  check_same(*f.sh, "sum_over_time(gauge[1h])", p);
  check_same(*f.sh, "max_over_time(gauge[1h])", p);
}

BOOST_AUTO_TEST_CASE(a_new_sample_after_a_gap_invalidates_empty_rolled_windows) {
  shard_fixture f;
  enable(f);
  series s{labels{{"__name__", "g"}}, {}};
  for (int i = 0; i < 60; ++i) s.samples.push_back({base + i * minute, 1.0});
  f.append(write_batch{{s}});
  const timestamp_ms now = base + 10 * hour;
  roll(f, now); // rolled (and empty) up to base + 9h
  // In order for the series, but inside rolled windows.
  f.append(write_batch{{series{s.lbls, {{base + 5 * hour + 30'000, 4.0}}}}}, now);
  roll(f, now);
  check_same(*f.sh, "count_over_time(g[1h])", {base + hour, base + 7 * hour, hour});
  check_same(*f.sh, "sum_over_time(g[5m])", {base + 5 * hour, base + 6 * hour, five});
}

BOOST_AUTO_TEST_CASE(queries_past_the_watermark_read_raw) {
  shard_fixture f;
  enable(f);
  f.append(rollup_test_data(3, 6));
  roll(f, base + 4 * hour); // 5m: up to base + 3h; 1h: up to base + 2h
  check_same(*f.sh, "sum_over_time(gauge[30m])", {base + hour, base + 2 * hour + 30 * minute, five});
  check_same(*f.sh, "sum_over_time(gauge[30m])", {base + hour, base + 5 * hour, five}, false);
  check_same(*f.sh, "rate(ctr[1h])", {base + 3 * hour, base + 3 * hour, 0}, false); // needs the 3h window
}

BOOST_AUTO_TEST_CASE(encrypted_rollups_are_sealed_and_survive_reopen) {
  encryption_key k;
  for (std::size_t i = 0; i < k.bytes.size(); ++i) k.bytes[i] = static_cast<std::uint8_t>(3 + i);
  k.source = "test.key";
  shard_fixture f(fsync_policy::always, std::uint64_t{1} << 30, k);
  enable(f);
  f.append(rollup_test_data(4, 4));
  BOOST_TEST(roll(f, base + 6 * hour).first > 0u);
  f.reopen();
  check_same(*f.sh, "increase(ctr[1h])", {base + hour, base + 3 * hour, hour});
  check_same(*f.sh, "avg_over_time(gauge[10m])", {base + hour, base + 3 * hour, 5 * five});
}

BOOST_AUTO_TEST_CASE(retention_deletes_expired_rollups_and_keeps_answers_exact) {
  shard_fixture f;
  enable(f);
  f.append(rollup_test_data(5, 24, 2));
  const timestamp_ms now = base + 26 * hour;
  roll(f, now);
  const auto before = f.sh->stats().rollup_records;
  retention_policy p;
  p.default_keep_ms = 16 * hour; // chunks ending before base + 10h go
  p.rollups = test_rollups();
  auto r = f.sh->retention_step(p, now, 0, 1000);
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(r->chunks_deleted > 0u);
  BOOST_TEST(f.sh->stats().rollup_records < before);
  check_same(*f.sh, "count_over_time(gauge[1h])", {base + 6 * hour, base + 20 * hour, hour});
  check_same(*f.sh, "sum_over_time(ctr[5m])", {base + 8 * hour, base + 12 * hour, five});
  // Everything expires: the series and its rollups go.
  p.default_keep_ms = hour;
  BOOST_REQUIRE(f.sh->retention_step(p, now + 48 * hour, 0, 1000).has_value());
  BOOST_TEST(f.sh->stats().rollup_records == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rollup_query)

// The acceptance test: for random counters (with resets) and gauges (with
// stale markers), PromQL over aligned windows and steps gives the raw answer
// from rollups: exactly for count/min/max/last, within 1e-9 relative for
// sum/avg/rate/increase.
BOOST_AUTO_TEST_CASE(rollup_answers_equal_raw_answers) {
  for (std::uint64_t seed : {11u, 12u}) {
    shard_fixture f;
    enable(f);
    f.append(rollup_test_data(seed, 12));
    roll(f, base + 14 * hour);
    const char* exprs[] = {"sum_over_time(gauge[R])",   "count_over_time(gauge[R])", "min_over_time(gauge[R])",
                           "max_over_time(gauge[R])",   "avg_over_time(gauge[R])",   "last_over_time(gauge[R])",
                           "rate(ctr[R])",              "increase(ctr[R])",          "count_over_time(ctr[R])",
                           "sum by (i) (rate(ctr[R]))", "max(max_over_time(gauge[R])) - 1"};
    struct shape {
      const char* range;
      query::query_params p;
    };
    const shape shapes[] = {
        {"5m", {base + hour, base + 3 * hour, five}},
        {"15m", {base + 2 * hour, base + 11 * hour, 15 * minute}},
        {"1h", {base + hour, base + 11 * hour, hour}},
        {"3h", {base + 3 * hour, base + 12 * hour, 2 * hour}},
        {"1h", {base + 6 * hour, base + 6 * hour, 0}},
        {"2h", {base + 7 * hour + five, base + 7 * hour + five, 0}},
    };
    for (const auto& s : shapes)
      for (std::string e : exprs) {
        e.replace(e.find('R'), 1, s.range);
        check_same(*f.sh, e, s.p);
      }
    // Unaligned or unsupported: raw, and still the same answer.
    check_same(*f.sh, "sum_over_time(gauge[1h])", {base + hour + 1000, base + 5 * hour + 1000, hour}, false);
    check_same(*f.sh, "sum_over_time(gauge[7m])", {base + hour, base + 5 * hour, hour}, false);
    check_same(*f.sh, "stddev_over_time(gauge[1h])", {base + hour, base + 5 * hour, hour}, false);
    check_same(*f.sh, "sum_over_time(gauge[1h] offset 5m)", {base + hour, base + 5 * hour, hour}, false);
  }
}

BOOST_AUTO_TEST_CASE(the_coarsest_fitting_resolution_is_planned) {
  auto q = query::prepare_partial("sum(rate(x[2h])) + sum_over_time(y[10m])", {4 * hour, 8 * hour, hour}, {});
  BOOST_REQUIRE(q.has_value());
  const timestamp_ms res[] = {hour, five};
  auto rp = query::prepare_with_rollups(*q, res);
  BOOST_REQUIRE(rp.has_value());
  BOOST_REQUIRE_EQUAL(rp->calls.size(), 2u);
  BOOST_TEST(rp->calls[0].resolution == hour);
  BOOST_TEST(rp->calls[1].resolution == five);
  BOOST_TEST(rp->calls[0].promql == "rate(x[2h])");
  // Inside a subquery nothing is rewritten.
  auto sq = query::prepare_partial("max_over_time(sum_over_time(y[1h])[2h:1h])", {4 * hour, 4 * hour, 0}, {});
  BOOST_REQUIRE(sq.has_value());
  auto none = query::prepare_with_rollups(*sq, res);
  BOOST_REQUIRE(none.has_value());
  BOOST_TEST(none->calls.empty());
}

BOOST_AUTO_TEST_SUITE_END()
