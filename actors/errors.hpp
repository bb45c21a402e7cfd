// actors/errors.hpp - the only mapping between vigil::status and caf::error.
#pragma once

#include <caf/error.hpp>

#include "core/status.hpp"

namespace caf {
class actor_system_config;
}

namespace vigil {

/// The CAF error category of vigil errors.
caf::atom_value error_category();

/// A caf::error carrying the errc and the message (as context).
caf::error to_error(const status& st);

/// Back from caf::error: vigil errors keep their code and message; CAF's
/// request_timeout becomes errc::timeout, everything else unavailable.
status to_status(const caf::error& err);

/// Registers the renderer for vigil errors.
void register_error_category(caf::actor_system_config& cfg);

} // namespace vigil
