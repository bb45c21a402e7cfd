#include <boost/test/unit_test.hpp>

#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/errors.hpp"
#include "actors/node.hpp"
#include "actors/shard_actor.hpp"
#include "messages/series_codec.hpp"
#include "tests/support/actor_fixture.hpp"
#include "tests/support/temp_dir.hpp"

using namespace vigil;
using namespace std::chrono_literals;

namespace {

struct node_fixture : test::actor_fixture {
  test::temp_dir dir;
  node_actor node;
  router_actor router;
  query_service_actor queries;

  node_fixture() {
    node_options o;
    o.data_dir = dir.str();
    o.shard_count = 4;
    o.detached_shards = false;
    node = sys->spawn(node_impl, o);
    run();
    router = ok<router_actor>(node, atom::get_v, atom::write_v);
    queries = ok<query_service_actor>(node, atom::get_v, atom::query_v);
  }

  ~node_fixture() {
    caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
    run();
  }

  messages::ingest_ack write(int n_series, timestamp_ms t) {
    write_batch b;
    for (int i = 0; i < n_series; ++i)
      b.items.push_back({labels{{"__name__", "m"}, {"i", std::to_string(i)}}, {{t, double(i)}}});
    return ok<messages::ingest_ack>(router, atom::write_v, messages::ingest_request{std::move(b)});
  }

  std::variant<messages::query_answer, caf::error> query(std::string q, timestamp_ms t) {
    return call<messages::query_answer>(queries, atom::query_v,
                                        messages::query_request{std::move(q), t, t, 0, 5000});
  }

