#include "actors/node.hpp"

#include <algorithm>
#include <cstdio>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/router_actor.hpp"
#include "actors/shard_actor.hpp"

namespace vigil {

bool node_options::is_local(std::uint32_t id) const {
  return local_shards.empty() ||
         std::find(local_shards.begin(), local_shards.end(), id) != local_shards.end();
}

std::string node_options::shard_dir(std::uint32_t id) const {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "/shard-%03u", id);
  return data_dir + buf;
}

std::string node_options::cold_dir(std::uint32_t id) const {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "/shard-%03u", id);
  return cold.dir.empty() ? shard_dir(id) + "/cold" : cold.dir + buf;
}

namespace {

using node_ptr = node_actor::stateful_pointer<node_state>;

void broadcast(node_ptr self) {
  auto& st = self->state;
  ++st.table.epoch;
  if (st.router) self->send(st.router, atom::shards_v, st.table);
  if (st.queries) self->send(st.queries, atom::shards_v, st.table);
}

void spawn_shard(node_ptr self, std::uint32_t id) {
  const auto& o = self->state.opts;
  shard_actor_options so;
  so.id = id;
  so.store.dir = o.shard_dir(id);
  so.store.map_size = o.map_size;
  so.store.shard_count = o.shard_count;
  so.store.sync = o.sync;
  so.store.out_of_order_window_ms = o.out_of_order_window.count();
  // Series spread over shards by hash, unevenly for small counts: each shard
  // admits a quarter more than its even share, plus one.
  auto share = [&](std::uint64_t global) {
    return global == 0 ? 0 : (global * 5 / 4 + o.shard_count - 1) / o.shard_count + 1;
  };
  so.store.max_series_per_metric = share(o.max_series_per_metric);
  so.store.max_series_per_service = share(o.max_series_per_service);
  so.store.service_label = o.service_label;
  so.store.encryption = o.encryption;
  so.store.cold = o.cold;
  so.store.compact_min_bytes = o.compact_min_bytes;
  so.store.cold.dir = o.cold_dir(id);
  so.store.cold.alt_dir = o.shard_dir(id) + "/cold"; // where restores put segments
  so.sync_interval = o.sync_interval;
  so.retention = o.retention;
  so.retention_interval = o.retention_interval;
  so.slot = std::make_shared<store_slot>();
  shard_actor h = o.detached_shards ? self->spawn<caf::monitored + caf::detached>(shard_impl, so)
                                    : self->spawn<caf::monitored>(shard_impl, so);
  auto& table = self->state.table;
  table.shards[id] = h;
  table.readers.resize(table.shards.size());
  table.readers[id] = self->spawn(shard_reader_impl, so.slot, h); // linked to h
  table.local.resize(table.shards.size());
  table.local[id] = local_reader(so.slot);
}

void spawn_router(node_ptr self) {
  const auto& o = self->state.opts;
  router_options ro;
  ro.timeout = o.ingest_timeout;
  if (o.query.cache.max_bytes > 0)
    ro.backfill_horizon = std::chrono::milliseconds(o.query.cache.freshness);
  ro.backfill = caf::actor_cast<backfill_sink>(self);
  ro.now_unix_ms = o.query.now_unix_ms;
  self->state.router = self->spawn<caf::monitored>(router_impl, self->state.table, std::move(ro));
}

void spawn_queries(node_ptr self) {
  self->state.queries = self->spawn<caf::monitored>(query_service_impl, self->state.table,
                                                    self->state.opts.query);
}

void spawn_notifier(node_ptr self) {
  auto& st = self->state;
  auto no = st.opts.notify;
  if (no.dir.empty()) no.dir = st.opts.data_dir + "/notify";
  no.detached_channels = st.opts.detached_shards;
  // Detached like the shards: its outbox commits fsync.
  st.notifier = st.opts.detached_shards ? self->spawn<caf::monitored + caf::detached>(notifier_impl, no)
                                        : self->spawn<caf::monitored>(notifier_impl, no);
  if (st.rules) self->send(st.rules, atom::notify_v, st.notifier);
}

void spawn_rules(node_ptr self) {
  auto& st = self->state;
  auto ro = st.opts.rules;
  if (ro.dir.empty()) ro.dir = st.opts.data_dir + "/alerts";
  ro.router = st.router;
  ro.queries = st.queries;
  ro.notifier = st.notifier;
  // Detached like the shards: its LMDB commits fsync.
  st.rules = st.opts.detached_shards ? self->spawn<caf::monitored + caf::detached>(rules_supervisor_impl, ro)
                                     : self->spawn<caf::monitored>(rules_supervisor_impl, ro);
}

/// A child went down: respawn what is ours, forget what was a peer's.
void on_down(node_ptr self, const caf::down_msg& dm) {
  auto& st = self->state;
  if (st.router && dm.source == st.router.address()) {
    spawn_router(self);
    if (st.rules) self->send(st.rules, atom::write_v, st.router);
    return;
  }
  if (st.queries && dm.source == st.queries.address()) {
    spawn_queries(self);
    if (st.rules) self->send(st.rules, atom::query_v, st.queries);
    return;
  }
  if (st.rules && dm.source == st.rules.address()) return spawn_rules(self);
  if (st.notifier && dm.source == st.notifier.address()) return spawn_notifier(self);
  for (std::uint32_t id = 0; id < st.table.shards.size(); ++id) {
    auto& h = st.table.shards[id];
    if (!h || dm.source != h.address()) continue;
    h = nullptr;
    if (id < st.table.readers.size()) st.table.readers[id] = nullptr; // went down with it
    if (id < st.table.local.size()) st.table.local[id] = nullptr;
    broadcast(self);
    if (!st.opts.is_local(id)) return; // the peer actor reconnects
    auto delay = st.backoff[id];
    st.backoff[id] = std::min(delay * 2, defaults::respawn_max);
    std::fprintf(stderr, "vigil: shard %u went down (%s); respawning in %lld ms\n", id,
                 caf::to_string(dm.reason).c_str(), static_cast<long long>(delay.count()));
    self->delayed_send(self, delay, atom::tick_v, id);
    return;
  }
}

} // namespace

