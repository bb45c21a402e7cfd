#include "actors/notifier_actor.hpp"

#include <cstdio>
#include <random>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/errors.hpp"

namespace vigil {

namespace {

using notifier_ptr = notifier_actor::stateful_pointer<notifier_state>;

std::vector<alert::notified_alert> convert(const messages::alert_snapshot& s) {
  std::vector<alert::notified_alert> out;
  out.reserve(s.alerts.size());
  for (const auto& w : s.alerts) {
    std::vector<label> pairs;
    for (const auto& [k, v] : w.labels) pairs.push_back({k, v});
    out.push_back({labels(std::move(pairs)), w.annotations, w.firing, w.starts_at, w.ends_at, w.value});
  }
  return out;
}

void spawn_channel(notifier_ptr self, const alert::channel_config& c) {
  const auto& o = self->state.opts;
  std::shared_ptr<alert::sink> sink = o.make_sink ? o.make_sink(c) : alert::make_sink(c, o.config.external_url);
  alert::circuit_breaker breaker(o.config.breaker_failures, o.config.breaker_open);
  self->state.channels[c.name] =
    o.detached_channels ? self->spawn<caf::linked + caf::detached>(channel_impl, sink, c.name, breaker)
                        : self->spawn<caf::linked>(channel_impl, sink, c.name, breaker);
}

void report_errors(notifier_ptr self) {
  if (auto e = self->state.engine->take_error(); !e.empty())
    std::fprintf(stderr, "vigil: notifier outbox: %s\n", e.c_str());
}

/// Arms the self-timer at the engine's next wake unless one fires earlier.
void arm(notifier_ptr self) {
  auto& st = self->state;
  auto wake = st.engine->next_wake();
  if (wake == INT64_MAX || wake >= st.armed_at) return;
  st.armed_at = wake;
  auto delay = std::max<std::int64_t>(0, wake - st.opts.clock());
  self->delayed_send(self, std::chrono::milliseconds(delay), atom::tick_v);
}

void finish(notifier_ptr self, std::uint64_t id, const std::string& channel, const alert::delivery_result& r) {
  auto& st = self->state;
  if (r.outcome != alert::delivery_outcome::ok)
    std::fprintf(stderr, "vigil: delivery to %s failed: %s\n", channel.c_str(), r.message.c_str());
  st.engine->on_result(id, r, st.opts.clock());
  report_errors(self);
  arm(self);
}

/// Hands one due entry to its channel; a timeout or a dead channel is a
/// retryable failure.
void deliver(notifier_ptr self, alert::outbox_entry e) {
  auto& st = self->state;
  auto ch = st.channels.find(e.channel);
  auto cfg = st.opts.config.channels.find(e.channel);
  if (ch == st.channels.end() || cfg == st.opts.config.channels.end())
    return finish(self, e.id, e.channel, {alert::delivery_outcome::permanent, "unknown channel " + e.channel});
  const auto& c = cfg->second;
  auto timeout = std::chrono::milliseconds(c.type == alert::channel_type::email ? c.smtp.timeout : c.http.timeout) +
                 st.opts.delivery_grace;
  auto id = e.id;
  auto name = e.channel;
  self->request(ch->second, timeout, atom::notify_v, delivery_job{id, std::move(e.n), st.opts.clock()})
    .then([=](alert::delivery_result& r) { finish(self, id, name, r); },
          [=](caf::error& err) {
            finish(self, id, name, {alert::delivery_outcome::retryable, self->system().render(err)});
          });
}

void on_tick(notifier_ptr self) {
  auto& st = self->state;
  st.armed_at = INT64_MAX; // the timer that fired; a stale one only ticks once more
  for (auto& e : st.engine->tick(st.opts.clock())) deliver(self, std::move(e));
  report_errors(self);
  arm(self);
}

void start(notifier_ptr self) {
  auto& st = self->state;
  auto seed = st.opts.seed != 0 ? st.opts.seed : std::random_device{}();
  auto engine = alert::notify_engine::open(st.opts.config, st.opts.dir, seed);
  if (!engine) {
    st.open_error = "notification outbox " + st.opts.dir + ": " + engine.error().message();
    std::fprintf(stderr, "vigil: %s (notifications are off)\n", st.open_error.c_str());
    return;
  }
  st.engine.emplace(std::move(*engine));
  for (const auto& [name, c] : st.opts.config.channels) spawn_channel(self, c);
  if (st.engine->pending() > 0)
    std::fprintf(stderr, "vigil: notifier: resending %zu pending notifications\n", st.engine->pending());
  arm(self);
}

} // namespace

notifier_actor::behavior_type notifier_impl(notifier_ptr self, notifier_options opts) {
  self->state.opts = std::move(opts);
  start(self);
  // Channels are linked: they end with the notifier; a channel that dies
  // alone is respawned (its in-flight delivery fails and is retried).
  self->set_exit_handler([=](caf::exit_msg& em) {
    for (const auto& [name, h] : self->state.channels)
      if (h.address() == em.source) return spawn_channel(self, self->state.opts.config.channels.at(name));
    self->quit(em.reason);
  });
  auto unavailable_error = [=] { return to_error(unavailable(self->state.open_error)); };
  return {
    [=](atom::alerts, const messages::alert_snapshot& s) {
      if (!self->state.engine) return;
      self->state.engine->on_snapshot(s.group + "/" + s.rule, convert(s), self->state.opts.clock());
      arm(self);
    },
    [=](atom::tick) {
      if (self->state.engine) on_tick(self);
    },
    [=](atom::silences, atom::write, alert::silence s) -> caf::result<std::string> {
      if (!self->state.engine) return unavailable_error();
      auto id = self->state.engine->add_silence(std::move(s), self->state.opts.clock());
      if (!id) return to_error(id.error());
      arm(self);
      return *id;
    },
    [=](atom::silences, atom::get) -> caf::result<silence_list> {
      if (!self->state.engine) return unavailable_error();
      return silence_list{self->state.engine->silences()};
    },
    [=](atom::silences, atom::invalidate, const std::string& id) -> caf::result<bool> {
      if (!self->state.engine) return unavailable_error();
      auto st = self->state.engine->expire_silence(id, self->state.opts.clock());
      if (!st) return to_error(st);
      arm(self);
      return true;
    },
    [=](atom::stats, atom::notify) -> caf::result<alert::notify_stats> {
      if (!self->state.engine) return unavailable_error();
      return self->state.engine->stats();
    },
  };
}

} // namespace vigil
