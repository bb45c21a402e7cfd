// actors/notifier_actor.hpp - the notifier: a thin actor around
// alert::notify_engine (dispatcher + outbox + silences). It converts rule
// snapshots, keeps one self-timer armed at the engine's next wake, hands due
// deliveries to one channel_actor per channel (request with a timeout; a
// timeout or a dead channel counts as a retryable failure), and serves the
// silences API. Channel actors are linked and respawned when they die alone.
//
// Production spawns it detached: its outbox commits fsync.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "actors/channel_actor.hpp"
#include "actors/clock.hpp"
#include "actors/interfaces.hpp"
#include "alert/notify_engine.hpp"

namespace vigil {

struct notifier_options {
  alert::notify_config config;
  std::string dir;                 ///< the outbox environment (<data_dir>/notify)
  /// Spawn channel actors detached (production); off under the test coordinator.
  bool detached_channels = true;
  /// Added to a channel's own timeout for the delivery request's deadline.
  std::chrono::milliseconds delivery_grace{5000};
  unix_clock_fn clock = system_unix_ms;
  sink_factory make_sink;          ///< null: alert::make_sink
  std::uint64_t seed = 0;          ///< jitter and silence ids; 0: random
};

struct notifier_state {
  notifier_options opts;
  std::optional<alert::notify_engine> engine; ///< empty when the outbox failed to open
  std::string open_error;
  std::map<std::string, channel_actor> channels;
  std::int64_t armed_at = INT64_MAX;        ///< the earliest armed self-timer
  static inline const char* name = "vigil.notifier";
};

notifier_actor::behavior_type notifier_impl(notifier_actor::stateful_pointer<notifier_state> self,
                                            notifier_options opts);

} // namespace vigil