node_actor::behavior_type node_impl(node_ptr self, node_options opts) {
  auto& st = self->state;
  st.opts = std::move(opts);
  st.table.shards.resize(st.opts.shard_count);
  st.backoff.assign(st.opts.shard_count, defaults::respawn_min);
  for (std::uint32_t id = 0; id < st.opts.shard_count; ++id)
    if (st.opts.is_local(id)) spawn_shard(self, id);
  spawn_router(self);
  spawn_queries(self);
  spawn_notifier(self);
  spawn_rules(self);
  self->set_down_handler([=](caf::down_msg& dm) { on_down(self, dm); });
  // Shutdown: stop the children first (shards flush and close LMDB).
  self->set_exit_handler([=](caf::exit_msg& em) {
    auto& s = self->state;
    for (std::uint32_t id = 0; id < s.table.shards.size(); ++id)
      if (s.table.shards[id] && s.opts.is_local(id)) self->send_exit(s.table.shards[id], em.reason);
    if (s.router) self->send_exit(s.router, em.reason);
    if (s.queries) self->send_exit(s.queries, em.reason);
    if (s.rules) self->send_exit(s.rules, em.reason);
    if (s.notifier) self->send_exit(s.notifier, em.reason);
    self->quit(em.reason);
  });
  return {
    [=](atom::get, atom::shards) { return self->state.table; },
    [=](atom::get, atom::peer) {
      shard_table served = self->state.table;
      for (std::uint32_t id = 0; id < served.shards.size(); ++id)
        if (!self->state.opts.is_local(id)) served.shards[id] = nullptr;
      served.readers.clear(); // a peer reads through the shard handles
      served.local.clear();
      return served;
    },
    [=](atom::get, atom::write) { return self->state.router; },
    [=](atom::get, atom::query) { return self->state.queries; },
    [=](atom::peer, const shard_table& remote) {
      auto& table = self->state.table;
      for (std::uint32_t id = 0; id < remote.shards.size() && id < table.shards.size(); ++id) {
        if (!remote.shards[id] || self->state.opts.is_local(id)) continue;
        table.shards[id] = remote.shards[id];
        if (id < table.readers.size()) table.readers[id] = nullptr;
        if (id < table.local.size()) table.local[id] = nullptr;
        self->monitor(remote.shards[id]);
      }
      broadcast(self);
    },
    [=](atom::status) {
      const auto& s = self->state.table.shards;
      return std::all_of(s.begin(), s.end(), [](const shard_actor& h) { return bool(h); });
    },
    [=](atom::tick, std::uint32_t id) {
      if (self->state.table.shards[id]) return;
      spawn_shard(self, id);
      broadcast(self);
    },
    [=](atom::invalidate, std::int64_t from) -> caf::result<bool> {
      if (!self->state.queries) return true;
      return self->delegate(self->state.queries, atom::invalidate_v, from);
    },
    [=](atom::get, atom::rules) { return self->state.rules; },
    [=](atom::get, atom::notify) { return self->state.notifier; },
  };
}

} // namespace vigil
