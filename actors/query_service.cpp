// The query service: admits queries (concurrency limit + bounded wait line),
// answers range queries from the results cache where it can, spawns one
// monitored query actor per (sub-)query, tells query actors when their
// deadline passed (one timer for all), and fans metadata requests out to the
// shards.
#include <algorithm>
#include <memory>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/errors.hpp"
#include "actors/query_actor.hpp"
#include "messages/series_codec.hpp"

namespace vigil {
namespace {

using messages::query_answer;
using sptr = query_service_actor::stateful_pointer<query_service_state>;
using answer_or_error = result<query_answer>;

std::chrono::milliseconds budget_of(const query_settings& s, const messages::query_request& r) {
  return r.timeout_ms > 0 ? std::chrono::milliseconds(r.timeout_ms) : s.timeout;
}

void deliver(pending_query& pq, answer_or_error r, double queued) {
  if (!r) {
    pq.promise.deliver(to_error(r.error()));
    return;
  }
  r->stats.queue_seconds = queued;
  pq.promise.deliver(std::move(*r));
}

void on_done(sptr self);

/// Tells the HTTP threads' shortcut whether queries wait or every slot is
/// taken (it then leaves instant queries to the service).
void publish_load(sptr self) {
  auto& s = self->state;
  if (!s.settings.shortcut) return;
  s.settings.shortcut->set_saturated(s.admission.waiting() > 0 ||
                                     s.admission.running() >= std::max<std::size_t>(s.settings.max_concurrency, 1));
}

/// Arms the deadline sweep for the earliest deadline of a running query,
/// unless a sweep at or before it is armed already.
void arm_sweep(sptr self) {
  auto& s = self->state;
  if (s.deadlines.empty()) return;
  auto at = s.deadlines.begin()->first;
  if (s.sweep_at && *s.sweep_at <= at) return;
  s.sweep_at = at;
  self->delayed_send(self, std::max(at - self->clock().now(), caf::actor_clock::duration_type::zero()), atom::tick_v);
}

/// The sweep timer fired: tells each query actor past its deadline.
void sweep(sptr self) {
  auto& s = self->state;
  s.sweep_at.reset();
  auto now = self->clock().now();
  while (!s.deadlines.empty() && s.deadlines.begin()->first <= now) {
    auto it = s.running.find(s.deadlines.begin()->second);
    s.deadlines.erase(s.deadlines.begin());
    if (it == s.running.end()) continue;
    it->second.deadline = s.deadlines.end();
    self->send(it->second.handle, atom::tick_v);
  }
  arm_sweep(self);
}

/// Spawns a monitored query actor for `req` (with `queued` seconds in line
/// behind it) and registers its deadline.
query_actor spawn_query(sptr self, const messages::query_request& req, double queued, bool delegated,
                        std::function<void(answer_or_error)> on_failure = {}) {
  auto& s = self->state;
  auto q = self->spawn<caf::monitored>(query_impl, s.table, s.settings, queued);
  auto at = self->clock().now() + budget_of(s.settings, req);
  auto dl = s.deadlines.emplace(at, q->id());
  s.running.emplace(q->id(), running_query{q, delegated, std::move(on_failure), dl});
  arm_sweep(self);
  return q;
}

/// A query actor ended: forget it. One that ended abnormally (an exception)
/// before its awaited answer fails that answer.
void on_query_down(sptr self, const caf::down_msg& dm) {
  auto& s = self->state;
  auto it = s.running.find(dm.source.id());
  if (it == s.running.end()) return;
  auto r = std::move(it->second);
  s.running.erase(it);
  if (r.deadline != s.deadlines.end()) s.deadlines.erase(r.deadline);
  if (r.delegated) return on_done(self); // its answer went out directly
  if (r.on_failure && dm.reason != caf::exit_reason::normal)
    r.on_failure(status{errc::unavailable, "query actor failed: " + caf::to_string(dm.reason)});
}

/// Runs one (sub-)query in a fresh query actor; `done` gets its answer.
template <class Done>
void run_one(sptr self, const messages::query_request& req, Done done) {
  auto cb = std::make_shared<Done>(std::move(done)); // shared by the reply handlers and the down handler
  auto q = spawn_query(self, req, 0, false, [=](answer_or_error r) { (*cb)(std::move(r)); });
  self->request(q, caf::infinite, atom::query_v, req)
    .then(
      [=](query_answer& a) mutable {
        if (auto it = self->state.running.find(q->id()); it != self->state.running.end())
          it->second.on_failure = nullptr; // answered: its end no longer matters
        (*cb)(answer_or_error{std::move(a)});
      },
      [=](caf::error& e) mutable {
        if (auto it = self->state.running.find(q->id()); it != self->state.running.end())
          it->second.on_failure = nullptr;
        (*cb)(answer_or_error{to_status(e)});
      });
}

void launch(sptr self, pending_query pq);

/// A running query is done: start the oldest waiting one, if any.
void on_done(sptr self) {
  auto& s = self->state;
  auto next = s.admission.finish();
  if (!next) return publish_load(self);
  auto it = s.waiting.find(*next);
  if (it == s.waiting.end()) return on_done(self);
  auto pq = std::move(it->second);
  s.waiting.erase(it);
  launch(self, std::move(pq));
  publish_load(self);
}

/// Computes the gaps of a cached range query and joins them with the cached
/// spans; stores what the gaps add (complete answers only).
void run_cached(sptr self, pending_query pq, std::string key, double queued) {
  auto& s = self->state;
  const auto& rq = pq.request;
  query::query_params p{rq.start, rq.end, rq.step};
  struct gather {
    query::results_cache::plan_t plan;
    std::vector<std::vector<series>> parts;
    std::vector<std::string> warnings;
    std::size_t pending = 0;
    bool failed = false;
  };
  auto g = std::make_shared<gather>();
  const auto memo_generation = s.settings.memo ? s.settings.memo->generation() : 0;
  g->plan = s.cache.plan(key, p);
  auto finish = [=]() mutable {
    query_answer a;
    a.value.type = query::value_type::matrix;
    a.value.items = query::results_cache::assemble(g->plan, std::move(g->parts));
    a.value.warnings = std::move(g->warnings);
    auto& st = self->state;
    // A complete answer whose every step the cache keeps: render it here and
    // keep the bytes for identical requests (query/response_memo.hpp).
    if (st.settings.memo && rq.render && !rq.want_stats && a.value.warnings.empty() &&
        rq.end < st.settings.now_unix_ms() - st.settings.cache.freshness) {
      a.rendered = (*rq.render)(a);
      st.settings.memo->put(query::response_memo::key(rq.promql, rq.start, rq.end, rq.step), rq.end,
                            std::make_shared<const std::string>(a.rendered), memo_generation);
    }
    deliver(pq, std::move(a), queued);
    on_done(self);
  };
  for (const auto& pc : g->plan.pieces)
    if (!pc.items) ++g->pending;
  g->parts.resize(g->pending);
  if (g->pending == 0) return finish();
  std::size_t k = 0;
  for (const auto& pc : g->plan.pieces) {
    if (pc.items) continue;
    auto sub = rq;
    sub.start = pc.start;
    sub.end = pc.end;
    sub.render = nullptr; // pieces are joined here; the whole answer is rendered by the frontend
    sub.reply = nullptr;
    run_one(self, sub, [=, k = k++](answer_or_error r) mutable {
      if (g->failed) return;
      if (!r) {
        g->failed = true;
        deliver(pq, std::move(r), queued);
        return on_done(self);
      }
      auto& st = self->state;
      if (r->value.warnings.empty())
        st.cache.store(key, {sub.start, sub.end, sub.step}, r->value.items, st.settings.now_unix_ms(),
                       g->plan.generation);
      g->parts[k] = std::move(r->value.items);
      g->warnings.insert(g->warnings.end(), r->value.warnings.begin(), r->value.warnings.end());
      if (--g->pending == 0) finish();
    });
  }
}

/// Starts an admitted query with what is left of its budget.
void launch(sptr self, pending_query pq) {
  auto& s = self->state;
  auto queued = std::chrono::duration_cast<std::chrono::milliseconds>(self->clock().now() - pq.arrived);
  auto left = budget_of(s.settings, pq.request) - queued;
  double queued_s = std::chrono::duration<double>(queued).count();
  if (left.count() <= 0) {
    deliver(pq, status{errc::timeout, "query timed out in queue"}, queued_s);
    return on_done(self);
  }
  pq.request.timeout_ms = left.count();
  if (s.cache.enabled() && !pq.request.no_cache)
    if (auto key = query::cache_key(pq.request.promql, {pq.request.start, pq.request.end, pq.request.step},
                                    s.settings.eval))
      return run_cached(self, std::move(pq), std::move(*key), queued_s);
  // The query actor answers the client directly; its end frees the slot.
  auto q = spawn_query(self, pq.request, queued_s, true);
  pq.promise.delegate(q, atom::query_v, std::move(pq.request));
}

caf::result<query_answer> arrive(sptr self, messages::query_request req) {
  auto& s = self->state;
  auto id = s.next_id++;
  pending_query pq{std::move(req), self->make_response_promise<query_answer>(), self->clock().now()};
  auto promise = pq.promise;
  switch (s.admission.arrive(id)) {
    case query::admission::decision::run:
      launch(self, std::move(pq));
      break;
    case query::admission::decision::wait:
      self->delayed_send(self, budget_of(s.settings, pq.request), atom::tick_v, id);
      s.waiting.emplace(id, std::move(pq));
      break;
    case query::admission::decision::reject:
      promise.deliver(to_error(unavailable("too many queued queries (" + std::to_string(s.admission.running()) +
                                           " running, " + std::to_string(s.admission.waiting()) + " waiting)")));
      break;
  }
  publish_load(self);
  return promise;
}

/// A waiting query's deadline passed before it could start.
void expire(sptr self, std::uint64_t id) {
  auto& s = self->state;
  if (!s.admission.drop(id)) return; // running or answered already
  auto it = s.waiting.find(id);
  if (it == s.waiting.end()) return;
  it->second.promise.deliver(to_error({errc::timeout, "query timed out in queue (" +
                                                        std::to_string(s.admission.running()) + " running)"}));
  s.waiting.erase(it);
  publish_load(self);
}

std::string shard_error(std::uint32_t i, const caf::error& err) {
  auto st = to_status(err);
  if (st.code() == errc::timeout) return "shard " + std::to_string(i) + " did not answer in time";
  return "shard " + std::to_string(i) + " failed: " + st.message();
}

/// Sends `make(shard)` to every shard and merges the answers with `merge`
/// into `Reply`; fails naming the first shard that fails.
template <class Reply, class Send, class Merge>
caf::result<Reply> fan_out(sptr self, Send send, Merge merge) {
  struct gather {
    caf::typed_response_promise<Reply> promise;
    std::vector<Reply> parts;
    std::size_t pending = 0;
    bool done = false;
  };
  const auto& table = self->state.table;
  auto timeout = self->state.settings.metadata_timeout;
  auto g = std::make_shared<gather>();
  g->promise = self->template make_response_promise<Reply>();
  for (std::uint32_t j = 0; j < table.shards.size(); ++j)
    if (!table.shards[j]) {
      g->promise.deliver(to_error(unavailable("shard " + std::to_string(j) + " is unavailable")));
      return g->promise;
    }
  g->pending = table.shards.size();
  for (std::uint32_t j = 0; j < table.shards.size(); ++j) {
    send(table.reader(j), timeout)
      .then(
        [=](Reply& r) {
          if (g->done) return;
          g->parts.push_back(std::move(r));
          if (--g->pending == 0) {
            g->done = true;
            g->promise.deliver(merge(std::move(g->parts)));
          }
        },
        [=](caf::error& err) {
          if (g->done) return;
          g->done = true;
          g->promise.deliver(to_error({errc::unavailable, shard_error(j, err)}));
        });
  }
  if (g->pending == 0) g->promise.deliver(merge({}));
  return g->promise;
}

messages::string_list merge_strings(std::vector<messages::string_list> parts) {
  messages::string_list out;
  for (auto& p : parts) std::move(p.items.begin(), p.items.end(), std::back_inserter(out.items));
  std::sort(out.items.begin(), out.items.end());
  out.items.erase(std::unique(out.items.begin(), out.items.end()), out.items.end());
  return out;
}

messages::series_payload merge_series(std::vector<messages::series_payload> parts) {
  std::vector<series> all;
  for (auto& p : parts)
    if (auto got = messages::decode_series_set(p.bytes)) std::move(got->begin(), got->end(), std::back_inserter(all));
  std::sort(all.begin(), all.end(), [](const series& a, const series& b) { return a.lbls < b.lbls; });
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return {messages::encode_series_set(all)};
}

} // namespace

query_service_actor::behavior_type query_service_impl(sptr self, shard_table table, query_settings settings) {
  auto& s = self->state;
  s.table = std::move(table);
  s.admission = query::admission(std::max<std::size_t>(settings.max_concurrency, 1), settings.max_queued);
  s.cache = query::results_cache(settings.cache);
  s.settings = std::move(settings);
  if (s.settings.shortcut) {
    s.settings.shortcut->publish(s.table, s.settings);
    publish_load(self);
  }
  self->set_down_handler([=](caf::down_msg& dm) { on_query_down(self, dm); });
  return {
    [=](atom::query, messages::query_request& req) { return arrive(self, std::move(req)); },
    [=](atom::series, const messages::select_request& req) {
      return fan_out<messages::series_payload>(
        self, [=](const shard_reader_actor& h, auto t) { return self->request(h, t, atom::series_v, req); }, merge_series);
    },
    [=](atom::label_names, const messages::select_request& req) {
      return fan_out<messages::string_list>(
        self, [=](const shard_reader_actor& h, auto t) { return self->request(h, t, atom::label_names_v, req); },
        merge_strings);
    },
    [=](atom::label_values, const std::string& name, const messages::select_request& req) {
      return fan_out<messages::string_list>(
        self, [=](const shard_reader_actor& h, auto t) { return self->request(h, t, atom::label_values_v, name, req); },
        merge_strings);
    },
    [=](atom::shards, shard_table& t) {
      auto& st = self->state;
      if (t.epoch < st.table.epoch) return;
      st.table = std::move(t);
      if (st.settings.shortcut) st.settings.shortcut->publish(st.table, st.settings);
    },
    [=](atom::invalidate, std::int64_t from) {
      self->state.cache.invalidate(from);
      if (self->state.settings.memo) self->state.settings.memo->invalidate(from);
      return true;
    },
    [=](atom::tick, std::uint64_t id) { expire(self, id); },
    [=](atom::tick) { sweep(self); },
  };
}

} // namespace vigil
