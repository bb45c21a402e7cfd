// The per-query actor: plans, sends every shard one read (all selects and
// pushed-down parts), gathers until the query's deadline, evaluates, answers.
#include "actors/query_actor.hpp"

#include <algorithm>
#include <utility>

#include <caf/detail/profiled_send.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/clock.hpp"
#include "actors/errors.hpp"
#include "messages/shard_read.hpp"

namespace vigil {

std::int64_t system_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
    .count();
}

namespace {

using messages::query_answer;
using qptr = query_actor::stateful_pointer<query_state>;

/// self->request(dest, infinite, xs...), except that the receiver is
/// scheduled through the scheduler's central queue (round robin over the
/// workers, waking a sleeping one) instead of this worker's own queue. CAF's
/// work stealing leaves an idle worker asleep for up to its relaxed sleep
/// (10 ms) while the sender's worker runs every shard read of a query one
/// after another; spread, the reads run on all cores at once.
template <class Self, class Handle, class... Ts>
auto request_spread(Self* self, const Handle& dest, Ts&&... xs) {
  using handle = decltype(self->request(dest, caf::infinite, std::forward<Ts>(xs)...));
  const auto id = self->new_request_id(caf::message_priority::normal);
  caf::detail::profiled_send(self, self->ctrl(), dest, id, {}, nullptr, std::forward<Ts>(xs)...);
  return handle{id.response_id(), self};
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

void fail(qptr self, status st) {
  auto& s = self->state;
  if (s.done) return;
  s.done = true;
  s.promise.deliver(to_error(st));
  self->quit();
}

/// Evaluates once everything is in; answers and ends the actor.
void finish(qptr self) {
  auto& s = self->state;
  s.done = true;
  auto fetched_at = std::chrono::steady_clock::now();
  auto deadline = s.deadline_unix_ms;
  auto clock = s.settings.now_unix_ms;
  auto fetched = gather_parts(s.answers, s.prepared.selections().size());
  auto r = query::execute(s.prepared, std::move(fetched), [=] { return clock() >= deadline; });
  if (!r) {
    s.promise.deliver(to_error(r.error()));
    return self->quit();
  }
  query_answer a;
  a.value = std::move(*r);
  a.value.warnings.insert(a.value.warnings.end(), s.warnings.begin(), s.warnings.end());
  if (s.request.want_stats) {
    a.stats.fetch_seconds = std::chrono::duration<double>(fetched_at - s.started).count();
    a.stats.eval_seconds = seconds_since(fetched_at);
    a.stats.exec_total_seconds = seconds_since(s.started);
    a.stats.total_queryable_samples = s.samples;
    a.stats.peak_samples = s.samples;
    a.stats.queue_seconds = s.queue_seconds;
  }
  if (s.request.render) a.rendered = (*s.request.render)(a);
  if (s.request.render && s.request.reply) (*s.request.reply)(std::exchange(a.rendered, {}));
  s.promise.deliver(std::move(a));
  self->quit();
}

/// A shard did not deliver: fail naming it, or (partial_response) note it
/// and go on without its data.
void shard_missing(qptr self, std::uint32_t j, const status& st) {
  auto& s = self->state;
  if (s.done || s.answered[j]) return;
  s.answered[j] = true;
  const std::string who = "shard " + std::to_string(j);
  bool lost = st.code() == errc::timeout || st.code() == errc::unavailable;
  if (!lost) return fail(self, {st.code(), st.message() + " (" + who + ")"});
  if (!s.request.partial_response) {
    if (st.code() != errc::timeout)
      return fail(self, {errc::unavailable, who + " is unavailable (" + st.message() + ")"});
    return fail(self, {errc::timeout, "query timed out in query execution: " + who + " did not answer in time (" +
                                        st.message() + ")"});
  }
  s.warnings.push_back(who + " left out (" + st.message() + "): the result is partial");
  if (--s.pending == 0) finish(self);
}

/// Shard `j` answered every selection: keep its series for finish().
void on_answer(qptr self, std::uint32_t j, messages::read_answer& a) {
  auto& s = self->state;
  if (s.done || s.answered[j]) return;
  if (a.wire_error) return shard_missing(self, j, *a.wire_error);
  const auto n = s.prepared.selections().size();
  if (a.parts.size() != n)
    return shard_missing(self, j, invalid_argument("answered " + std::to_string(a.parts.size()) + " parts for " +
                                                   std::to_string(n) + " selections"));
  for (const auto& part : a.parts)
    for (const auto& x : part) s.samples += x.samples.size();
  if (s.samples > s.settings.eval.max_samples) return fail(self, too_many_samples());
  s.answered[j] = true;
  s.answers[j] = std::move(a);
  if (--s.pending == 0) finish(self);
}

/// The deadline passed (atom::tick from the query service): every shard
/// still out is late.
void on_deadline(qptr self) {
  auto& s = self->state;
  for (std::uint32_t j = 0; j < s.answered.size() && !s.done; ++j)
    if (!s.answered[j]) shard_missing(self, j, {errc::timeout, "no answer before the query's deadline"});
}

caf::result<query_answer> start(qptr self, const messages::query_request& req) {
  auto& s = self->state;
  s.request = req;
  s.started = std::chrono::steady_clock::now();
  auto pq = query::prepare(req.promql, {req.start, req.end, req.step}, s.settings.eval);
  if (!pq) {
    self->quit();
    return to_error(pq.error());
  }
  auto budget = req.timeout_ms > 0 ? std::chrono::milliseconds(req.timeout_ms) : s.settings.timeout;
  s.deadline_unix_ms = s.settings.now_unix_ms() + budget.count();
  s.promise = self->make_response_promise<query_answer>();
  s.prepared = std::move(*pq);
  const auto n = s.prepared.selections().size();
  const auto& shards = s.table.shards;
  s.answers.resize(shards.size());
  s.answered.assign(shards.size(), false);
  if (n == 0) {
    finish(self);
    return s.promise;
  }
  auto rr = messages::make_read_request(s.prepared.selections(), s.prepared.params(), s.prepared.options());
  if (!rr) {
    fail(self, rr.error());
    return s.promise;
  }
  rr->deadline_unix_ms = s.deadline_unix_ms;
  s.pending = shards.size();
  for (std::uint32_t j = 0; j < shards.size() && !s.done; ++j)
    if (!shards[j]) shard_missing(self, j, unavailable("no live actor"));
  // Instant queries read in-process shards here while that stays cheap
  // (defaults::query_inline_reads); range queries, and the rest of an
  // expensive instant query, go to the readers in parallel.
  bool spread = req.start != req.end;
  std::uint32_t inlined = 0;
  const auto inline_from = std::chrono::steady_clock::now();
  // No timeout per request: the deadline arrives as atom::tick (see query_impl).
  for (std::uint32_t j = 0; j < shards.size() && !s.done; ++j) {
    if (!shards[j]) continue;
    if (const auto* read = spread ? nullptr : s.table.local_read(j)) {
      if (auto r = (*read)(*rr)) {
        if (*r) on_answer(self, j, **r);
        else shard_missing(self, j, r->error());
        const auto spent = std::chrono::steady_clock::now() - inline_from;
        spread = spent * shards.size() > s.settings.inline_reads * ++inlined;
        continue;
      }
    }
    request_spread(self, s.table.reader(j), atom::read_v, *rr)
      .then([=](messages::read_answer& a) { on_answer(self, j, a); },
            [=](caf::error& err) { shard_missing(self, j, to_status(err)); });
  }
  if (!s.done && s.pending == 0) finish(self); // no shards at all
  return s.promise;
}

} // namespace

query_actor::behavior_type query_impl(qptr self, shard_table table, query_settings settings, double queue_seconds) {
  self->state.table = std::move(table);
  self->state.settings = std::move(settings);
  self->state.queue_seconds = queue_seconds;
  return {
    [=](atom::query, const messages::query_request& req) { return start(self, req); },
    [=](atom::tick) { on_deadline(self); },
  };
}

} // namespace vigil
