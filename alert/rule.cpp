#include "alert/rule.hpp"

namespace vigil::alert {

const std::string& rule::name() const {
  return is_alert() ? alert().name : recording().record;
}

const std::string& rule::expr() const {
  return is_alert() ? alert().expr : recording().expr;
}

} // namespace vigil::alert
