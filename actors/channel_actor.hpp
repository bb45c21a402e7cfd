// actors/channel_actor.hpp - one notification channel: owns the channel's
// sink (alert/sinks.hpp) and circuit breaker. The sink blocks on the network,
// so production spawns this actor detached (its own thread); it handles one
// delivery at a time, in order.
#pragma once

#include <functional>
#include <memory>

#include "actors/interfaces.hpp"
#include "alert/delivery.hpp"
#include "alert/sinks.hpp"

namespace vigil {

/// Builds a channel's sink (tests substitute a fake).
using sink_factory = std::function<std::unique_ptr<alert::sink>(const alert::channel_config&)>;

struct channel_state {
  std::shared_ptr<alert::sink> sink;
  alert::circuit_breaker breaker;
  std::string channel;
  static inline const char* name = "vigil.channel";
};

/// @param breaker the channel's circuit breaker (threshold, open period)
channel_actor::behavior_type channel_impl(channel_actor::stateful_pointer<channel_state> self,
                                          std::shared_ptr<alert::sink> sink, std::string name,
                                          alert::circuit_breaker breaker);

} // namespace vigil
