#include "actors/type_ids.hpp"

#include <caf/actor_system_config.hpp>

#include "actors/errors.hpp"

namespace vigil {

void register_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::vigil_messages>();
  cfg.add_message_types<caf::id_block::vigil_actors>();
  register_error_category(cfg);
}

} // namespace vigil
