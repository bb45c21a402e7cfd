#include "actors/retention_actor.hpp"

#include <cstdio>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/errors.hpp"

namespace vigil {

namespace {

using retention_ptr = retention_actor::stateful_pointer<retention_state>;

void pass_done(retention_ptr self) { self->delayed_send(self, self->state.opts.interval, atom::tick_v); }

void cold_step(retention_ptr self) {
  auto& st = self->state;
  self->request(st.opts.shard, st.opts.step_timeout, atom::cold_v, st.pass_now)
    .then(
      [=](bool more, std::uint64_t records, std::uint64_t segments) {
        auto& s = self->state;
        s.cold_records += records;
        s.cold_segments += segments;
        if (more) return cold_step(self);
        if (s.cold_segments > 0)
          std::fprintf(stderr, "vigil: shard %u cold tier: moved %llu chunk records into %llu segments\n",
                       s.opts.shard_id, static_cast<unsigned long long>(s.cold_records),
                       static_cast<unsigned long long>(s.cold_segments));
        pass_done(self);
      },
      [=](caf::error& err) {
        std::fprintf(stderr, "vigil: shard %u cold-tier step failed: %s\n", self->state.opts.shard_id,
                     to_status(err).to_string().c_str());
        pass_done(self);
      });
}

/// After the retention and rollup passes: the cold pass, if any.
void passes_done(retention_ptr self) {
  auto& s = self->state;
  if (!s.opts.cold) return pass_done(self);
  s.cold_records = s.cold_segments = 0;
  cold_step(self);
}

void rollup_step(retention_ptr self, std::uint64_t from) {
  auto& st = self->state;
  self->request(st.opts.shard, st.opts.step_timeout, atom::rollup_v, st.pass_now, from)
    .then(
      [=](std::uint64_t next, std::uint64_t windows, std::uint64_t reads) {
        auto& s = self->state;
        s.windows_written += windows;
        if (next != 0) return rollup_step(self, next);
        if (s.windows_written > 0 || reads != s.rollup_reads)
          std::fprintf(stderr, "vigil: shard %u rollups: wrote %llu windows; %llu reads served from rollups\n",
                       s.opts.shard_id, static_cast<unsigned long long>(s.windows_written),
                       static_cast<unsigned long long>(reads));
        s.rollup_reads = reads;
        passes_done(self);
      },
      [=](caf::error& err) {
        std::fprintf(stderr, "vigil: shard %u rollup step failed: %s\n", self->state.opts.shard_id,
                     to_status(err).to_string().c_str());
        passes_done(self);
      });
}

void step(retention_ptr self, std::uint64_t from) {
  auto& st = self->state;
  self->request(st.opts.shard, st.opts.step_timeout, atom::tick_v, st.pass_now, from)
    .then(
      [=](std::uint64_t next, std::uint64_t chunks, std::uint64_t series) {
        auto& s = self->state;
        s.chunks_deleted += chunks;
        s.series_deleted += series;
        if (next != 0) return step(self, next);
        if (s.chunks_deleted > 0)
          std::fprintf(stderr, "vigil: shard %u retention: deleted %llu chunks, %llu series\n", s.opts.shard_id,
                       static_cast<unsigned long long>(s.chunks_deleted),
                       static_cast<unsigned long long>(s.series_deleted));
        if (s.opts.rollups) {
          s.windows_written = 0;
          return rollup_step(self, 0);
        }
        passes_done(self);
      },
      [=](caf::error& err) {
        // The shard is busy or failing: try the whole pass again later.
        std::fprintf(stderr, "vigil: shard %u retention step failed: %s\n", self->state.opts.shard_id,
                     to_status(err).to_string().c_str());
        self->delayed_send(self, self->state.opts.interval, atom::tick_v);
      });
}

} // namespace

retention_actor::behavior_type retention_impl(retention_ptr self, retention_actor_options opts) {
  self->state.opts = std::move(opts);
  self->send(self, atom::tick_v); // a first pass at start: a node that was down catches up
  return {
    [=](atom::tick) {
      auto& st = self->state;
      st.chunks_deleted = st.series_deleted = 0;
      st.pass_now = st.opts.now_unix_ms();
      step(self, 0);
    },
  };
}

} // namespace vigil
