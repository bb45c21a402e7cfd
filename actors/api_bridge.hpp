// actors/api_bridge.hpp - the actor that runs HTTP jobs (see api_job).
#pragma once

#include "actors/interfaces.hpp"

namespace vigil {

struct api_bridge_state {
  api_handles handles;
  static inline const char* name = "vigil.api_bridge";
};

/// Runs jobs; monitors the router and query service and fetches their new
/// handles from the node when the node respawns them.
api_bridge_actor::behavior_type
api_bridge_impl(api_bridge_actor::stateful_pointer<api_bridge_state> self, api_handles handles);

} // namespace vigil
