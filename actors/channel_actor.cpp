#include "actors/channel_actor.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace vigil {

channel_actor::behavior_type channel_impl(channel_actor::stateful_pointer<channel_state> self,
                                          std::shared_ptr<alert::sink> sink, std::string name,
                                          alert::circuit_breaker breaker) {
  self->state.sink = std::move(sink);
  self->state.breaker = breaker;
  self->state.channel = std::move(name);
  return {
    [=](atom::notify, const delivery_job& job) -> alert::delivery_result {
      auto& st = self->state;
      if (!st.breaker.allow(job.now))
        return {alert::delivery_outcome::retryable, "channel " + st.channel + ": circuit breaker open"};
      alert::delivery_result r;
      try {
        r = st.sink->send(job.n, job.now);
      } catch (const std::exception& e) { // no exception leaves a handler
        r = {alert::delivery_outcome::retryable, e.what()};
      }
      if (r.outcome == alert::delivery_outcome::ok) st.breaker.on_success();
      else st.breaker.on_failure(job.now);
      return r;
    },
  };
}

} // namespace vigil
