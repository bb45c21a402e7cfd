// actors/type_ids.hpp - the second CAF type-ID block: actor handles and
// structs that carry them. Starts where messages/type_ids.hpp ends.
// Append only (see messages/type_ids.hpp).
#pragma once

#include "actors/interfaces.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(vigil_actors, caf::id_block::vigil_messages::end)

  CAF_ADD_TYPE_ID(vigil_actors, (vigil::shard_actor))
  CAF_ADD_TYPE_ID(vigil_actors, (vigil::shard_table))
  CAF_ADD_TYPE_ID(vigil_actors, (vigil::router_actor))
  CAF_ADD_TYPE_ID(vigil_actors, (vigil::query_service_actor))
  CAF_ADD_TYPE_ID(vigil_actors, (vigil::node_actor))
  CAF_ADD_TYPE_ID(vigil_actors, (vigil::peer_actor))
  // Appended (a message struct: here so that no existing ID moves).
  CAF_ADD_TYPE_ID(vigil_actors, (vigil::messages::partial_request))
  CAF_ADD_TYPE_ID(vigil_actors, (vigil::messages::alert_snapshot))
  CAF_ADD_TYPE_ID(vigil_actors, (vigil::messages::read_request))
  CAF_ADD_TYPE_ID(vigil_actors, (vigil::messages::read_answer))
  CAF_ADD_TYPE_ID(vigil_actors, (vigil::shard_reader_actor))
  CAF_ADD_TYPE_ID(vigil_actors, (vigil::messages::write_part))

CAF_END_TYPE_ID_BLOCK(vigil_actors)

namespace vigil {

/// Registers both type-ID blocks and vigil's error category with a config.
/// Every process (and every test fixture) calls this exactly once.
void register_types(caf::actor_system_config& cfg);

} // namespace vigil
