#include "actors/router_actor.hpp"

#include <memory>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/errors.hpp"
#include "messages/series_codec.hpp"

namespace vigil {

std::vector<write_batch> split_by_shard(write_batch&& batch, std::uint32_t n) {
  std::vector<write_batch> parts(n);
  if (n == 0) return parts;
  // Hashing spreads series evenly: room for a fair share and some more
  // spares most of the regrowth (and its moves) of each part.
  const std::size_t share = batch.items.size() / n;
  for (auto& p : parts) p.items.reserve(share + share / 4 + 4);
  auto& items = batch.items;
  constexpr std::size_t ahead = 8; // label sets (their hashes) fetched ahead: the batch was decoded on another thread
  for (std::size_t i = 0; i < ahead && i < items.size(); ++i) items[i].lbls.prefetch();
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i + ahead < items.size()) items[i + ahead].lbls.prefetch();
    parts[shard_of(items[i].lbls, n)].items.push_back(std::move(items[i]));
  }
  return parts;
}

std::optional<timestamp_ms> backfill_from(const write_batch& batch, timestamp_ms horizon) {
  std::optional<timestamp_ms> oldest;
  for (const auto& s : batch.items)
    for (const auto& x : s.samples)
      if (x.t < horizon && (!oldest || x.t < *oldest)) oldest = x.t;
  return oldest;
}

namespace {

/// Gathers the acks of one write; answers once every part is in or at the
/// first failure.
struct write_gather {
  caf::typed_response_promise<messages::ingest_ack> promise;
  messages::ingest_ack sum;
  std::size_t pending = 0;
  bool failed = false;
  std::optional<timestamp_ms> backfill; ///< report once the write is over
};

/// The write is over (committed or failed): answers it with `r` once the
/// caches dropped what the old samples in it change (backfill_sink). A sink
/// that does not answer in time delays the answer by at most the ingest
/// timeout, never fails it: the samples are committed either way.
template <class R>
void answer_write(router_actor::stateful_pointer<router_state> self, std::shared_ptr<write_gather> g, R r) {
  if (!g->backfill || !self->state.opts.backfill) {
    g->promise.deliver(std::move(r));
    return;
  }
  auto from = *std::exchange(g->backfill, std::nullopt);
  self->request(self->state.opts.backfill, self->state.opts.timeout, atom::invalidate_v, from)
    .then([=](bool) mutable { g->promise.deliver(std::move(r)); },
          [=](caf::error&) mutable { g->promise.deliver(std::move(r)); });
}

} // namespace

router_actor::behavior_type router_impl(router_actor::stateful_pointer<router_state> self,
                                        shard_table table, router_options opts) {
  self->state.table = std::move(table);
  self->state.opts = std::move(opts);
  return {
    [=](atom::write, messages::ingest_request& req) -> caf::result<messages::ingest_ack> {
      const auto& shards = self->state.table.shards;
      if (shards.empty()) return to_error(unavailable("no shards configured"));
      auto g = std::make_shared<write_gather>();
      const auto& o = self->state.opts;
      if (o.backfill_horizon.count() > 0)
        g->backfill = backfill_from(req.batch, o.now_unix_ms() - o.backfill_horizon.count());
      auto parts = split_by_shard(std::move(req.batch), static_cast<std::uint32_t>(shards.size()));
      g->promise = self->make_response_promise<messages::ingest_ack>();
      for (std::uint32_t i = 0; i < parts.size(); ++i) {
        if (parts[i].items.empty()) continue;
        if (!shards[i]) {
          g->promise.deliver(to_error(unavailable("shard " + std::to_string(i) + " is unavailable")));
          return g->promise;
        }
      }
      for (std::uint32_t i = 0; i < parts.size(); ++i) {
        if (parts[i].items.empty()) continue;
        ++g->pending;
        messages::write_part p{std::move(parts[i].items), std::nullopt};
        self->request(shards[i], self->state.opts.timeout, atom::write_v, std::move(p))
          .then(
            [=](const messages::ingest_ack& ack) {
              g->sum += ack;
              if (--g->pending != 0 || g->failed) return;
              answer_write(self, g, g->sum);
            },
            [=](caf::error& err) {
              if (g->failed) return;
              g->failed = true;
              auto st = to_status(err);
              answer_write(self, g, to_error({st.code(), "shard " + std::to_string(i) + " did not commit: " + st.message()}));
            });
      }
      if (g->pending == 0) g->promise.deliver(g->sum);
      return g->promise;
    },
    [=](atom::shards, shard_table& t) {
      if (t.epoch >= self->state.table.epoch) self->state.table = std::move(t);
    },
  };
}

} // namespace vigil
