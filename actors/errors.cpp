#include "actors/errors.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace vigil {

caf::atom_value error_category() { return caf::atom("vigil"); }

caf::error to_error(const status& st) {
  return caf::error{static_cast<std::uint8_t>(st.code()), error_category(),
                    caf::make_message(st.message())};
}

status to_status(const caf::error& err) {
  if (!err) return status::ok();
  if (err.category() == error_category()) {
    std::string msg;
    if (err.context().match_elements<std::string>()) msg = err.context().get_as<std::string>(0);
    return {static_cast<errc>(err.code()), std::move(msg)};
  }
  if (err.category() == caf::atom("system")) {
    auto code = static_cast<caf::sec>(err.code());
    if (code == caf::sec::request_timeout) return {errc::timeout, "request timed out"};
    return {errc::unavailable, caf::to_string(code)};
  }
  return {errc::unavailable, caf::to_string(err)};
}

void register_error_category(caf::actor_system_config& cfg) {
  cfg.add_error_category(error_category(),
                         [](std::uint8_t code, caf::atom_value, const caf::message& ctx) {
                           std::string out = to_string(static_cast<errc>(code));
                           if (ctx.match_elements<std::string>()) {
                             out += ": ";
                             out += ctx.get_as<std::string>(0);
                           }
                           return out;
                         });
}

} // namespace vigil
