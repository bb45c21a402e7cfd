// tests/support/actor_fixture.hpp - a deterministic actor system on CAF's
// test coordinator: nothing runs until run()/advance() is called, and timers
// fire only when the test advances time. Never sleeps.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <variant>

#include <boost/test/unit_test.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/type_ids.hpp"

namespace vigil::test {

struct actor_fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;

  actor_fixture() {
    register_types(cfg);
    cfg.set("scheduler.policy", caf::atom("testing"));
    cfg.set("logger.verbosity", caf::atom("quiet"));
    sys = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
  }

  ~actor_fixture() {
    run();
  }

  /// Runs every ready actor until none is left.
  void run() { sched->run(); }

  /// Advances the clock in ticks (one big advance fires only timers already due).
  void advance(std::chrono::milliseconds total, std::chrono::milliseconds tick = std::chrono::milliseconds(50)) {
    for (auto t = std::chrono::milliseconds(0); t < total; t += tick) {
      sched->advance_time(tick);
      run();
    }
  }

  /// Sends a request from a throwaway actor and runs the system until the
  /// answer (or error) is in.
  template <class R, class Handle, class... Ts>
  std::variant<R, caf::error> call(const Handle& h, Ts... xs) {
    auto out = std::make_shared<std::optional<std::variant<R, caf::error>>>();
    sys->spawn([=](caf::event_based_actor* self) {
      self->request(h, std::chrono::seconds(30), xs...)
        .then([=](R& r) { *out = std::move(r); }, [=](caf::error& e) { *out = std::move(e); });
    });
    run();
    BOOST_REQUIRE_MESSAGE(out->has_value(), "no answer after running the system");
    return std::move(**out);
  }

  /// call() that must succeed.
  template <class R, class Handle, class... Ts>
  R ok(const Handle& h, Ts... xs) {
    auto r = call<R>(h, xs...);
    if (auto* e = std::get_if<caf::error>(&r)) BOOST_FAIL("request failed: " << sys->render(*e));
    return std::get<R>(std::move(r));
  }
};

} // namespace vigil::test
