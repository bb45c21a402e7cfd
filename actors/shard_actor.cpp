#include "actors/shard_actor.hpp"

#include <chrono>
#include <functional>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/errors.hpp"
#include "actors/retention_actor.hpp"
#include "store/defaults.hpp"
#include "messages/series_codec.hpp"
#include "query/rollup_plan.hpp"

namespace vigil {

namespace {

using messages::select_request;
using messages::series_payload;
using messages::string_list;

template <class T>
caf::result<T> fail(const status& st) {
  return caf::result<T>{to_error(st)};
}

/// A group is committed at once when it holds this many samples.
constexpr std::uint64_t max_group_samples = 200'000;
/// Ticks (sync_interval, 1 s) after which a shard checkpoints its head even
/// while writes continue: bounds a crash's replay to about a minute of log.
constexpr std::uint32_t checkpoint_ticks = 60;

/// The deadline check the store polls: wall clock against Unix ms (0: none).
std::function<bool()> deadline_check(std::int64_t deadline_unix_ms) {
  if (deadline_unix_ms <= 0) return {};
  return [deadline_unix_ms] {
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
    return now.count() >= deadline_unix_ms;
  };
}

template <class T>
caf::result<T> reply(result<T> r) {
  if (!r) return fail<T>(r.error());
  return std::move(*r);
}

/// A select within the request's deadline and sample limit.
result<series_payload> read_select(const store::shard& sh, const select_request& req) {
  auto ms = messages::to_matchers(req.matchers);
  if (!ms) return std::move(ms).error();
  store::read_limits limits;
  if (req.max_samples > 0) limits.max_samples = req.max_samples;
  limits.expired = deadline_check(req.deadline_unix_ms);
  if (req.thin_step > 0) {
    limits.thin_first = req.thin_first;
    limits.thin_step = req.thin_step;
  }
  auto r = sh.select(*ms, messages::range_of(req), limits);
  if (!r) return std::move(r).error();
  return series_payload{messages::encode_series_set(*r)};
}

/// A selection with its thinning hint (instant-vector selectors read only
/// the newest sample at or before each step).
result<std::vector<series>> select_thinned(const store::shard& sh, const query::selection& sel,
                                           const store::read_limits& limits) {
  if (sel.thin_step <= 0) return sh.select(sel.ms, sel.range, limits);
  auto thin = limits;
  thin.thin_first = sel.thin_first;
  thin.thin_step = sel.thin_step;
  return sh.select(sel.ms, sel.range, thin);
}

/// Evaluates a prepared part over this shard's series, reading the range
/// functions that qualify from the shard's rollups (query/rollup_plan.hpp).
result<query::query_result> eval_part(const store::shard& sh, const query::prepared_query& part,
                                      const store::read_limits& limits) {
  auto raw = [&](const query::selection& sel) { return select_thinned(sh, sel, limits); };
  const auto& p = part.params();
  auto rollups = [&](const query::rollup_call& c) -> result<std::optional<std::vector<series>>> {
    const auto fn = store::rollup_fn_of(c.fn);
    if (!fn) return std::optional<std::vector<series>>{};
    return sh.select_rollup(store::rollup_read{c.ms, *fn, c.range, c.resolution, p.start, p.end, p.step}, limits);
  };
  auto batched = [&](const query::selection& sel, const query::batch_sink& sink) {
    auto l = limits;
    if (sel.thin_step > 0) {
      l.thin_first = sel.thin_first;
      l.thin_step = sel.thin_step;
    }
    return sh.select_batches(sel.ms, sel.range, l, store::defaults::query_batch_samples, sink);
  };
  return query::evaluate_with_rollups(part, sh.rollup_resolutions(), raw, rollups, limits.expired, batched);
}

/// Evaluates a pushed-down part over this shard's series (the same engine
/// as the query actor, over locally selected data).
result<series_payload> read_eval(const store::shard& sh, const messages::partial_request& req) {
  store::read_limits limits;
  if (req.max_samples > 0) limits.max_samples = req.max_samples;
  limits.expired = deadline_check(req.deadline_unix_ms);
  auto q = query::prepare_partial(req.promql, {req.start, req.end, req.step}, messages::options_of(req));
  if (!q) return std::move(q).error();
  auto r = eval_part(sh, *q, limits);
  if (!r) return std::move(r).error();
  return series_payload{messages::encode_series_set(r->items)};
}

/// Runs every part of a query's read (the request's own plan when it came
/// from this process, else one built from its wire fields).
result<messages::read_answer> read_parts(const store::shard& sh, const messages::read_request& req) {
  std::shared_ptr<const messages::read_plan> plan = req.local;
  if (!plan) {
    auto built = messages::make_read_plan(req);
    if (!built) return std::move(built).error();
    plan = std::make_shared<const messages::read_plan>(std::move(*built));
  }
  store::read_limits limits;
  if (req.max_samples > 0) limits.max_samples = req.max_samples;
  limits.expired = deadline_check(req.deadline_unix_ms);
  auto fetch = [&](const query::selection& sel) { return select_thinned(sh, sel, limits); };
  messages::read_answer out;
  out.parts.reserve(plan->steps.size());
  for (const auto& st : plan->steps) {
    if (!st.partial) {
      auto r = fetch(st.sel);
      if (!r) return std::move(r).error();
      out.parts.push_back(std::move(*r));
      continue;
    }
    auto r = eval_part(sh, *st.partial, limits);
    if (!r) return std::move(r).error();
    out.parts.push_back(std::move(r->items));
  }
  return out;
}

result<series_payload> read_series(const store::shard& sh, const select_request& req) {
  auto ms = messages::to_matchers(req.matchers);
  if (!ms) return std::move(ms).error();
  auto r = sh.series_labels(*ms, messages::range_of(req));
  if (!r) return std::move(r).error();
  std::vector<series> out;
  out.reserve(r->size());
  for (auto& l : *r) out.push_back({std::move(l), {}});
  return series_payload{messages::encode_series_set(out)};
}

result<string_list> read_label_names(const store::shard& sh, const select_request& req) {
  auto ms = messages::to_matchers(req.matchers);
  if (!ms) return std::move(ms).error();
  auto r = sh.label_names(*ms, messages::range_of(req));
  if (!r) return std::move(r).error();
  return string_list{std::move(*r)};
}

result<string_list> read_label_values(const store::shard& sh, const std::string& name,
                                      const select_request& req) {
  auto ms = messages::to_matchers(req.matchers);
  if (!ms) return std::move(ms).error();
  auto r = sh.label_values(name, *ms, messages::range_of(req));
  if (!r) return std::move(r).error();
  return string_list{std::move(*r)};
}

} // namespace

void shard_state::commit_group() {
  if (group.empty() && !store->group_open()) return;
  auto st = store->commit_group();
  if (st) observe_commit(std::chrono::duration<double>(std::chrono::steady_clock::now() - group_started).count());
  for (auto& [rp, ack] : group) {
    if (st) rp.deliver(ack);
    else rp.deliver(to_error(st));
  }
  group.clear();
}

shard_actor::behavior_type shard_impl(shard_actor::stateful_pointer<shard_state> self,
                                      shard_actor_options opts) {
  self->state.id = opts.id;
  opts.store.rollups = opts.retention.rollups; // downsampling travels with the retention policy
  auto opened = store::shard::open(opts.store);
  if (!opened) {
    self->quit(to_error(opened.error()));
    return shard_actor::behavior_type::make_empty_behavior();
  }
  self->state.store = std::move(*opened);
  self->state.slot = opts.slot;
  if (opts.slot) opts.slot->set(self->state.store);
  self->delayed_send(self, opts.sync_interval, atom::sync_v); // fsync (policy never) and head checkpoints
  const bool sync_each_tick = opts.store.sync == store::fsync_policy::never;
  auto interval = opts.sync_interval;
  auto now = opts.now_unix_ms;
  const bool rollups = opts.retention.rollups.enabled();
  const bool cold = opts.store.cold.after_ms > 0 && !opts.store.cold.dir.empty();
  if (!opts.retention.keeps_everything() || rollups || cold) {
    retention_actor_options ro;
    ro.shard = self;
    ro.interval = opts.retention_interval;
    ro.now_unix_ms = opts.now_unix_ms;
    ro.shard_id = opts.id;
    ro.rollups = rollups;
    ro.cold = cold;
    self->spawn<caf::linked>(retention_impl, std::move(ro));
  }
  auto policy = opts.retention;
  auto step_series = opts.retention_step_series;
  return {
    [=](atom::write, messages::write_part& p) -> caf::result<messages::ingest_ack> {
      if (p.wire_error) return fail<messages::ingest_ack>(*p.wire_error);
      auto& st = self->state;
      ++st.writes_since_tick;
      const bool fresh = !st.store->group_open();
      if (fresh) st.group_started = std::chrono::steady_clock::now();
      auto r = st.store->append_to_group(write_batch{std::move(p.items)}, now());
      if (!r) {
        if (!st.store->group_open()) { // the group aborted: none of its writes happened
          for (auto& [rp, ack] : st.group) rp.deliver(to_error(r.error()));
          st.group.clear();
        }
        return fail<messages::ingest_ack>(r.error());
      }
      if (!st.store->group_open()) return messages::ingest_ack::from(*r); // nothing to commit
      auto rp = self->make_response_promise<messages::ingest_ack>();
      st.group.emplace_back(rp, messages::ingest_ack::from(*r));
      if (st.store->group_samples() >= max_group_samples) {
        st.commit_group(); // bounds a transaction's dirty pages and a write's wait
      } else if (!st.commit_queued) {
        st.commit_queued = true;
        self->send(self, atom::write_v); // behind every write already queued
      }
      return rp;
    },
    [=](atom::write) {
      self->state.commit_queued = false;
      self->state.commit_group();
    },
    [=](atom::select, const select_request& req) { return reply(read_select(*self->state.store, req)); },
    [=](atom::series, const select_request& req) { return reply(read_series(*self->state.store, req)); },
    [=](atom::label_names, const select_request& req) {
      return reply(read_label_names(*self->state.store, req));
    },
    [=](atom::label_values, const std::string& name, const select_request& req) {
      return reply(read_label_values(*self->state.store, name, req));
    },
    [=](atom::stats) {
      auto s = self->state.store->stats();
      const auto& st = self->state;
      messages::shard_stats_msg m;
      m.shard_id = st.id;
      m.series = s.series;
      m.chunks = s.chunks;
      m.samples_appended = s.samples_appended;
      m.bytes_on_disk = s.bytes_on_disk;
      m.commits = st.commits;
      m.commit_seconds = st.commit_seconds;
      m.commit_buckets = st.commit_buckets;
      m.retention_chunks_deleted = st.retention_chunks_deleted;
      m.retention_series_deleted = st.retention_series_deleted;
      m.rollup_records = s.rollup_records;
      m.rollup_reads = s.rollup_reads;
      m.sealed_samples = s.sealed_samples;
      m.sealed_bytes = s.sealed_bytes;
      m.cold_segments = s.cold_segments;
      m.cold_bytes = s.cold_bytes;
      m.cold_records_moved = s.cold_records_moved;
      m.checkpoints = s.checkpoints;
      m.unflushed_samples = s.unflushed_samples;
      return m;
    },
    [=](atom::tick, std::int64_t at, std::uint64_t from)
      -> caf::result<std::uint64_t, std::uint64_t, std::uint64_t> {
      self->state.commit_group();
      auto r = self->state.store->retention_step(policy, at, from, step_series);
      if (!r) return to_error(r.error());
      self->state.retention_chunks_deleted += r->chunks_deleted;
      self->state.retention_series_deleted += r->series_deleted;
      return {r->next, r->chunks_deleted, r->series_deleted};
    },
    [=](atom::rollup, std::int64_t at, std::uint64_t from)
      -> caf::result<std::uint64_t, std::uint64_t, std::uint64_t> {
      self->state.commit_group();
      auto r = self->state.store->rollup_step(at, from, step_series, store::defaults::rollup_step_windows);
      if (!r) return to_error(r.error());
      return {r->next, r->windows_written, self->state.store->stats().rollup_reads};
    },
    [=](atom::cold, std::int64_t at) -> caf::result<bool, std::uint64_t, std::uint64_t> {
      self->state.commit_group();
      auto r = self->state.store->cold_step(policy, at, step_series);
      if (!r) return to_error(r.error());
      return {r->more, r->records_moved, r->segments_written};
    },
    [=](atom::sync) {
      auto& st = self->state;
      st.commit_group();
      const std::uint64_t done = st.store->checkpoints();
      st.ticks_since_checkpoint = done != st.last_checkpoints ? 0 : st.ticks_since_checkpoint + 1;
      if (st.writes_since_tick == 0 || st.ticks_since_checkpoint >= checkpoint_ticks) {
        // A failure (a full disk) is not fatal: the log keeps every sample,
        // and the next write reports the error to its sender.
        (void)st.store->checkpoint();
        st.ticks_since_checkpoint = 0;
      }
      st.last_checkpoints = st.store->checkpoints();
      st.writes_since_tick = 0;
      if (sync_each_tick)
        if (auto s = st.store->sync(); !s) return self->quit(to_error(s));
      self->delayed_send(self, interval, atom::sync_v);
    },
    [=](atom::eval, const messages::partial_request& req) { return reply(read_eval(*self->state.store, req)); },
    [=](atom::read, const messages::read_request& req) { return reply(read_parts(*self->state.store, req)); },
  };
}

std::shared_ptr<const local_read_fn> local_reader(std::shared_ptr<store_slot> slot) {
  return std::make_shared<const local_read_fn>(
    [slot = std::move(slot)](const messages::read_request& req) -> std::optional<result<messages::read_answer>> {
      auto sh = slot->get();
      if (!sh) return std::nullopt;
      return read_parts(*sh, req);
    });
}

shard_reader_actor::behavior_type shard_reader_impl(shard_reader_actor::stateful_pointer<shard_reader_state> self,
                                                    std::shared_ptr<store_slot> slot, shard_actor shard) {
  self->state.slot = std::move(slot);
  self->state.shard = shard;
  self->link_to(shard);
  // The store when the shard has opened it; else the request goes to the shard.
  auto store = [self] { return self->state.slot->get(); };
  return {
    [=](atom::select, const select_request& req) -> caf::result<series_payload> {
      if (auto sh = store()) return reply(read_select(*sh, req));
      return self->delegate(self->state.shard, atom::select_v, req);
    },
    [=](atom::series, const select_request& req) -> caf::result<series_payload> {
      if (auto sh = store()) return reply(read_series(*sh, req));
      return self->delegate(self->state.shard, atom::series_v, req);
    },
    [=](atom::label_names, const select_request& req) -> caf::result<string_list> {
      if (auto sh = store()) return reply(read_label_names(*sh, req));
      return self->delegate(self->state.shard, atom::label_names_v, req);
    },
    [=](atom::label_values, const std::string& name, const select_request& req) -> caf::result<string_list> {
      if (auto sh = store()) return reply(read_label_values(*sh, name, req));
      return self->delegate(self->state.shard, atom::label_values_v, name, req);
    },
    [=](atom::eval, const messages::partial_request& req) -> caf::result<series_payload> {
      if (auto sh = store()) return reply(read_eval(*sh, req));
      return self->delegate(self->state.shard, atom::eval_v, req);
    },
    [=](atom::read, const messages::read_request& req) -> caf::result<messages::read_answer> {
      if (auto sh = store()) return reply(read_parts(*sh, req));
      return self->delegate(self->state.shard, atom::read_v, req);
    },
  };
}

} // namespace vigil
