#include "actors/rules_supervisor.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/errors.hpp"
#include "alert/rule_source.hpp"
#include "alert/rules_parser.hpp"

namespace vigil {

namespace {

void warn(const std::string& what, const status& st) {
  std::fprintf(stderr, "vigil: rules: %s: %s\n", what.c_str(), st.to_string().c_str());
}

/// What the API shows for a group before its first round: restored alerts.
alert::group_view initial_status(const alert::rule_group& g,
                                   const std::map<alert::rule_key, alert::rule_state>& st) {
  return alert::group_state(g, st, 0).status();
}

result<std::vector<alert::stored_group>> read_rule_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return io_error("cannot read rule file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  auto gs = alert::split_rule_file(ss.str());
  if (!gs) return invalid_argument(path + ": " + gs.error().message());
  return gs;
}

} // namespace

void rules_supervisor_state::load() {
  auto s = alert::rule_store::open(opts.dir, opts.fsync);
  if (!s) {
    store_error = s.error();
    return warn("cannot open the rule store in " + opts.dir, store_error);
  }
  store = std::move(*s);
  auto stored = store.groups();
  if (!stored) warn("cannot read stored rule groups", stored.error());
  for (auto& g : stored ? *stored : std::vector<alert::stored_group>{}) {
    auto name = g.group.name;
    groups[name] = {std::move(g), false, rule_group_actor{}, {}};
  }
  for (const auto& path : opts.files) {
    auto gs = read_rule_file(path);
    if (!gs) {
      warn("rule file skipped", gs.error());
      continue;
    }
    for (auto& g : *gs) {
      g.source = path;
      auto name = g.group.name;
      groups[name] = {std::move(g), true, rule_group_actor{}, {}};
    }
  }
  for (auto& [name, e] : groups) e.status = initial_status(e.def.group, restored(name));
}

status rules_supervisor_state::put(const std::vector<alert::stored_group>& gs) {
  if (!store_error.is_ok()) return store_error;
  for (const auto& g : gs) {
    VIGIL_TRY(alert::validate_group(g.group));
    auto it = groups.find(g.group.name);
    if (it != groups.end() && it->second.from_file)
      return invalid_argument("rule group \"" + g.group.name + "\" is managed by rule file " +
                              it->second.def.source);
  }
  for (const auto& g : gs) {
    VIGIL_TRY(store.put_group(g));
    auto& e = groups[g.group.name];
    e.def = g;
    e.status = initial_status(g.group, restored(g.group.name));
  }
  return status::ok();
}

status rules_supervisor_state::remove(const std::string& name) {
  if (!store_error.is_ok()) return store_error;
  auto it = groups.find(name);
  if (it == groups.end()) return not_found("no rule group named \"" + name + "\"");
  if (it->second.from_file)
    return invalid_argument("rule group \"" + name + "\" is managed by rule file " + it->second.def.source);
  VIGIL_TRY(store.delete_group(name));
  groups.erase(it);
  return status::ok();
}

status rules_supervisor_state::record(const messages::group_report& rep) {
  auto it = groups.find(rep.group);
  if (it == groups.end()) return not_found("report of unknown rule group \"" + rep.group + "\"");
  it->second.status = rep.status;
  if (!store_error.is_ok()) return store_error;
  return store.put_states(rep.group, rep.states);
}

std::map<alert::rule_key, alert::rule_state> rules_supervisor_state::restored(const std::string& name) const {
  if (!store_error.is_ok()) return {};
  auto st = store.states(name);
  if (!st) {
    warn("cannot read the state of group " + name + " (starting fresh)", st.error());
    return {};
  }
  return std::move(*st);
}

messages::rules_snapshot rules_supervisor_state::snapshot() const {
  messages::rules_snapshot out;
  for (const auto& [name, e] : groups) out.groups.push_back({e.def, e.status, e.from_file, e.actor ? e.actor.address() : caf::actor_addr{}});
  return out;
}

namespace {

using sup_ptr = rules_supervisor_actor::stateful_pointer<rules_supervisor_state>;

void start_group(sup_ptr self, const std::string& name) {
  auto& st = self->state;
  auto& e = st.groups.at(name);
  rule_group_init init{e.def.group, st.restored(name), caf::actor_cast<rules_supervisor_actor>(self),
                       st.opts.router, st.opts.queries, st.opts.group};
  e.actor = self->spawn<caf::monitored>(rule_actor_impl, std::move(init));
}

void stop_group(sup_ptr self, rule_group_actor& h) {
  if (!h) return;
  self->demonitor(h.address());
  self->send_exit(h, caf::exit_reason::user_shutdown);
  h = nullptr;
}

/// A group actor went down unasked: respawn it after a pause.
void on_down(sup_ptr self, const caf::down_msg& dm) {
  for (auto& [name, e] : self->state.groups) {
    if (!e.actor || e.actor.address() != dm.source) continue;
    std::fprintf(stderr, "vigil: rule group %s went down (%s); respawning\n", name.c_str(),
                 caf::to_string(dm.reason).c_str());
    e.actor = nullptr;
    self->delayed_send(self, self->state.opts.respawn, atom::tick_v, name);
    return;
  }
}

template <class F>
void for_each_actor(sup_ptr self, F f) {
  for (auto& [name, e] : self->state.groups)
    if (e.actor) f(e.actor);
}

caf::result<void> put(sup_ptr self, const messages::rules_put& req) {
  for (const auto& g : req.groups) {
    auto it = self->state.groups.find(g.group.name);
    if (it != self->state.groups.end()) stop_group(self, it->second.actor);
  }
  auto st = self->state.put(req.groups);
  for (auto& [name, e] : self->state.groups) // restart what was stopped (on failure too)
    if (!e.actor) start_group(self, name);
  if (!st) return to_error(st);
  return caf::unit;
}

caf::result<void> remove(sup_ptr self, const std::string& name) {
  auto it = self->state.groups.find(name);
  if (it != self->state.groups.end() && !it->second.from_file) stop_group(self, it->second.actor);
  if (auto st = self->state.remove(name); !st) {
    if (it != self->state.groups.end() && !it->second.actor) start_group(self, name);
    return to_error(st);
  }
  return caf::unit;
}

void forward(sup_ptr self, messages::group_report& rep) {
  if (auto st = self->state.record(rep); !st) warn("cannot persist group " + rep.group, st);
  if (!self->state.opts.notifier) return;
  for (auto& s : rep.snapshots) self->send(self->state.opts.notifier, atom::alerts_v, std::move(s));
}

} // namespace

rules_supervisor_actor::behavior_type rules_supervisor_impl(sup_ptr self, rules_options opts) {
  self->state.opts = std::move(opts);
  self->state.load();
  for (const auto& [name, e] : self->state.groups) start_group(self, name);
  self->set_down_handler([=](caf::down_msg& dm) { on_down(self, dm); });
  self->set_exit_handler([=](caf::exit_msg& em) {
    for_each_actor(self, [=](rule_group_actor& h) { stop_group(self, h); });
    self->quit(em.reason);
  });
  return {
    [=](atom::rules, const messages::rules_put& req) { return put(self, req); },
    [=](atom::rules, const messages::rules_delete& req) { return remove(self, req.group); },
    [=](atom::get, atom::rules) { return self->state.snapshot(); },
    [=](atom::alerts, messages::group_report& rep) { forward(self, rep); },
    [=](atom::write, router_actor r) {
      self->state.opts.router = r;
      for_each_actor(self, [=](rule_group_actor& h) { self->send(h, atom::write_v, r); });
    },
    [=](atom::query, query_service_actor q) {
      self->state.opts.queries = q;
      for_each_actor(self, [=](rule_group_actor& h) { self->send(h, atom::query_v, q); });
    },
    [=](atom::notify, notifier_actor n) { self->state.opts.notifier = std::move(n); },
    [=](atom::tick, const std::string& name) {
      auto it = self->state.groups.find(name);
      if (it != self->state.groups.end() && !it->second.actor) start_group(self, name);
    },
  };
}

} // namespace vigil
