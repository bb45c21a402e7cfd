#include "store/rollup.hpp"

#include <bit>
#include <cmath>
#include <random>

#include <boost/test/unit_test.hpp>

using namespace vigil;
using namespace vigil::store;

namespace {

constexpr timestamp_ms minute = 60'000, five = 5 * minute;

bool same_bits(double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); }

bool same(const rollup_window& a, const rollup_window& b) {
  return a.start == b.start && a.count == b.count && same_bits(a.sum, b.sum) && same_bits(a.min, b.min) &&
         same_bits(a.max, b.max) && a.first.t == b.first.t && same_bits(a.first.v, b.first.v) &&
         a.last.t == b.last.t && same_bits(a.last.v, b.last.v) && same_bits(a.resets, b.resets);
}

rollup_window window_of(std::vector<sample> s, timestamp_ms res = five) {
  auto ws = make_rollup_windows(s, res);
  BOOST_REQUIRE_EQUAL(ws.size(), 1u);
  return ws[0];
}

} // namespace

BOOST_AUTO_TEST_SUITE(rollup)

BOOST_AUTO_TEST_CASE(aggregates_one_window_with_counter_resets) {
  auto w = window_of({{0, 5}, {15'000, 7}, {30'000, 2}, {45'000, 4}, {60'000, 1}});
  BOOST_TEST(w.start == 0);
  BOOST_TEST(w.count == 5u);
  BOOST_TEST(w.sum == 19.0);
  BOOST_TEST(w.min == 1.0);
  BOOST_TEST(w.max == 7.0);
  BOOST_TEST(w.first.t == 0);
  BOOST_TEST(w.last.t == 60'000);
  BOOST_TEST(w.last.v == 1.0);
  BOOST_TEST(w.resets == 7.0 + 4.0); // drops 7->2 and 4->1
  // Prometheus' increase of the window: last - first + resets = 1 - 5 + 11 = 7 = 2 + 0 + 2 + 2 + 1.
  BOOST_TEST(w.last.v - w.first.v + w.resets == 7.0);
}

BOOST_AUTO_TEST_CASE(windows_align_to_the_epoch_and_skip_empty_ones) {
  std::vector<sample> s = {{-1, 1}, {0, 2}, {five - 1, 3}, {five, 4}, {3 * five + 7, 5}};
  auto ws = make_rollup_windows(s, five);
  BOOST_REQUIRE_EQUAL(ws.size(), 4u);
  BOOST_TEST(ws[0].start == -five);
  BOOST_TEST(ws[1].start == 0);
  BOOST_TEST(ws[1].count == 2u);
  BOOST_TEST(ws[2].start == five);
  BOOST_TEST(ws[3].start == 3 * five);
  BOOST_TEST(rollup_floor(-five, five) == -five);
  BOOST_TEST(rollup_floor(-five - 1, five) == -2 * five);
}

BOOST_AUTO_TEST_CASE(stale_markers_are_not_samples_but_nans_are) {
  auto w = window_of({{0, 1}, {1000, stale_nan()}, {2000, 3}});
  BOOST_TEST(w.count == 2u);
  BOOST_TEST(w.sum == 4.0);
  BOOST_TEST(make_rollup_windows(std::vector<sample>{{0, stale_nan()}}, five).empty());
  auto n = window_of({{0, NAN}, {1000, 3}, {2000, NAN}, {3000, 1}});
  BOOST_TEST(n.count == 4u);
  BOOST_TEST(std::isnan(n.sum));
  BOOST_TEST(n.min == 1.0); // as min_over_time: NaN only when every value is
  BOOST_TEST(n.max == 3.0);
  auto all_nan = window_of({{0, NAN}, {1000, NAN}});
  BOOST_TEST(std::isnan(all_nan.min));
}

BOOST_AUTO_TEST_CASE(record_round_trips) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> val(-1e6, 1e6);
  for (int round = 0; round < 200; ++round) {
    std::vector<sample> s;
    const int n = 1 + static_cast<int>(rng() % 30);
    for (int i = 0; i < n; ++i) {
      double v = round % 5 == 0 ? std::floor(val(rng)) : val(rng);
      if (rng() % 17 == 0) v = NAN;
      s.push_back({round * five + i * 9'000, v});
    }
    auto w = window_of(s);
    std::vector<std::uint8_t> rec = {0xAA}; // appends after existing bytes
    append_rollup_record(rec, w);
    BOOST_TEST(rec[0] == 0xAA);
    auto back = decode_rollup_record(std::span<const std::uint8_t>(rec).subspan(1), w.start);
    BOOST_REQUIRE_MESSAGE(back.has_value(), (back ? std::string() : back.error().to_string()));
    BOOST_TEST(same(*back, w));
  }
}

BOOST_AUTO_TEST_CASE(record_golden_bytes) {
  // One sample: version, count, first - start, last - first, first, last.
  rollup_window w;
  rollup_add(w, {five + 1000, 1.0});
  w.start = five;
  std::vector<std::uint8_t> rec;
  append_rollup_record(rec, w);
  const std::vector<std::uint8_t> want = {1, 1, 0xD0, 0x0F, 0, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F,
                                          0, 0, 0, 0, 0, 0, 0xF0, 0x3F};
  BOOST_TEST(rec == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(corrupted_records_are_detected) {
  auto w = window_of({{0, 1}, {1000, 5}, {2000, 2}});
  std::vector<std::uint8_t> rec;
  append_rollup_record(rec, w);
  for (std::size_t cut = 0; cut < rec.size(); ++cut) {
    auto r = decode_rollup_record(std::span<const std::uint8_t>(rec).first(cut), 0);
    BOOST_TEST(!r.has_value());
    if (!r) BOOST_TEST((r.error().code() == errc::corruption));
  }
  auto longer = rec;
  longer.push_back(0);
  BOOST_TEST(!decode_rollup_record(longer, 0).has_value());
  auto bad_version = rec;
  bad_version[0] = 9;
  BOOST_TEST(!decode_rollup_record(bad_version, 0).has_value());
  auto zero = rec;
  zero[1] = 0; // count 0
  BOOST_TEST(!decode_rollup_record(zero, 0).has_value());
}

BOOST_AUTO_TEST_CASE(keys_sort_marks_before_windows_and_windows_by_time) {
  auto mark = make_rollup_mark_key(7, five);
  auto a = make_rollup_key(7, five, -five), b = make_rollup_key(7, five, 0), c = make_rollup_key(7, five, five);
  BOOST_TEST(std::lexicographical_compare(mark.begin(), mark.end(), a.begin(), a.end()));
  BOOST_TEST(std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end()));
  BOOST_TEST(std::lexicographical_compare(b.begin(), b.end(), c.begin(), c.end()));
  series_ref ref = 0;
  timestamp_ms res = 0;
  std::optional<timestamp_ms> start;
  BOOST_TEST(decode_rollup_key(a, &ref, &res, &start));
  BOOST_TEST(ref == 7u);
  BOOST_TEST(res == five);
  BOOST_TEST((start && *start == -five));
  BOOST_TEST(decode_rollup_key(mark, &ref, &res, &start));
  BOOST_TEST(!start.has_value());
  auto m = decode_rollup_mark(make_rollup_mark(-3));
  BOOST_TEST((m && *m == -3));
  BOOST_TEST(!decode_rollup_mark(std::vector<std::uint8_t>{2, 0}).has_value());
}

BOOST_AUTO_TEST_CASE(combined_windows_equal_one_window_of_all_samples) {
  // Windows combined (with a reset across a window edge) give what one
  // aggregate of all the samples gives.
  std::vector<sample> s;
  double v = 100;
  for (int i = 0; i < 80; ++i) {
    v = i % 23 == 22 ? 3 : v + (i % 3);
    s.push_back({i * 15'000, v});
  }
  rollup_combiner acc;
  for (const auto& w : make_rollup_windows(s, five)) acc.add(w);
  rollup_combiner one;
  for (const auto& w : make_rollup_windows(s, 100 * five)) one.add(w);
  for (auto f : {rollup_fn::sum_over_time, rollup_fn::count_over_time, rollup_fn::min_over_time,
                 rollup_fn::max_over_time, rollup_fn::last_over_time, rollup_fn::rate, rollup_fn::increase}) {
    auto a = acc.apply(f, 0, 20 * minute), b = one.apply(f, 0, 20 * minute);
    BOOST_REQUIRE(a.has_value());
    BOOST_TEST(*a == *b);
  }
  BOOST_TEST(!rollup_combiner{}.apply(rollup_fn::sum_over_time, 0, 1).has_value());
  rollup_combiner single;
  single.add_point({0, 1});
  BOOST_TEST(!single.apply(rollup_fn::rate, 0, five).has_value()); // rate needs two samples
}

BOOST_AUTO_TEST_CASE(config_validation) {
  rollup_config c{{{five, 40 * 60 * minute}, {60 * minute, 240 * 60 * minute}}};
  BOOST_TEST(c.validate().is_ok());
  BOOST_TEST(c.min_after() == 40 * 60 * minute);
  const rollup_config zero{{{0, 1}}}, fraction{{{1500, 60'000}}}, too_soon{{{five, minute}}},
      twice{{{five, five}, {five, 2 * five}}};
  BOOST_TEST(!zero.validate().is_ok());
  BOOST_TEST(!fraction.validate().is_ok());
  BOOST_TEST(!too_soon.validate().is_ok());
  BOOST_TEST(!twice.validate().is_ok());
  BOOST_TEST(!rollup_config{}.enabled());
}

BOOST_AUTO_TEST_SUITE_END()
