#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstring>

#include "tests/actors/query_fixture.hpp"
#include "tests/query/sharded_source.hpp"

using namespace vigil;
using namespace std::chrono_literals;
using test::query_fixture;

namespace {

constexpr timestamp_ms minute = 60'000;

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

double only_value(const messages::query_answer& a) {
  BOOST_REQUIRE_EQUAL(a.value.items.size(), 1u);
  return a.value.items[0].samples.at(0).v;
}

/// Same series (labels, in order) with the same points: bit for bit when
/// `exact`, else within a relative 1e-9; NaN equals NaN.
void check_same_series(const std::vector<series>& x, const std::vector<series>& y, const char* q, bool exact) {
  BOOST_REQUIRE_EQUAL(x.size(), y.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    BOOST_REQUIRE(x[i].lbls == y[i].lbls);
    BOOST_REQUIRE_EQUAL(x[i].samples.size(), y[i].samples.size());
    for (std::size_t k = 0; k < x[i].samples.size(); ++k) {
      double u = x[i].samples[k].v, v = y[i].samples[k].v;
      const bool same = exact ? std::memcmp(&u, &v, sizeof u) == 0 : u == v || std::abs(u - v) <= 1e-9 * std::abs(u);
      BOOST_CHECK_MESSAGE(same || (std::isnan(u) && std::isnan(v)), q);
    }
  }
}

/// An hour of random series (tests/query/sharded_source.hpp, seed 11),
/// written through the fixture's router.
void write_random_hour(query_fixture& f) {
  query::testing::sharded_source src(1);
  query::testing::fill_random(src, 11, 60 * minute);
  f.write(write_batch{src.all.all()});
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(query_safety, query_fixture)

BOOST_AUTO_TEST_CASE(a_shard_that_never_answers_times_the_query_out_naming_it) {
  write_series(64, 1000);
  auto svc = service(with_silent(2));
  auto a = ask(svc, instant("count(m)", 1000, 2000));
  BOOST_CHECK(!a->has_value()); // still waiting for shard 2
  advance(2100ms);
  auto st = error_of(*a);
  BOOST_CHECK(st.code() == errc::timeout);
  BOOST_CHECK_MESSAGE(contains(st.message(), "query timed out") && contains(st.message(), "shard 2"), st.message());
}

BOOST_AUTO_TEST_CASE(the_shards_stop_reading_once_the_deadline_passed) {
  write_series(64, 1000);
  auto req = messages::make_select({*matcher::make(match_type::equal, "__name__", "m")}, {0, 2000});
  req.deadline_unix_ms = 1; // long past
  auto r = call<messages::series_payload>(table.shards[0], atom::select_v, req);
  BOOST_REQUIRE(std::holds_alternative<caf::error>(r));
  BOOST_CHECK(to_status(std::get<caf::error>(r)).code() == errc::timeout);
  messages::partial_request pr{"count(m)", 1000, 1000, 0, 300'000, 60'000, 0, 1};
  auto e = call<messages::series_payload>(table.shards[0], atom::eval_v, pr);
  BOOST_REQUIRE(std::holds_alternative<caf::error>(e));
  BOOST_CHECK(to_status(std::get<caf::error>(e)).code() == errc::timeout);
}

BOOST_AUTO_TEST_CASE(too_many_samples_fail_with_a_clear_error) {
  write_series(64, 1000);
  query_settings s;
  s.eval.max_samples = 10;
  auto svc = service(table, s);
  for (const char* q : {"m", "count(m)", "sum(rate(m[5m]))"}) {
    auto st = error_of(*ask(svc, instant(q, 1000)));
    BOOST_CHECK_MESSAGE(st.code() == errc::resource_exhausted, q);
    BOOST_CHECK_MESSAGE(contains(st.message(), "too many samples") || contains(st.message(), "more than 10 samples"),
                        st.message());
  }
  s.eval.max_samples = 1000;
  BOOST_CHECK_EQUAL(only_value(answer_of(*ask(service(table, s), instant("count(m)", 1000)))), 64.0);
}

BOOST_AUTO_TEST_CASE(queries_beyond_the_concurrency_limit_wait_then_run) {
  query_settings s;
  s.max_concurrency = 1;
  s.max_queued = 1;
  auto svc = service(with_silent(0), s);
  auto first = ask(svc, instant("count(m)", 1000, 1000)); // hangs on shard 0 for 1 s
  auto second = ask(svc, instant("1 + 1", 1000, 5000));   // needs no shard, but must wait
  auto third = ask(svc, instant("1 + 2", 1000, 5000));    // the line is full
  BOOST_CHECK(!first->has_value());
  BOOST_CHECK(!second->has_value());
  auto st = error_of(*third);
  BOOST_CHECK(st.code() == errc::unavailable);
  BOOST_CHECK_MESSAGE(contains(st.message(), "too many queued queries"), st.message());
  advance(1100ms);
  BOOST_CHECK(error_of(*first).code() == errc::timeout);
  const auto& a = answer_of(*second);
  BOOST_CHECK_EQUAL(a.value.scalar.v, 2.0);
}

BOOST_AUTO_TEST_CASE(time_in_line_counts_against_the_timeout) {
  query_settings s;
  s.max_concurrency = 1;
  auto svc = service(with_silent(0), s);
  auto first = ask(svc, instant("count(m)", 1000, 3000));
  auto second = ask(svc, instant("1 + 1", 1000, 1000));
  advance(1100ms);
  auto st = error_of(*second);
  BOOST_CHECK(st.code() == errc::timeout);
  BOOST_CHECK_MESSAGE(contains(st.message(), "in queue"), st.message());
  advance(2000ms);
  BOOST_CHECK(first->has_value());
}

BOOST_AUTO_TEST_CASE(a_down_shard_fails_the_query_naming_it) {
  write_series(64, 1000);
  auto t = table;
  t.shards[3] = nullptr;
  auto st = error_of(*ask(service(t), instant("count(m)", 1000)));
  BOOST_CHECK(st.code() == errc::unavailable);
  BOOST_CHECK_MESSAGE(contains(st.message(), "shard 3"), st.message());
}

BOOST_AUTO_TEST_CASE(partial_response_answers_with_the_other_shards_and_warns) {
  write_series(64, 1000);
  auto full = only_value(answer_of(*ask(service(table), instant("count(m)", 1000))));
  auto down = table;
  down.shards[3] = nullptr;
  auto req = instant("count(m)", 1000);
  req.partial_response = true;
  auto got = ask(service(down), req);
  const auto& a = answer_of(*got);
  BOOST_CHECK_LT(only_value(a), full);
  BOOST_REQUIRE_EQUAL(a.value.warnings.size(), 1u);
  BOOST_CHECK_MESSAGE(contains(a.value.warnings[0], "shard 3"), a.value.warnings[0]);
  // A hung shard: the answer comes at the deadline, with the warning.
  auto hung = ask(service(with_silent(1)), req);
  BOOST_CHECK(!hung->has_value());
  advance(5100ms);
  const auto& h = answer_of(*hung);
  BOOST_CHECK_LT(only_value(h), full);
  BOOST_REQUIRE_EQUAL(h.value.warnings.size(), 1u);
  BOOST_CHECK_MESSAGE(contains(h.value.warnings[0], "shard 1"), h.value.warnings[0]);
}

BOOST_AUTO_TEST_CASE(one_deadline_sweep_times_out_queries_with_different_budgets) {
  write_series(64, 1000);
  auto svc = service(with_silent(1));
  auto slow = ask(svc, instant("count(m)", 1000, 3000));
  auto quick = ask(svc, instant("sum(m)", 1000, 1000)); // due before the sweep armed for `slow`
  advance(1100ms);
  BOOST_CHECK(error_of(*quick).code() == errc::timeout);
  BOOST_CHECK(!slow->has_value());
  advance(2000ms);
  auto st = error_of(*slow);
  BOOST_CHECK(st.code() == errc::timeout);
  BOOST_CHECK_MESSAGE(contains(st.message(), "shard 1"), st.message());
  // The service keeps answering afterwards (the slots were freed).
  BOOST_CHECK_EQUAL(only_value(answer_of(*ask(service(table), instant("count(m)", 1000)))), 64.0);
  auto after = ask(svc, instant("1 + 1", 1000));
  BOOST_CHECK_EQUAL(answer_of(*after).value.scalar.v, 2.0);
}

BOOST_AUTO_TEST_CASE(a_cached_range_query_times_out_naming_a_silent_shard) {
  write_series(64, 1000);
  query_settings s;
  s.max_concurrency = 1;
  auto svc = service(with_silent(2), s);
  messages::query_request req{"sum(m)", 10 * minute, 60 * minute, 30'000, 2000};
  auto a = ask(svc, req);
  BOOST_CHECK(!a->has_value());
  advance(2100ms);
  auto st = error_of(*a);
  BOOST_CHECK(st.code() == errc::timeout);
  BOOST_CHECK_MESSAGE(contains(st.message(), "shard 2"), st.message());
  // Its admission slot is free again: the next query runs at once.
  BOOST_CHECK_EQUAL(answer_of(*ask(svc, instant("1 + 1", 1000))).value.scalar.v, 2.0);
}

BOOST_AUTO_TEST_CASE(a_renderer_on_the_request_renders_the_answer_in_the_query_actor) {
  write_series(64, 1000);
  auto req = instant("count(m)", 1000);
  req.render = std::make_shared<const messages::answer_renderer>([](const messages::query_answer& a) {
    return "count=" + std::to_string(static_cast<int>(a.value.items.at(0).samples.at(0).v));
  });
  const auto& a = answer_of(*ask(service(table), req));
  BOOST_CHECK_EQUAL(a.rendered, "count=64");
  BOOST_CHECK_EQUAL(only_value(a), 64.0);
}

BOOST_AUTO_TEST_CASE(a_reply_sink_on_the_request_gets_the_rendered_body_from_the_query_actor) {
  write_series(64, 1000);
  auto req = instant("count(m)", 1000);
  req.render = std::make_shared<const messages::answer_renderer>([](const messages::query_answer& a) {
    return "count=" + std::to_string(static_cast<int>(a.value.items.at(0).samples.at(0).v));
  });
  std::vector<std::string> sent;
  req.reply = std::make_shared<const messages::answer_sink>([&sent](std::string&& body) { sent.push_back(body); });
  const auto& a = answer_of(*ask(service(table), req));
  BOOST_REQUIRE_EQUAL(sent.size(), 1u);
  BOOST_CHECK_EQUAL(sent[0], "count=64");
  BOOST_CHECK(a.rendered.empty()); // the body went to the sink; the answer still arrives
  BOOST_CHECK_EQUAL(only_value(a), 64.0);
  // Without a renderer the sink is not used.
  req.render = nullptr;
  answer_of(*ask(service(table), req));
  BOOST_CHECK_EQUAL(sent.size(), 1u);
}

BOOST_AUTO_TEST_CASE(cheap_instant_queries_read_in_process_shards_directly) {
  write_series(64, 1000);
  // Shard 3's actor never answers, but its store is readable in-process: a
  // cheap instant query reads it directly and answers; a range query (and
  // an instant query whose first read exhausts the budget) messages the
  // shard and times out naming it.
  auto t = with_local(with_silent(3));
  query_settings s;
  s.cache.max_bytes = 0;
  s.inline_reads = std::chrono::hours(1);
  auto svc = service(t, s);
  BOOST_CHECK_EQUAL(only_value(answer_of(*ask(svc, instant("count(m)", 1000)))), 64.0);
  BOOST_CHECK_EQUAL(answer_of(*ask(svc, instant("m", 1000))).value.items.size(), 64u);
  auto range = ask(svc, messages::query_request{"count(m)", 1000, 61'000, 15'000, 2000});
  advance(2100ms);
  BOOST_CHECK_MESSAGE(contains(error_of(*range).message(), "shard 3"), error_of(*range).message());
  s.inline_reads = std::chrono::microseconds(0);
  auto spread = ask(service(t, s), instant("count(m)", 1000, 2000));
  advance(2100ms);
  BOOST_CHECK_MESSAGE(contains(error_of(*spread).message(), "shard 3"), error_of(*spread).message());

  // A store not opened yet: the read goes to the shard's actor instead.
  auto unopened = with_local(table);
  unopened.local[1] = local_reader(std::make_shared<store_slot>());
  BOOST_CHECK_EQUAL(only_value(answer_of(*ask(service(unopened, s), instant("count(m)", 1000)))), 64.0);

  // The store's errors name the shard, as a reader's reply does.
  query_settings small = s;
  small.inline_reads = std::chrono::hours(1);
  small.eval.max_samples = 10;
  auto st = error_of(*ask(service(with_local(table), small), instant("m", 1000)));
  BOOST_CHECK(st.code() == errc::resource_exhausted);
}

BOOST_AUTO_TEST_CASE(direct_reads_answer_exactly_what_the_readers_answer) {
  write_random_hour(*this);
  for (bool pushdown : {false, true}) {
    query_settings s;
    s.eval.pushdown = pushdown;
    s.cache.max_bytes = 0;
    s.inline_reads = std::chrono::hours(1);
    auto messaged = service(table, s), direct = service(with_local(table), s);
    for (const char* q : {"sum by (job) (rate(http_requests_total[5m]))", "http_requests_total",
                          "histogram_quantile(0.99, sum by (le) (rate(req_bucket[5m])))",
                          "topk(3, rate(http_requests_total[5m]))", "count(temp) / count(http_requests_total)"})
      for (timestamp_ms at : {20 * minute, 40 * minute, 60 * minute}) {
        auto x = answer_of(*ask(messaged, instant(q, at))).value;
        auto y = answer_of(*ask(direct, instant(q, at))).value;
        check_same_series(x.items, y.items, q, true);
      }
  }
}

BOOST_AUTO_TEST_SUITE_END()

// actors/inline_queries.hpp: instant queries run on the HTTP thread that
// parsed them, with the query service's published table.
BOOST_FIXTURE_TEST_SUITE(http_thread_queries, query_fixture)

BOOST_AUTO_TEST_CASE(the_http_threads_answer_exactly_what_the_query_service_answers) {
  write_random_hour(*this);
  query_settings s;
  s.cache.max_bytes = 0;
  s.inline_reads = std::chrono::hours(1);
  auto messaged = service(table, s);
  s.shortcut = std::make_shared<inline_queries>();
  service(with_local(table), s); // publishes its table to the shortcut
  run();
  std::uint64_t n = 0;
  for (const char* q : {"sum by (job) (rate(http_requests_total[5m]))", "http_requests_total",
                        "histogram_quantile(0.99, sum by (le) (rate(req_bucket[5m])))",
                        "topk(3, rate(http_requests_total[5m]))", "count(temp) / count(http_requests_total)", "1 + 2"})
    for (timestamp_ms at : {20 * minute, 40 * minute, 60 * minute}) {
      auto x = answer_of(*ask(messaged, instant(q, at))).value;
      auto y = s.shortcut->try_run(instant(q, at));
      BOOST_REQUIRE_MESSAGE(y && *y, q);
      BOOST_CHECK(x.type == (*y)->value.type);
      BOOST_CHECK_EQUAL(x.scalar.v, (*y)->value.scalar.v);
      check_same_series(x.items, (*y)->value.items, q, true);
      ++n;
    }
  BOOST_CHECK_EQUAL(s.shortcut->answered(), n);
  // Its errors are the query's own, as the service would report them.
  auto bad = s.shortcut->try_run(instant("sum(rate(x[5m])", 1000));
  BOOST_REQUIRE(bad && !*bad);
  BOOST_CHECK(bad->error().code() == errc::invalid_argument);
  s.eval.max_samples = 10;
  service(with_local(table), s);
  run();
  auto big = s.shortcut->try_run(instant("http_requests_total", 60 * minute));
  BOOST_REQUIRE(big && !*big);
  BOOST_CHECK(big->error().code() == errc::resource_exhausted);
}

BOOST_AUTO_TEST_CASE(what_the_http_threads_cannot_run_cheaply_goes_to_the_query_service) {
  write_series(64, 1000);
  query_settings s;
  s.cache.max_bytes = 0;
  s.inline_reads = std::chrono::hours(1);
  s.max_concurrency = 1;
  s.shortcut = std::make_shared<inline_queries>();
  auto& sc = *s.shortcut;
  BOOST_CHECK(!sc.try_run(instant("count(m)", 1000))); // nothing published yet
  auto svc = service(with_local(with_silent(3)), s);
  run();
  BOOST_REQUIRE(sc.try_run(instant("count(m)", 1000))); // shard 3's store is readable
  BOOST_CHECK(!sc.try_run(messages::query_request{"count(m)", 1000, 61'000, 15'000, 5000})); // range

  // While every slot of the service is taken, instant queries queue there.
  auto hung = ask(svc, messages::query_request{"count(m)", 1000, 61'000, 15'000, 1000}); // waits for shard 3
  BOOST_CHECK(!sc.try_run(instant("count(m)", 1000)));
  advance(1100ms);
  BOOST_CHECK(error_of(*hung).code() == errc::timeout);
  BOOST_CHECK(sc.try_run(instant("count(m)", 1000)));

  // A shard without a direct read (a peer's, or down), or one whose store is
  // not open: the service reads it through its actor.
  service(table, s);
  run();
  BOOST_CHECK(!sc.try_run(instant("count(m)", 1000)));
  auto unopened = with_local(table);
  unopened.local[1] = local_reader(std::make_shared<store_slot>());
  service(unopened, s);
  run();
  BOOST_CHECK(!sc.try_run(instant("count(m)", 1000)));

  // Dearer than the budget: given up after the first shard, and not tried
  // again; other queries still run.
  s.inline_reads = std::chrono::microseconds(0);
  service(with_local(table), s);
  run();
  BOOST_CHECK(!sc.try_run(instant("count(m)", 1000)));
  s.inline_reads = std::chrono::hours(1);
  service(with_local(table), s);
  run();
  BOOST_CHECK(!sc.try_run(instant("count(m)", 1000)));
  BOOST_CHECK(sc.try_run(instant("count(m) + 1", 1000)));
  BOOST_CHECK(sc.try_run(instant("1", 1000))); // reads nothing
  // ... for a while only.
  s.shortcut = std::make_shared<inline_queries>(std::chrono::milliseconds(0));
  s.inline_reads = std::chrono::microseconds(0);
  service(with_local(table), s);
  run();
  BOOST_CHECK(!s.shortcut->try_run(instant("count(m)", 1000)));
  s.inline_reads = std::chrono::hours(1);
  service(with_local(table), s);
  run();
  BOOST_CHECK(s.shortcut->try_run(instant("count(m)", 1000)));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(query_pushdown, query_fixture)

BOOST_AUTO_TEST_CASE(shard_evaluation_equals_central_evaluation_on_random_data) {
  write_random_hour(*this);
  query_settings plain, pushed;
  plain.eval.pushdown = false;
  plain.cache.max_bytes = pushed.cache.max_bytes = 0;
  auto a = service(table, plain), b = service(table, pushed);
  const char* queries[] = {"sum by (job) (rate(http_requests_total[5m]))", "count(http_requests_total)",
                           "histogram_quantile(0.99, sum by (le) (rate(req_bucket[5m])))",
                           "topk(3, rate(http_requests_total[5m]))", "max without (instance) (temp)",
                           "sum(rate(http_requests_total{code=\"500\"}[5m])) / sum(rate(http_requests_total[5m]))"};
  for (const char* q : queries)
    for (auto req : {messages::query_request{q, 20 * minute, 60 * minute, 60'000, 5000},
                     messages::query_request{q, 40 * minute, 40 * minute, 0, 5000}}) {
      auto x = answer_of(*ask(a, req)).value;
      auto y = answer_of(*ask(b, req)).value;
      auto by_labels = [](const series& l, const series& r) { return l.lbls < r.lbls; };
      std::sort(x.items.begin(), x.items.end(), by_labels);
      std::sort(y.items.begin(), y.items.end(), by_labels);
      check_same_series(x.items, y.items, q, false);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(query_cache, query_fixture)

BOOST_AUTO_TEST_CASE(a_cached_range_query_equals_a_fresh_one_until_backfill_invalidates_it) {
  // Wire router -> (backfill sink) -> query service as the node does.
  query_settings s;
  // The data lies in 1970: with the system clock all of it is past freshness.
  auto svc = service(table, s);
  route_backfills_to(svc, s);
  query::testing::sharded_source src(1);
  query::testing::fill_random(src, 5, 60 * minute);
  write(write_batch{src.all.all()});
  query_settings uncached = s;
  uncached.cache.max_bytes = 0;
  auto fresh = service(table, uncached);
  messages::query_request req{"sum by (job) (rate(http_requests_total[5m]))", 10 * minute, 60 * minute, 30'000, 5000};
  auto want = answer_of(*ask(fresh, req)).value;
  BOOST_CHECK(answer_of(*ask(svc, req)).value == want); // cold: computes and stores
  BOOST_CHECK(answer_of(*ask(svc, req)).value == want); // warm: served from the cache
  // A new series lands with old samples: the router reports it, the cache drops it.
  write_batch late;
  late.items.push_back({labels{{"__name__", "http_requests_total"}, {"job", "late"}},
                        {{30 * minute, 1}, {31 * minute, 500}, {32 * minute, 900}}});
  write(std::move(late));
  auto now_want = answer_of(*ask(fresh, req)).value;
  BOOST_CHECK(!(now_want == want));
  BOOST_CHECK(answer_of(*ask(svc, req)).value == now_want);
}

namespace {

/// What a held backfill sink was told.
struct held_sink_record {
  std::vector<std::int64_t> seen;
};

/// A backfill sink (dynamically typed, so that the test can release it with
/// atom::tick) that records what it is told and answers only when released.
caf::behavior held_sink(caf::event_based_actor* self, std::shared_ptr<held_sink_record> rec) {
  auto held = std::make_shared<std::vector<caf::response_promise>>();
  return {
    [=](atom::invalidate, std::int64_t from) {
      rec->seen.push_back(from);
      return held->emplace_back(self->make_response_promise());
    },
    [=](atom::tick) {
      for (auto& p : *held) p.deliver(true);
      held->clear();
    },
  };
}

} // namespace

BOOST_AUTO_TEST_CASE(a_backfilling_write_is_acknowledged_after_the_caches_dropped_its_range) {
  auto rec = std::make_shared<held_sink_record>();
  auto& sink_state = *rec;
  auto dyn_sink = sys->spawn(held_sink, rec);
  spawned.push_back(dyn_sink);
  auto sink = caf::actor_cast<backfill_sink>(dyn_sink);
  router_options ro;
  ro.backfill_horizon = std::chrono::minutes(10);
  ro.backfill = sink;
  ro.now_unix_ms = [] { return 100 * minute; };
  ro.timeout = std::chrono::seconds(5);
  router = sys->spawn(router_impl, table, ro);
  auto send_write = [&](timestamp_ms t) {
    auto acked = std::make_shared<std::optional<std::variant<messages::ingest_ack, caf::error>>>();
    write_batch b;
    b.items.push_back({labels{{"__name__", "m"}, {"t", std::to_string(t)}}, {{t, 1}}});
    sys->spawn([=, r = router](caf::event_based_actor* self) {
      self->request(r, std::chrono::seconds(60), atom::write_v, messages::ingest_request{std::move(b)})
        .then([=](messages::ingest_ack& a) { *acked = a; }, [=](caf::error& e) { *acked = e; });
    });
    run();
    return acked;
  };
  // Recent samples: no invalidation, acknowledged at once.
  BOOST_CHECK(send_write(99 * minute)->has_value());
  BOOST_CHECK(sink_state.seen.empty());
  // Old samples: committed, but the acknowledgement waits for the sink.
  auto acked = send_write(30 * minute);
  BOOST_REQUIRE_EQUAL(sink_state.seen.size(), 1u);
  BOOST_CHECK_EQUAL(sink_state.seen[0], 30 * minute);
  BOOST_CHECK(!acked->has_value());
  caf::anon_send(dyn_sink, atom::tick_v);
  run();
  BOOST_REQUIRE(acked->has_value());
  BOOST_CHECK(std::holds_alternative<messages::ingest_ack>(**acked));
  // A sink that never answers delays the acknowledgement by the ingest
  // timeout at most, and the write still succeeds (it is committed).
  acked = send_write(31 * minute);
  BOOST_CHECK(!acked->has_value());
  advance(std::chrono::milliseconds(5100));
  BOOST_REQUIRE(acked->has_value());
  BOOST_CHECK(std::holds_alternative<messages::ingest_ack>(**acked));
}

BOOST_AUTO_TEST_CASE(the_response_memo_keeps_rendered_complete_answers_until_backfill) {
  query_settings s;
  s.memo = std::make_shared<query::response_memo>(1 << 20);
  auto svc = service(table, s);
  route_backfills_to(svc, s);
  query::testing::sharded_source src(1);
  query::testing::fill_random(src, 6, 60 * minute);
  write(write_batch{src.all.all()});
  auto render = std::make_shared<const messages::answer_renderer>([](const messages::query_answer& a) {
    std::string out;
    for (const auto& x : a.value.items)
      for (const auto& p : x.samples) out += std::to_string(p.t) + "=" + std::to_string(p.v) + ";";
    return out;
  });
  messages::query_request req{"sum by (job) (rate(http_requests_total[5m]))", 10 * minute, 60 * minute, 30'000, 5000};
  req.render = render;
  const auto key = query::response_memo::key(req.promql, req.start, req.end, req.step);
  auto first = answer_of(*ask(svc, req));
  BOOST_REQUIRE(!first.rendered.empty());
  auto kept = s.memo->get(key);
  BOOST_REQUIRE(kept);
  BOOST_CHECK_EQUAL(*kept, first.rendered);
  // Not kept: answers with stats, without a renderer, or reaching into the
  // last `freshness` (still changing).
  auto with_stats = req;
  with_stats.want_stats = true;
  with_stats.start += 30'000;
  answer_of(*ask(svc, with_stats));
  BOOST_CHECK(!s.memo->get(query::response_memo::key(req.promql, with_stats.start, req.end, req.step)));
  auto recent = req;
  recent.end = s.now_unix_ms();
  recent.start = recent.end - 10 * minute;
  answer_of(*ask(svc, recent));
  BOOST_CHECK(!s.memo->get(query::response_memo::key(req.promql, recent.start, recent.end, req.step)));
  // Old samples land: the entry goes, and the next answer is the new one.
  write_batch late;
  late.items.push_back({labels{{"__name__", "http_requests_total"}, {"job", "late"}},
                        {{30 * minute, 1}, {31 * minute, 500}, {32 * minute, 900}}});
  write(std::move(late));
  BOOST_CHECK(!s.memo->get(key));
  auto again = answer_of(*ask(svc, req));
  BOOST_CHECK(again.rendered != first.rendered);
  BOOST_REQUIRE(s.memo->get(key));
  BOOST_CHECK_EQUAL(*s.memo->get(key), again.rendered);
}

BOOST_AUTO_TEST_CASE(no_cache_bypasses_the_results_cache) {
  query_settings s;
  auto svc = service(table, s);
  query::testing::sharded_source src(1);
  query::testing::fill_random(src, 5, 60 * minute);
  write(write_batch{src.all.all()});
  messages::query_request req{"sum by (job) (rate(http_requests_total[5m]))", 10 * minute, 60 * minute, 30'000, 5000};
  auto cached = answer_of(*ask(svc, req)).value;
  // Old samples land through a router that reports no backfill: the cache
  // keeps serving the old answer, while no_cache computes the new one.
  write_batch late;
  late.items.push_back({labels{{"__name__", "http_requests_total"}, {"job", "late"}},
                        {{30 * minute, 1}, {31 * minute, 500}, {32 * minute, 900}}});
  write(std::move(late));
  BOOST_CHECK(answer_of(*ask(svc, req)).value == cached);
  req.no_cache = true;
  auto fresh = answer_of(*ask(svc, req)).value;
  BOOST_CHECK(!(fresh == cached));
  BOOST_CHECK_EQUAL(fresh.items.size(), cached.items.size() + 1);
}

BOOST_AUTO_TEST_SUITE_END()
