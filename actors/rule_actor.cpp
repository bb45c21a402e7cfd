#include "actors/rule_actor.hpp"

#include <cstdio>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/errors.hpp"

namespace vigil {

namespace {

using rule_ptr = rule_group_actor::stateful_pointer<rule_actor_state>;

timestamp_ms now_of(rule_ptr self) { return self->state.opts.now_unix_ms(); }

double seconds_since(rule_ptr self, timestamp_ms start) {
  return static_cast<double>(now_of(self) - start) / 1000.0;
}

void arm_timer(rule_ptr self) {
  auto delay = std::max<timestamp_ms>(0, self->state.round - now_of(self));
  self->delayed_send(self, std::chrono::milliseconds(delay), atom::tick_v);
}

std::vector<std::pair<std::string, std::string>> pairs_of(const labels& l) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& p : l) out.emplace_back(p.name, p.value);
  return out;
}

/// Snapshots of the alerting rules evaluated successfully in this round.
std::vector<messages::alert_snapshot> snapshots_of(const alert::group_state& g, const alert::group_view& st,
                                                   timestamp_ms round) {
  std::vector<messages::alert_snapshot> out;
  for (std::size_t i = 0; i < st.rules.size(); ++i) {
    const auto& v = st.rules[i];
    if (!g.group().rules[i].is_alert() || v.health != alert::rule_health::ok || v.last_evaluation != round)
      continue;
    out.push_back(make_snapshot(g.group().name, g.group().rules[i].name(), round, v));
  }
  return out;
}

void write_series(rule_ptr self, write_batch batch, std::function<void()> next) {
  if (batch.items.empty() || !self->state.router) return next();
  self->request(self->state.router, self->state.opts.write_timeout, atom::write_v,
                messages::ingest_request{std::move(batch)})
    .then([=](const messages::ingest_ack&) { next(); },
          [=](caf::error& err) {
            std::fprintf(stderr, "vigil: rule group %s: writing series failed: %s\n",
                         self->state.group->group().name.c_str(), to_status(err).to_string().c_str());
            next();
          });
}

void end_round(rule_ptr self) {
  auto& st = self->state;
  const auto round = st.round;
  write_series(self, st.group->alert_series(round), [=] {
    auto& s = self->state;
    auto next = s.group->finish_round(round, seconds_since(self, s.round_started), now_of(self));
    messages::group_report rep{s.group->group().name, s.group->states(), s.group->status(), {}};
    rep.snapshots = snapshots_of(*s.group, rep.status, round);
    self->send(s.supervisor, atom::alerts_v, std::move(rep));
    s.round = next;
    arm_timer(self);
  });
}

void eval_rule(rule_ptr self, std::size_t i);

void on_result(rule_ptr self, std::size_t i, const result<query::query_result>& r) {
  auto& st = self->state;
  auto out = st.group->apply(i, st.round, r, seconds_since(self, st.rule_started));
  write_series(self, std::move(out), [=] { eval_rule(self, i + 1); });
}

void eval_rule(rule_ptr self, std::size_t i) {
  auto& st = self->state;
  if (i == st.group->group().rules.size()) return end_round(self);
  st.rule_started = now_of(self);
  if (!st.queries) return on_result(self, i, unavailable("query service unavailable"));
  messages::query_request q{st.group->group().rules[i].expr(), st.round, st.round, 0,
                            st.opts.eval_timeout.count(), false, false};
  self->request(st.queries, st.opts.eval_timeout + defaults::query_grace, atom::query_v, std::move(q))
    .then([=](messages::query_answer& a) { on_result(self, i, std::move(a.value)); },
          [=](caf::error& err) { on_result(self, i, to_status(err)); });
}

} // namespace

messages::alert_snapshot make_snapshot(const std::string& group, const std::string& rule, timestamp_ms at,
                                       const alert::rule_view& view) {
  messages::alert_snapshot snap{group, rule, at, {}};
  for (const auto& av : view.alerts) {
    const auto& a = av.instance;
    const bool resolved = a.state == alert::alert_state::inactive && a.resolved_at != 0;
    if (a.state != alert::alert_state::firing && !resolved) continue;
    messages::wire_alert w;
    w.labels = pairs_of(a.lbls);
    w.annotations = av.annotations;
    w.firing = !resolved;
    w.starts_at = a.fired_at;
    w.ends_at = resolved ? a.resolved_at : 0;
    w.value = a.value;
    snap.alerts.push_back(std::move(w));
  }
  return snap;
}

rule_group_actor::behavior_type rule_actor_impl(rule_ptr self, rule_group_init init) {
  auto& st = self->state;
  st.opts = std::move(init.opts);
  st.supervisor = std::move(init.supervisor);
  st.router = std::move(init.router);
  st.queries = std::move(init.queries);
  st.group.emplace(std::move(init.group), init.restored, st.opts.max_catch_up);
  st.round = st.group->first_round(now_of(self));
  arm_timer(self);
  // Not linked (a killed group must not take its supervisor along), but a
  // group never outlives its supervisor: a new one starts its own groups.
  self->monitor(st.supervisor);
  self->set_down_handler([=](caf::down_msg& dm) { self->quit(dm.reason); });
  return {
    [=](atom::tick) {
      self->state.round_started = now_of(self);
      eval_rule(self, 0);
    },
    [=](atom::write, router_actor r) { self->state.router = std::move(r); },
    [=](atom::query, query_service_actor q) { self->state.queries = std::move(q); },
  };
}

} // namespace vigil
