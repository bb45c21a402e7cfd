// tests/actors/query_fixture.hpp - four real shard actors (temporary LMDB
// directories) and a router on the test coordinator, plus a shard that never
// answers, for deterministic tests of the query path.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/errors.hpp"
#include "actors/query_actor.hpp"
#include "actors/router_actor.hpp"
#include "actors/shard_actor.hpp"
#include "tests/support/actor_fixture.hpp"
#include "tests/support/temp_dir.hpp"

namespace vigil::test {

struct silent_state {
  std::vector<caf::typed_response_promise<messages::series_payload>> held;
  std::vector<caf::typed_response_promise<messages::read_answer>> held_reads;
  static inline const char* name = "vigil.test.silent_shard";
};

/// A shard that accepts select, eval and read requests and never answers them
/// (a hung disk or a hung peer); everything else answers empty.
inline shard_actor::behavior_type silent_shard(shard_actor::stateful_pointer<silent_state> self) {
  auto hold = [=] {
    auto p = self->make_response_promise<messages::series_payload>();
    self->state.held.push_back(p);
    return p;
  };
  return {
    [=](atom::write, const messages::write_part&) { return messages::ingest_ack{}; },
    [=](atom::write) {},
    [=](atom::select, const messages::select_request&) -> caf::result<messages::series_payload> { return hold(); },
    [=](atom::series, const messages::select_request&) { return messages::series_payload{}; },
    [=](atom::label_names, const messages::select_request&) { return messages::string_list{}; },
    [=](atom::label_values, const std::string&, const messages::select_request&) { return messages::string_list{}; },
    [=](atom::stats) { return messages::shard_stats_msg{}; },
    [=](atom::sync) {},
    [=](atom::tick, std::int64_t, std::uint64_t) -> caf::result<std::uint64_t, std::uint64_t, std::uint64_t> {
      return {std::uint64_t{0}, std::uint64_t{0}, std::uint64_t{0}};
    },
    [=](atom::rollup, std::int64_t, std::uint64_t) -> caf::result<std::uint64_t, std::uint64_t, std::uint64_t> {
      return {std::uint64_t{0}, std::uint64_t{0}, std::uint64_t{0}};
    },
    [=](atom::cold, std::int64_t) -> caf::result<bool, std::uint64_t, std::uint64_t> {
      return {false, std::uint64_t{0}, std::uint64_t{0}};
    },
    [=](atom::eval, const messages::partial_request&) -> caf::result<messages::series_payload> { return hold(); },
    [=](atom::read, const messages::read_request&) -> caf::result<messages::read_answer> {
      auto p = self->make_response_promise<messages::read_answer>();
      self->state.held_reads.push_back(p);
      return p;
    },
  };
}

using answer = std::variant<messages::query_answer, caf::error>;

struct query_fixture : actor_fixture {
  temp_dir dir;
  shard_table table; ///< the real shards
  std::vector<std::shared_ptr<store_slot>> slots; ///< their stores, once opened
  router_actor router;
  std::vector<caf::actor> spawned; ///< stopped at the end (the system waits for all actors)
  static constexpr std::uint32_t n_shards = 4;

  query_fixture() {
    for (std::uint32_t i = 0; i < n_shards; ++i) {
      shard_actor_options so;
      so.id = i;
      so.store = {dir.str() + "/shard-" + std::to_string(i), std::uint64_t{1} << 30, store::fsync_policy::never};
      so.slot = slots.emplace_back(std::make_shared<store_slot>());
      table.shards.push_back(sys->spawn(shard_impl, so));
    }
    table.epoch = 1;
    router = sys->spawn(router_impl, table, router_options{});
    run();
  }

  ~query_fixture() {
    // A test that stopped early (a failed REQUIRE) may leave an ask() waiting
    // for its answer; let every request time out so the system can stop.
    advance(std::chrono::seconds(61), std::chrono::seconds(1));
    for (auto& a : spawned) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    for (auto& s : table.shards) caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(router, caf::exit_reason::user_shutdown);
    run();
  }

  void write(write_batch b) {
    ok<messages::ingest_ack>(router, atom::write_v, messages::ingest_request{std::move(b)});
  }

  /// 64 series m{i="0".."63"} with one sample each at t (value i).
  void write_series(int n, timestamp_ms t) {
    write_batch b;
    for (int i = 0; i < n; ++i)
      b.items.push_back({labels{{"__name__", "m"}, {"i", std::to_string(i)}}, {{t, double(i)}}});
    write(std::move(b));
  }

  /// The real table with slot `i` replaced by a shard that never answers.
  shard_table with_silent(std::uint32_t i) {
    auto t = table;
    t.shards[i] = sys->spawn(silent_shard);
    spawned.push_back(caf::actor_cast<caf::actor>(t.shards[i]));
    return t;
  }

  /// Replaces the router by one that reports backfills to `svc` (through
  /// the backfill sink, as the node wires them), with `s`'s freshness and clock.
  void route_backfills_to(const query_service_actor& svc, const query_settings& s) {
    caf::anon_send_exit(router, caf::exit_reason::user_shutdown);
    router_options ro;
    ro.backfill_horizon = std::chrono::milliseconds(s.cache.freshness);
    ro.backfill = caf::actor_cast<backfill_sink>(svc);
    ro.now_unix_ms = s.now_unix_ms;
    router = sys->spawn(router_impl, table, ro);
    run();
  }

  /// `t` with direct reads of the real shards' stores (as a node's table
  /// has for its in-process shards).
  shard_table with_local(shard_table t) {
    t.local.clear();
    for (auto& slot : slots) t.local.push_back(local_reader(slot));
    return t;
  }

  query_service_actor service(shard_table t, query_settings s = {}) {
    auto h = sys->spawn(query_service_impl, std::move(t), std::move(s));
    spawned.push_back(caf::actor_cast<caf::actor>(h));
    return h;
  }

  /// Sends a query without waiting: the slot fills when the answer arrives.
  std::shared_ptr<std::optional<answer>> ask(const query_service_actor& h, messages::query_request req) {
    auto out = std::make_shared<std::optional<answer>>();
    sys->spawn([=](caf::event_based_actor* self) {
      self->request(h, std::chrono::seconds(60), atom::query_v, req)
        .then([=](messages::query_answer& a) { *out = std::move(a); }, [=](caf::error& e) { *out = e; });
    });
    run();
    return out;
  }

  static messages::query_request instant(std::string q, timestamp_ms t, std::int64_t timeout_ms = 5000) {
    return messages::query_request{std::move(q), t, t, 0, timeout_ms};
  }

  status error_of(const std::optional<answer>& a) {
    BOOST_REQUIRE_MESSAGE(a.has_value(), "no answer yet");
    BOOST_REQUIRE_MESSAGE(std::holds_alternative<caf::error>(*a), "expected an error");
    return to_status(std::get<caf::error>(*a));
  }

  const messages::query_answer& answer_of(const std::optional<answer>& a) {
    BOOST_REQUIRE_MESSAGE(a.has_value(), "no answer yet");
    if (auto* e = std::get_if<caf::error>(&*a)) BOOST_FAIL("query failed: " << sys->render(*e));
    return std::get<messages::query_answer>(*a);
  }
};

} // namespace vigil::test
