// Randomized comparison of the shard against an in-memory model: 10k series,
// remote-write-shaped batches, reopen in between, random selectors and ranges.
#include <algorithm>
#include <bit>
#include <chrono>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "store/shard.hpp"
#include "tests/store/shard_test_util.hpp"

using namespace vigil;
using namespace vigil::store;
using namespace vigil::store::testing;

namespace {

constexpr int series_count = 10'000;
constexpr int rounds = 60;
constexpr std::size_t batch_series = 2000;
constexpr timestamp_ms interval = 15'000;

std::string num(const char* prefix, std::uint64_t n) { return std::string(prefix).append(std::to_string(n)); }

labels series_labels_of(int i) {
  std::vector<label> ls{{"__name__", num("metric_", i % 50u)}, {"job", num("j", i % 7u)}, {"instance", num("host-", static_cast<std::uint64_t>(i))}};
  if (i % 3 == 0) ls.push_back({"env", i % 2 == 0 ? "prod" : "dev"});
  return labels(ls);
}

struct model {
  std::map<labels, std::vector<sample>> data;
  append_stats expected;

  std::vector<series> select(const matchers& ms, time_range r) const {
    std::vector<series> out;
    for (const auto& [ls, xs] : data) {
      if (!matches_all(ms, ls)) continue;
      series s{ls, {}};
      for (const auto& x : xs)
        if (r.contains(x.t)) s.samples.push_back(x);
      if (!s.samples.empty()) out.push_back(std::move(s));
    }
    return out; // std::map order == sorted by labels
  }
};

double random_value(std::mt19937_64& rng) {
  switch (rng() % 20) {
    case 0: return stale_nan();
    case 1: return std::numeric_limits<double>::infinity();
    case 2: return static_cast<double>(rng() % 1000) / 7;
    default: return static_cast<double>(rng() % 100);
  }
}

/// Applies one sample as the shard must: at an existing time the last value
/// wins (an identical one is a duplicate), otherwise it is inserted in order.
void model_put(std::vector<sample>& xs, const sample& x, append_stats& st) {
  auto it = std::lower_bound(xs.begin(), xs.end(), x.t, [](const sample& a, timestamp_ms t) { return a.t < t; });
  if (it != xs.end() && it->t == x.t) {
    if (std::bit_cast<std::uint64_t>(it->v) == std::bit_cast<std::uint64_t>(x.v)) {
      ++st.duplicates;
      return;
    }
    *it = x;
  } else {
    xs.insert(it, x);
  }
  ++st.appended;
}

/// One scrape round: most series get a sample; a few get a duplicate, an
/// out-of-order sample, an overwrite or a backfill far in the past too.
/// Series are spread over batches in random order.
std::vector<write_batch> make_round(std::mt19937_64& rng, model& m, const std::vector<labels>& all, int round) {
  std::vector<int> order(all.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<write_batch> out(1);
  for (int i : order) {
    if (rng() % 10 == 0) continue; // missed scrape
    const timestamp_ms t = round * interval + i % 1000 + static_cast<timestamp_ms>(rng() % 50);
    auto& xs = m.data[all[i]];
    series s{all[i], {{t, random_value(rng)}}};
    if (!xs.empty() && xs.back().t >= t) s.samples.clear(); // jitter collided: skip this round
    if (rng() % 100 == 0 && !xs.empty()) { // replay the newest: duplicate
      s.samples.insert(s.samples.begin(), xs.back());
    }
    if (rng() % 100 == 0 && !xs.empty()) // older than newest: out of order
      s.samples.push_back({xs.back().t - 1 - static_cast<timestamp_ms>(rng() % 5), 1});
    if (rng() % 100 == 0 && xs.size() > 1) // an existing sample, new value
      s.samples.push_back({xs[rng() % xs.size()].t, random_value(rng)});
    if (rng() % 200 == 0 && !xs.empty()) // backfill, possibly before the first chunk
      s.samples.push_back({static_cast<timestamp_ms>(rng() % static_cast<std::uint64_t>(xs.back().t + interval)) -
                               interval, random_value(rng)});
    if (s.samples.empty()) continue;
    // Two late samples with one timestamp in one batch would collapse
    // before counting; keep the counts simple.
    std::vector<timestamp_ms> seen;
    std::erase_if(s.samples, [&](const sample& x) {
      if (std::find(seen.begin(), seen.end(), x.t) != seen.end()) return true;
      seen.push_back(x.t);
      return false;
    });
    if (xs.empty()) ++m.expected.new_series;
    for (const auto& x : s.samples) model_put(xs, x, m.expected);
    if (out.back().items.size() == batch_series) out.emplace_back();
    out.back().items.push_back(std::move(s));
  }
  return out;
}

time_range random_range(std::mt19937_64& rng, int rounds_done) {
  const timestamp_ms end = rounds_done * interval;
  switch (rng() % 4) {
    case 0: return time_range::all();
    case 1: return {static_cast<timestamp_ms>(rng() % end), end}; // recent
    default: {
      const timestamp_ms a = static_cast<timestamp_ms>(rng() % end);
      return {a, a + static_cast<timestamp_ms>(rng() % (5 * interval))};
    }
  }
}

matchers random_selector(std::mt19937_64& rng) {
  const std::string metric = num("metric_", rng() % 50);
  switch (rng() % 6) {
    case 0: return {eq("__name__", metric)};
    case 1: return {eq("__name__", metric), neq("job", num("j", rng() % 7))};
    case 2: return {re("job", "j[0-2]"), eq("__name__", metric)};
    case 3: return {eq("__name__", metric), eq("env", "")};
    case 4: return {eq("__name__", metric), nre("env", "prod|")};
    default: return {eq("instance", num("host-", rng() % series_count))};
  }
}

void check_queries(std::mt19937_64& rng, shard_fixture& f, const model& m, int rounds_done) {
  for (int q = 0; q < 20; ++q) {
    const auto ms = random_selector(rng);
    const auto r = random_range(rng, rounds_done);
    const auto want = m.select(ms, r);
    const auto got = f.select(ms, r);
    BOOST_REQUIRE_EQUAL(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i) BOOST_REQUIRE(got[i] == want[i]);
  }
  const auto r = random_range(rng, rounds_done);
  std::vector<std::string> jobs;
  for (const auto& s : m.select({re("job", ".+")}, r)) jobs.emplace_back(s.lbls.get("job"));
  std::sort(jobs.begin(), jobs.end());
  jobs.erase(std::unique(jobs.begin(), jobs.end()), jobs.end());
  BOOST_REQUIRE(*f.sh->label_values("job", {}, r) == jobs);
}

} // namespace

BOOST_AUTO_TEST_SUITE(shard_model)

BOOST_AUTO_TEST_CASE(matches_an_in_memory_model_across_reopens) {
  std::mt19937_64 rng(2024);
  shard_fixture f(fsync_policy::never);
  std::vector<labels> all;
  for (int i = 0; i < series_count; ++i) all.push_back(series_labels_of(i));
  model m;
  append_stats got;
  for (int round = 0; round < rounds; ++round) {
    for (const auto& b : make_round(rng, m, all, round)) got += f.append(b);
    if (round % 10 == 9) check_queries(rng, f, m, round + 1);
    if (round % 20 == 19) f.reopen();
  }
  BOOST_TEST(got.appended == m.expected.appended);
  BOOST_TEST(got.duplicates == m.expected.duplicates);
  BOOST_TEST(got.out_of_order == m.expected.out_of_order);
  BOOST_TEST(got.new_series == m.expected.new_series);
  BOOST_TEST(f.sh->stats().series == m.data.size());
  // Everything, in one select per metric.
  for (int k = 0; k < 50; ++k) {
    const matchers ms{eq("__name__", num("metric_", static_cast<std::uint64_t>(k)))};
    BOOST_REQUIRE(f.select(ms) == m.select(ms, time_range::all()));
  }
}

BOOST_AUTO_TEST_CASE(matches_the_model_across_checkpoints_and_crashes) {
  // Checkpoints every few hundred samples, and every 15 rounds the process
  // "dies": the next rounds run on a copy of the committed file, whose open
  // replays the head's log.
  std::mt19937_64 rng(77);
  shard_fixture f(fsync_policy::never);
  f.opts.checkpoint_samples = 700;
  f.reopen();
  std::vector<labels> all;
  for (int i = 0; i < series_count; ++i) all.push_back(series_labels_of(i));
  model m;
  for (int round = 0; round < rounds; ++round) {
    for (const auto& b : make_round(rng, m, all, round)) f.append(b);
    if (round % 10 == 9) check_queries(rng, f, m, round + 1);
    if (round % 15 == 14) crash_and_reopen(f, "crash-" + std::to_string(round));
  }
  BOOST_TEST(f.sh->checkpoints() > 0u);
  for (int k = 0; k < 50; ++k) {
    const matchers ms{eq("__name__", num("metric_", static_cast<std::uint64_t>(k)))};
    BOOST_REQUIRE(f.select(ms) == m.select(ms, time_range::all()));
  }
}

BOOST_AUTO_TEST_CASE(open_time_does_not_grow_with_data) {
  shard_fixture f(fsync_policy::never);
  const auto time_open = [&] {
    f.close(); // not timed: frees the head
    const auto t0 = std::chrono::steady_clock::now();
    f.reopen();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  f.append({{series{labels{{"__name__", "x"}}, {{1, 1}}}}});
  const double small = time_open();
  for (int round = 0; round < 20; ++round) {
    write_batch b;
    for (int i = 0; i < series_count; ++i) b.items.push_back({series_labels_of(i), {{round * interval + 2, 1.0 * i}}});
    f.append(b);
  }
  const double big = time_open();
  BOOST_TEST_MESSAGE("open: " << small * 1e3 << " ms empty, " << big * 1e3 << " ms with "
                              << f.sh->stats().series << " series / " << f.sh->stats().bytes_on_disk << " bytes");
  BOOST_TEST(big < 0.05); // O(1): LMDB maps the file lazily; only meta is read
}

BOOST_AUTO_TEST_SUITE_END()
