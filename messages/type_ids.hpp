// messages/type_ids.hpp - the first CAF type-ID block of vigil: atoms and
// message structs. Chained by actors/type_ids.hpp (actor handles), which
// starts at this block's end. Registered once, in cli/config.
//
// Rule: append only. Type IDs are how nodes agree on message types, so a node
// with a reordered block cannot talk to one with the old order.
#pragma once

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/type_id.hpp>

#include "messages/ingest.hpp"
#include "messages/query.hpp"
#include "messages/alert.hpp"
#include "messages/shard_read.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(vigil_messages, caf::first_custom_type_id)

  CAF_ADD_TYPE_ID(vigil_messages, (vigil::messages::series_payload))
  CAF_ADD_TYPE_ID(vigil_messages, (vigil::messages::ingest_ack))
  CAF_ADD_TYPE_ID(vigil_messages, (vigil::messages::select_request))
  CAF_ADD_TYPE_ID(vigil_messages, (vigil::messages::query_request))
  CAF_ADD_TYPE_ID(vigil_messages, (vigil::messages::string_list))
  CAF_ADD_TYPE_ID(vigil_messages, (vigil::messages::shard_stats_msg))

  // Atoms (CAF 0.17: at most 10 characters; they use no type ID).
  CAF_ADD_ATOM(vigil_messages, vigil::atom, write, "write")
  CAF_ADD_ATOM(vigil_messages, vigil::atom, select, "select")
  CAF_ADD_ATOM(vigil_messages, vigil::atom, series, "series")
  CAF_ADD_ATOM(vigil_messages, vigil::atom, label_names, "lnames")
  CAF_ADD_ATOM(vigil_messages, vigil::atom, label_values, "lvalues")
  CAF_ADD_ATOM(vigil_messages, vigil::atom, stats, "stats")
  CAF_ADD_ATOM(vigil_messages, vigil::atom, query, "query")
  CAF_ADD_ATOM(vigil_messages, vigil::atom, shards, "shards")
  CAF_ADD_ATOM(vigil_messages, vigil::atom, get, "get")
  CAF_ADD_ATOM(vigil_messages, vigil::atom, sync, "sync")
  CAF_ADD_ATOM(vigil_messages, vigil::atom, tick, "tick")
  CAF_ADD_ATOM(vigil_messages, vigil::atom, status, "status")
  CAF_ADD_ATOM(vigil_messages, vigil::atom, connect, "connect")
  CAF_ADD_ATOM(vigil_messages, vigil::atom, peer, "peer")

  // Query pushdown and the results cache. (partial_request's type ID is
  // appended to the last block, actors/type_ids.hpp, so no ID moves.)
  CAF_ADD_ATOM(vigil_messages, vigil::atom, eval, "eval")
  CAF_ADD_ATOM(vigil_messages, vigil::atom, invalidate, "invalidate")
  CAF_ADD_ATOM(vigil_messages, vigil::atom, alerts, "alerts")
  CAF_ADD_ATOM(vigil_messages, vigil::atom, rules, "rules")
  CAF_ADD_ATOM(vigil_messages, vigil::atom, silences, "silences")
  CAF_ADD_ATOM(vigil_messages, vigil::atom, notify, "notify")
  // One query's reads from one shard in one message (messages/shard_read).
  CAF_ADD_ATOM(vigil_messages, vigil::atom, read, "read")
  // Downsampling steps (store::shard::rollup_step).
  CAF_ADD_ATOM(vigil_messages, vigil::atom, rollup, "rollup")
  // Cold-tier move steps (store::shard::cold_step).
  CAF_ADD_ATOM(vigil_messages, vigil::atom, cold, "cold")

CAF_END_TYPE_ID_BLOCK(vigil_messages)

// Local-only messages (never cross a process boundary; no inspect()).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vigil::messages::ingest_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vigil::messages::query_answer)
