// Range evaluation of vector op vector (query/evaluator_binary.cpp) against
// its definition: a range query equals the instant queries at its steps
// (which evaluate vector_binop step by step), values and errors alike.
#include <boost/test/unit_test.hpp>

#include <bit>
#include <cmath>
#include <map>
#include <random>

#include "query/memory_source.hpp"

using namespace vigil;
using namespace vigil::query;

namespace {

constexpr timestamp_ms step = 15'000;

/// Series of `name` for every combination of the given label values, with
/// about a third of the 15 s samples missing (so sides come and go).
void add_random(memory_source& db, std::mt19937& rng, const std::string& name,
                const std::vector<std::pair<std::string, std::vector<std::string>>>& dims, int n) {
  std::vector<std::vector<label>> combos{{{"__name__", name}}};
  for (const auto& [k, vs] : dims) {
    std::vector<std::vector<label>> next;
    for (const auto& c : combos)
      for (const auto& v : vs) {
        auto d = c;
        d.push_back({k, v});
        next.push_back(d);
      }
    combos = next;
  }
  std::uniform_real_distribution<double> val(0, 1);
  for (const auto& c : combos) {
    series s{labels(c), {}};
    for (int i = 0; i < n; ++i)
      if (val(rng) > 0.35) s.samples.push_back({i * step, std::round(val(rng) * 8) / 8});
    db.add(std::move(s));
  }
}

memory_source random_db(unsigned seed) {
  std::mt19937 rng(seed);
  memory_source db;
  const std::vector<std::string> jobs{"x", "y"}, is{"0", "1", "2"}, ks{"p", "q"};
  add_random(db, rng, "a", {{"job", jobs}, {"i", is}}, 40);
  add_random(db, rng, "b", {{"job", jobs}, {"i", is}}, 40);
  add_random(db, rng, "c", {{"job", jobs}, {"k", ks}}, 40);
  add_random(db, rng, "one", {{"job", jobs}}, 40);
  add_random(db, rng, "info", {{"job", {"x"}}, {"k", {"p"}}}, 40);
  add_random(db, rng, "info", {{"job", {"y"}}, {"k", {"q"}}}, 40);
  // Two series that share the signature on(job) only where both have points.
  add_random(db, rng, "dup", {{"job", {"x"}}, {"z", {"1", "2"}}}, 40);
  return db;
}

bool same(double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); }

/// Checks that the range query of `expr` over steps 10..30 equals the
/// instant queries at each of those steps. The lookback is shorter than the
/// sample interval, so a series has a value only at the steps where it has a
/// sample: sides come and go from step to step.
void check_against_instants(const memory_source& db, const std::string& expr) {
  const timestamp_ms start = 10 * step, end = 30 * step;
  eval_options opts;
  opts.lookback_delta = step - 1;
  auto range = db.query(expr, {start, end, step}, opts);
  std::optional<status> first_error;
  std::map<std::pair<labels, timestamp_ms>, double> want;
  for (timestamp_ms t = start; t <= end; t += step) {
    auto r = db.query(expr, {t, t, 0}, opts);
    if (!r) {
      if (!first_error) first_error = r.error();
      continue;
    }
    for (const auto& s : r->items) want[{s.lbls, t}] = s.samples.at(0).v;
  }
  if (first_error) {
    BOOST_REQUIRE_MESSAGE(!range, expr << ": the range query succeeded, an instant one failed: "
                                       << first_error->message());
    BOOST_CHECK_MESSAGE(range.error().message() == first_error->message(),
                        expr << ": " << range.error().message() << " vs " << first_error->message());
    return;
  }
  BOOST_REQUIRE_MESSAGE(range, expr << ": " << (range ? "" : range.error().message()));
  std::size_t got = 0;
  for (const auto& s : range->items)
    for (const auto& p : s.samples) {
      ++got;
      auto it = want.find({s.lbls, p.t});
      BOOST_REQUIRE_MESSAGE(it != want.end(), expr << ": extra point " << s.lbls.to_string() << " @" << p.t);
      BOOST_CHECK_MESSAGE(same(it->second, p.v), expr << ": " << s.lbls.to_string() << " @" << p.t);
    }
  BOOST_CHECK_MESSAGE(got == want.size(), expr << ": " << got << " points, instants have " << want.size());
}

} // namespace

BOOST_AUTO_TEST_SUITE(evaluator_binary)

BOOST_AUTO_TEST_CASE(a_range_query_equals_its_instant_queries_for_every_vector_operator) {
  const std::vector<std::string> exprs{
    "a + b",
    "a - ignoring(i) b",
    "a / on(job, i) b",
    "a > b",
    "a > bool b",
    "a == on(job, i) b",
    "a * on(job) group_left one",
    "one - on(job) group_right a",
    "a + on(job) group_left(k) c",
    "a + on(job) group_left(k) info",
    "a <= on(job) group_left(k) info",
    "info - on(job) group_right(k) a",
    "a > on(job) group_left(k) c",
    "one + on(job) group_right(k) c",
    "a and b",
    "a or b",
    "a unless b",
    "a and on(job) one",
    "a or on(i) c",
    "c unless ignoring(k) one",
    "(a + 0) or (b + 0)",
    "sum by (job) (a * on(job, i) group_left b)",
    "(a > 0.5) + b",
    "a + on(job) b",
    "a + on(job) group_left dup",
    "dup * on(job) group_right a",
    "a + ignoring(i) b",
    "a + on(job) group_left(z) dup",
    "dup or on(job) one",
    "(a + b) / (a - b)",
    "a + on(job) one",
    "{__name__=~\"a|b\"} + on(job) group_left one",
    "{__name__=~\"a|b\"} / ignoring(i) group_left one",
  };
  for (unsigned seed : {1u, 2u, 3u, 4u})
    for (const auto& e : exprs) check_against_instants(random_db(seed), e);
}

BOOST_AUTO_TEST_SUITE_END()
