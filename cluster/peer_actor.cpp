#include "cluster/peer_actor.hpp"

#include <cstdio>

#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/defaults.hpp"

namespace vigil::cluster {

namespace {

using peer_ptr = peer_actor::stateful_pointer<peer_state>;

void retry_later(peer_ptr self) {
  self->delayed_send(self, defaults::peer_retry, atom::connect_v);
}

void try_connect(peer_ptr self) {
  auto& st = self->state;
  auto where = st.opts.host + ":" + std::to_string(st.opts.port);
  auto h = self->system().middleman().remote_actor<node_actor>(st.opts.host, st.opts.port);
  if (!h) {
    if (!st.announced_failure)
      std::fprintf(stderr, "vigil: peer %s not reachable yet (%s); retrying\n", where.c_str(),
                   self->system().render(h.error()).c_str());
    st.announced_failure = true;
    return retry_later(self);
  }
  st.remote = *h;
  self->monitor(st.remote);
  self->request(st.remote, defaults::metadata_timeout, atom::get_v, atom::peer_v)
    .then(
      [=](shard_table& t) {
        std::fprintf(stderr, "vigil: connected to peer %s\n", where.c_str());
        self->state.announced_failure = false;
        self->send(self->state.node, atom::peer_v, std::move(t));
      },
      [=](caf::error&) { retry_later(self); });
}

} // namespace

peer_actor::behavior_type peer_impl(peer_ptr self, peer_options opts) {
  self->state.node = opts.node;
  self->state.opts = std::move(opts);
  self->set_down_handler([=](caf::down_msg& dm) {
    if (dm.source != self->state.remote.address()) return;
    std::fprintf(stderr, "vigil: peer %s:%u went down; reconnecting\n",
                 self->state.opts.host.c_str(), unsigned{self->state.opts.port});
    self->state.remote = nullptr;
    retry_later(self);
  });
  self->send(self, atom::connect_v);
  return {
    [=](atom::connect) { try_connect(self); },
  };
}

} // namespace vigil::cluster
