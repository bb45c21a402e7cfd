// cluster/peer_actor.hpp - the link to one peer node that serves shards.
//
// Connecting (CAF io remote_actor) blocks, so the actor runs detached. It
// fetches the peer's served shard handles, hands them to the node supervisor
// (which monitors them), and reconnects when the peer goes down. The full
// cluster (membership, replication, failover) builds on this later.
#pragma once

#include <cstdint>
#include <string>

#include "actors/interfaces.hpp"

namespace vigil::cluster {

struct peer_options {
  node_actor node; ///< the local supervisor that receives the peer's shards
  std::string host;
  std::uint16_t port = 0;
};

struct peer_state {
  peer_state() = default; // not an aggregate: CAF would build it from `self`
  node_actor node;
  peer_options opts;
  node_actor remote;
  bool announced_failure = false;
  static inline const char* name = "vigil.peer";
};

peer_actor::behavior_type peer_impl(peer_actor::stateful_pointer<peer_state> self,
                                    peer_options opts);

} // namespace vigil::cluster
