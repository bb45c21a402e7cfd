// The per-query actor: plans, scatters selects (or pushed-down evaluations)
// to every shard, gathers within the query's deadline, evaluates, answers.
#include "actors/query_actor.hpp"

#include <algorithm>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/clock.hpp"
#include "actors/errors.hpp"
#include "messages/series_codec.hpp"

namespace vigil {

std::int64_t system_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
    .count();
}

namespace {

using messages::query_answer;
using qptr = query_actor::stateful_pointer<query_state>;

constexpr const char* too_many_samples =
  "query processing would load too many samples into memory in query execution";

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
  auto r = query::execute(s.prepared, std::move(s.fetched), [=] { return clock() >= deadline; });
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
  }
  s.promise.deliver(std::move(a));
  self->quit();
}

/// A shard did not deliver: fail naming it, or (partial_response) note it
/// and go on without its data.
void shard_missing(qptr self, std::uint32_t j, const status& st) {
  auto& s = self->state;
  if (s.done) return;
  const std::string who = "shard " + std::to_string(j);
  bool lost = st.code() == errc::timeout || st.code() == errc::unavailable;
  if (!lost) return fail(self, {st.code(), st.message() + " (" + who + ")"});
  if (!s.request.partial_response) {
    if (st.code() != errc::timeout)
      return fail(self, {errc::unavailable, who + " is unavailable (" + st.message() + ")"});
    return fail(self, {errc::timeout, "query timed out in query execution: " + who + " did not answer in time (" +
                                        st.message() + ")"});
  }
  if (!s.shard_failed[j]) {
    s.shard_failed[j] = true;
    s.warnings.push_back(who + " left out (" + st.message() + "): the result is partial");
  }
  if (--s.pending == 0) finish(self);
}

void on_part(qptr self, std::size_t i, std::uint32_t j, const messages::series_payload& p) {
  auto& s = self->state;
  if (s.done) return;
  auto got = messages::decode_series_set(p.bytes);
  if (!got) return shard_missing(self, j, got.error());
  for (const auto& x : *got) s.samples += x.samples.size();
  if (s.samples > s.settings.eval.max_samples) return fail(self, resource_exhausted(too_many_samples));
  auto& dst = s.fetched[i];
  std::move(got->begin(), got->end(), std::back_inserter(dst));
  if (--s.pending == 0) finish(self);
}

/// Sends selection `i` to shard `j`: a select, or the pushed-down part.
void send_part(qptr self, std::size_t i, std::uint32_t j, std::chrono::milliseconds budget) {
  auto& s = self->state;
  const auto& sel = s.prepared.selections()[i];
  const auto& opts = s.prepared.options();
  auto on_error = [=](caf::error& err) { shard_missing(self, j, to_status(err)); };
  auto on_reply = [=](const messages::series_payload& p) { on_part(self, i, j, p); };
  if (sel.partial.empty()) {
    auto req = messages::make_select(sel.ms, sel.range);
    req.deadline_unix_ms = s.deadline_unix_ms;
    req.max_samples = opts.max_samples;
    req.thin_first = sel.thin_first;
    req.thin_step = sel.thin_step;
    self->request(s.table.shards[j], budget, atom::select_v, std::move(req)).then(on_reply, on_error);
    return;
  }
  const auto& p = s.prepared.params();
  messages::partial_request req{sel.partial,          p.start,         p.end,
                                p.step,               opts.lookback_delta, opts.default_subquery_step,
                                opts.max_samples,     s.deadline_unix_ms};
  self->request(s.table.shards[j], budget, atom::eval_v, std::move(req)).then(on_reply, on_error);
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
  s.fetched.resize(n);
  s.shard_failed.assign(shards.size(), false);
  s.pending = n * shards.size();
  for (std::uint32_t j = 0; j < shards.size() && !s.done; ++j)
    if (!shards[j])
      for (std::size_t i = 0; i < n && !s.done; ++i) shard_missing(self, j, unavailable("no live actor"));
  for (std::size_t i = 0; i < n && !s.done; ++i)
    for (std::uint32_t j = 0; j < shards.size(); ++j)
      if (shards[j]) send_part(self, i, j, budget);
  if (!s.done && s.pending == 0) finish(self);
  return s.promise;
}

} // namespace

query_actor::behavior_type query_impl(qptr self, shard_table table, query_settings settings) {
  self->state.table = std::move(table);
  self->state.settings = std::move(settings);
  return {
    [=](atom::query, const messages::query_request& req) { return start(self, req); },
  };
}

} // namespace vigil
