#include <boost/test/unit_test.hpp>

#include <bit>
#include <random>
#include <vector>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/deep_to_string.hpp>

#include "messages/ingest.hpp"
#include "messages/shard_read.hpp"

using namespace vigil;

namespace {

/// What BASP does to a message field that crosses a process boundary.
template <class T>
T through_the_wire(T& x) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  BOOST_REQUIRE(!sink(x));
  T out;
  caf::binary_deserializer source{nullptr, buf};
  BOOST_REQUIRE(!source(out));
  return out;
}

std::vector<query::selection> two_selections() {
  query::selection raw;
  raw.ms = {*matcher::make(match_type::equal, "__name__", "m"), *matcher::make(match_type::regex, "job", "a.*")};
  raw.range = {1000, 2000};
  raw.thin_first = 1500;
  raw.thin_step = 100;
  query::selection pushed;
  pushed.partial = "sum by (job) (rate(m[5m]))";
  return {raw, pushed};
}

} // namespace

BOOST_AUTO_TEST_SUITE(shard_read)

BOOST_AUTO_TEST_CASE(an_answer_crosses_processes_bit_exactly) {
  std::mt19937_64 rng(7);
  messages::read_answer in;
  for (int p = 0; p < 3; ++p) {
    std::vector<series> part;
    for (int i = 0; i < p * 4; ++i) {
      series s{labels{{"__name__", "m"}, {"i", std::to_string(i)}}, {}};
      for (int j = 0; j < i; ++j) s.samples.push_back({static_cast<timestamp_ms>(rng()), std::bit_cast<double>(rng())});
      part.push_back(std::move(s));
    }
    in.parts.push_back(std::move(part));
  }
  in.parts[2][1].samples.push_back({5, stale_nan()});
  auto out = through_the_wire(in);
  BOOST_CHECK(!out.wire_error);
  BOOST_CHECK(out.parts == in.parts);
  BOOST_CHECK(!caf::deep_to_string(in).empty()); // CAF can print it (unexpected-message logs)
}

BOOST_AUTO_TEST_CASE(undecodable_answer_bytes_become_a_wire_error) {
  std::vector<std::string> junk{std::string(64, '\xff')};
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  BOOST_REQUIRE(!sink(junk));
  messages::read_answer out;
  caf::binary_deserializer source{nullptr, buf};
  BOOST_REQUIRE(!source(out));
  BOOST_REQUIRE(out.wire_error);
  BOOST_CHECK(out.wire_error->code() == errc::invalid_argument);
  BOOST_CHECK(out.parts.empty());
}

BOOST_AUTO_TEST_CASE(a_write_part_crosses_processes_bit_exactly) {
  std::mt19937_64 rng(11);
  messages::write_part in;
  for (int i = 0; i < 20; ++i) {
    series s{labels{{"__name__", "m"}, {"i", std::to_string(i)}}, {}};
    for (int j = 0; j <= i; ++j) s.samples.push_back({static_cast<timestamp_ms>(rng()), std::bit_cast<double>(rng())});
    in.items.push_back(std::move(s));
  }
  in.items[3].samples.push_back({5, stale_nan()});
  auto out = through_the_wire(in);
  BOOST_CHECK(!out.wire_error);
  BOOST_CHECK(out.items == in.items);
}

BOOST_AUTO_TEST_CASE(undecodable_write_bytes_become_a_wire_error) {
  std::string junk(64, '\xff');
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  BOOST_REQUIRE(!sink(junk));
  messages::write_part out;
  caf::binary_deserializer source{nullptr, buf};
  BOOST_REQUIRE(!source(out));
  BOOST_REQUIRE(out.wire_error);
  BOOST_CHECK(out.wire_error->code() == errc::invalid_argument);
  BOOST_CHECK(out.items.empty());
}

BOOST_AUTO_TEST_CASE(a_request_leaves_its_plan_behind_and_the_receiver_rebuilds_it) {
  query::eval_options opts;
  opts.lookback_delta = 120'000;
  opts.max_samples = 77;
  auto req = messages::make_read_request(two_selections(), {1000, 2000, 100}, opts);
  BOOST_REQUIRE(req);
  BOOST_REQUIRE(req->local);
  req->deadline_unix_ms = 42;
  auto remote = through_the_wire(*req);
  BOOST_CHECK(!remote.local);
  BOOST_CHECK_EQUAL(remote.deadline_unix_ms, 42);
  BOOST_CHECK_EQUAL(remote.max_samples, 77u);
  auto plan = messages::make_read_plan(remote);
  BOOST_REQUIRE(plan);
  const auto& local = *req->local;
  BOOST_REQUIRE_EQUAL(plan->steps.size(), local.steps.size());
  for (std::size_t i = 0; i < plan->steps.size(); ++i) {
    const auto& a = plan->steps[i];
    const auto& b = local.steps[i];
    BOOST_CHECK(a.sel.ms == b.sel.ms);
    BOOST_CHECK(a.sel.range.min == b.sel.range.min && a.sel.range.max == b.sel.range.max);
    BOOST_CHECK_EQUAL(a.sel.thin_first, b.sel.thin_first);
    BOOST_CHECK_EQUAL(a.sel.thin_step, b.sel.thin_step);
    BOOST_CHECK_EQUAL(bool(a.partial), bool(b.partial));
    if (!a.partial) continue;
    BOOST_CHECK_EQUAL(a.partial->selections().size(), b.partial->selections().size());
    BOOST_CHECK_EQUAL(a.partial->options().lookback_delta, 120'000);
    BOOST_CHECK_EQUAL(a.partial->options().max_samples, 77u);
    BOOST_CHECK(!a.partial->options().pushdown);
  }
}

BOOST_AUTO_TEST_CASE(a_bad_matcher_from_the_wire_is_invalid_argument) {
  messages::read_request req;
  req.parts.push_back({{{static_cast<std::uint8_t>(match_type::regex), "job", "("}}, 0, 1, 0, 0, ""});
  auto plan = messages::make_read_plan(req);
  BOOST_REQUIRE(!plan);
  BOOST_CHECK(plan.error().code() == errc::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
