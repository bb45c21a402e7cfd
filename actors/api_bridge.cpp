#include "actors/api_bridge.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace vigil {

namespace {

using bridge_ptr = api_bridge_actor::stateful_pointer<api_bridge_state>;

/// The node respawns a crashed router or query service; fetch the new handle.
void refresh(bridge_ptr self) {
  auto node = self->state.handles.node;
  self->request(node, std::chrono::seconds(5), atom::get_v, atom::write_v)
    .then([=](router_actor& r) {
      self->monitor(r);
      self->state.handles.router = std::move(r);
    });
  self->request(node, std::chrono::seconds(5), atom::get_v, atom::query_v)
    .then([=](query_service_actor& q) {
      self->monitor(q);
      self->state.handles.queries = std::move(q);
    });
}

} // namespace

api_bridge_actor::behavior_type api_bridge_impl(bridge_ptr self, api_handles handles) {
  self->state.handles = std::move(handles);
  if (self->state.handles.router) self->monitor(self->state.handles.router);
  if (self->state.handles.queries) self->monitor(self->state.handles.queries);
  self->set_down_handler([=](caf::down_msg&) { refresh(self); });
  return {
    [=](api_job& job) { job.run(self, self->state.handles); },
  };
}

} // namespace vigil