  double scalar_of(const messages::query_answer& a) {
    BOOST_REQUIRE_EQUAL(a.value.items.size(), 1u);
    return a.value.items[0].samples.at(0).v;
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(node, node_fixture)

BOOST_AUTO_TEST_CASE(router_spreads_a_batch_over_shards_and_acks_the_sum) {
  auto ack = write(64, 1000);
  BOOST_CHECK_EQUAL(ack.appended, 64u);
  BOOST_CHECK_EQUAL(ack.new_series, 64u);
  auto a = query("count(m)", 1000);
  BOOST_REQUIRE(std::holds_alternative<messages::query_answer>(a));
  BOOST_CHECK_EQUAL(scalar_of(std::get<0>(a)), 64.0);
}

BOOST_AUTO_TEST_CASE(crashed_shard_is_respawned_and_serves_its_data_again) {
  write(64, 1000);
  auto table = ok<shard_table>(node, atom::get_v, atom::shards_v);
  BOOST_REQUIRE_EQUAL(table.shards.size(), 4u);
  caf::anon_send_exit(table.shards[2], caf::exit_reason::kill);
  run();
  // While it is down: no partial answers, the error names the shard.
  auto down = query("count(m)", 1000);
  BOOST_REQUIRE(std::holds_alternative<caf::error>(down));
  BOOST_CHECK_NE(sys->render(std::get<caf::error>(down)).find("shard 2"), std::string::npos);
  BOOST_CHECK(!ok<bool>(node, atom::status_v));
  // The supervisor respawns it after its backoff; it reopens its LMDB data.
  advance(defaults::respawn_min + 50ms);
  BOOST_CHECK(ok<bool>(node, atom::status_v));
  auto after = ok<shard_table>(node, atom::get_v, atom::shards_v);
  BOOST_CHECK(after.shards[2] && after.shards[2] != table.shards[2]);
  auto a = query("count(m)", 1000);
  BOOST_REQUIRE(std::holds_alternative<messages::query_answer>(a));
  BOOST_CHECK_EQUAL(scalar_of(std::get<0>(a)), 64.0);
  // And takes writes again.
  BOOST_CHECK_EQUAL(write(64, 2000).appended, 64u);
}

messages::select_request select_all_m() {
  messages::select_request req;
  req.matchers.push_back({static_cast<std::uint8_t>(match_type::equal), "__name__", "m"});
  req.min = 0;
  req.max = 1'000'000;
  return req;
}

std::size_t series_in(const messages::series_payload& p) {
  auto set = messages::decode_series_set(p.bytes);
  BOOST_REQUIRE(set);
  return set->size();
}

BOOST_AUTO_TEST_CASE(every_local_shard_has_a_reader_answering_what_the_shard_answers) {
  write(64, 1000);
  auto table = ok<shard_table>(node, atom::get_v, atom::shards_v);
  BOOST_REQUIRE_EQUAL(table.readers.size(), 4u);
  std::size_t total = 0;
  for (std::size_t j = 0; j < 4; ++j) {
    BOOST_REQUIRE(table.readers[j]);
    BOOST_CHECK(table.reader(j) == table.readers[j]);
    auto via_reader = ok<messages::series_payload>(table.readers[j], atom::select_v, select_all_m());
    auto via_shard = ok<messages::series_payload>(table.shards[j], atom::select_v, select_all_m());
    BOOST_CHECK(via_reader.bytes == via_shard.bytes);
    total += series_in(via_reader);
    auto names = ok<messages::string_list>(table.readers[j], atom::label_names_v, messages::select_request{});
    BOOST_CHECK(names.items == ok<messages::string_list>(table.shards[j], atom::label_names_v,
                                                         messages::select_request{}).items);
  }
  BOOST_CHECK_EQUAL(total, 64u);
  // Readers see every acknowledged write at once (it is committed).
  write(64, 2000);
  auto more = ok<messages::series_payload>(table.readers[0], atom::select_v, select_all_m());
  auto set = messages::decode_series_set(more.bytes);
  BOOST_REQUIRE(set && !set->empty());
  BOOST_CHECK_EQUAL(set->front().samples.size(), 2u);
}

BOOST_AUTO_TEST_CASE(a_reader_and_its_shard_go_down_together_and_come_back_together) {
  write(64, 1000);
  auto table = ok<shard_table>(node, atom::get_v, atom::shards_v);
  caf::anon_send_exit(table.readers[1], caf::exit_reason::kill);
  run();
  auto down = ok<shard_table>(node, atom::get_v, atom::shards_v);
  BOOST_CHECK(!down.shards[1]);
  BOOST_CHECK(!down.readers[1]);
  BOOST_CHECK(!down.reader(1));
  advance(defaults::respawn_min + 50ms);
  auto after = ok<shard_table>(node, atom::get_v, atom::shards_v);
  BOOST_REQUIRE(after.shards[1] && after.readers[1]);
  BOOST_CHECK(after.readers[1] != table.readers[1]);
  auto a = query("count(m)", 1000);
  BOOST_REQUIRE(std::holds_alternative<messages::query_answer>(a));
  BOOST_CHECK_EQUAL(scalar_of(std::get<0>(a)), 64.0);
}

BOOST_AUTO_TEST_CASE(a_reader_without_an_open_store_hands_reads_to_its_shard) {
  write(64, 1000);
  auto table = ok<shard_table>(node, atom::get_v, atom::shards_v);
  // A reader whose slot its shard never fills (as before the shard opened).
  auto reader = sys->spawn(shard_reader_impl, std::make_shared<store_slot>(), table.shards[3]);
  auto via_reader = ok<messages::series_payload>(reader, atom::select_v, select_all_m());
  auto via_shard = ok<messages::series_payload>(table.shards[3], atom::select_v, select_all_m());
  BOOST_CHECK(via_reader.bytes == via_shard.bytes);
  BOOST_CHECK_GT(series_in(via_reader), 0u); // it goes down with the shard at the end
}

BOOST_AUTO_TEST_CASE(crashed_router_is_respawned) {
  caf::anon_send_exit(router, caf::exit_reason::kill);
  run();
  auto r2 = ok<router_actor>(node, atom::get_v, atom::write_v);
  BOOST_CHECK(r2 && r2 != router);
  router = r2;
  BOOST_CHECK_EQUAL(write(8, 1000).appended, 8u);
}

BOOST_AUTO_TEST_CASE(bad_promql_is_an_invalid_argument_error) {
  auto r = query("sum(", 1000);
  BOOST_REQUIRE(std::holds_alternative<caf::error>(r));
  auto st = to_status(std::get<caf::error>(r));
  BOOST_CHECK(st.code() == errc::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
