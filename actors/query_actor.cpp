#include "actors/query_actor.hpp"

#include <algorithm>
#include <memory>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/errors.hpp"
#include "messages/series_codec.hpp"

namespace vigil {

namespace {

using messages::query_answer;

struct fetch_gather {
  caf::typed_response_promise<query_answer> promise;
  query::prepared_query prepared;
  std::vector<std::vector<series>> fetched;
  std::size_t pending = 0;
  bool done = false;
};

std::string shard_error(std::uint32_t i, const caf::error& err) {
  auto st = to_status(err);
  if (st.code() == errc::timeout) return "shard " + std::to_string(i) + " did not answer in time";
  return "shard " + std::to_string(i) + " failed: " + st.message();
}

/// Evaluates once everything is fetched; answers and ends the actor.
void finish(query_actor::stateful_pointer<query_state> self, fetch_gather& g) {
  g.done = true;
  for (auto& f : g.fetched)
    std::sort(f.begin(), f.end(), [](const series& a, const series& b) { return a.lbls < b.lbls; });
  auto r = query::execute(g.prepared, std::move(g.fetched));
  if (r)
    g.promise.deliver(query_answer{std::move(*r)});
  else
    g.promise.deliver(to_error(r.error()));
  self->quit();
}

void fail(query_actor::stateful_pointer<query_state> self, fetch_gather& g, const status& st) {
  if (g.done) return;
  g.done = true;
  g.promise.deliver(to_error(st));
  self->quit();
}

} // namespace

query_actor::behavior_type query_impl(query_actor::stateful_pointer<query_state> self,
                                      shard_table table, query_settings settings) {
  self->state.table = std::move(table);
  self->state.settings = settings;
  return {
    [=](atom::query, const messages::query_request& req) -> caf::result<query_answer> {
      query::query_params params{req.start, req.end, req.step};
      auto pq = query::prepare(req.promql, params, self->state.settings.eval);
      if (!pq) {
        self->quit();
        return to_error(pq.error());
      }
      auto timeout = req.timeout_ms > 0 ? std::chrono::milliseconds(req.timeout_ms)
                                        : self->state.settings.timeout;
      auto g = std::make_shared<fetch_gather>();
      g->promise = self->make_response_promise<query_answer>();
      g->prepared = std::move(*pq);
      const auto& sels = g->prepared.selections();
      g->fetched.resize(sels.size());
      const auto& shards = self->state.table.shards;
      for (std::uint32_t j = 0; j < shards.size(); ++j)
        if (!shards[j] && !sels.empty()) {
          fail(self, *g, unavailable("shard " + std::to_string(j) + " is unavailable"));
          return g->promise;
        }
      for (std::size_t i = 0; i < sels.size(); ++i) {
        auto req_i = messages::make_select(sels[i].ms, sels[i].range);
        for (std::uint32_t j = 0; j < shards.size(); ++j) {
          ++g->pending;
          self->request(shards[j], timeout, atom::select_v, req_i)
            .then(
              [=](const messages::series_payload& p) {
                if (g->done) return;
                auto got = messages::decode_series_set(p.bytes);
                if (!got) return fail(self, *g, got.error());
                auto& dst = g->fetched[i];
                std::move(got->begin(), got->end(), std::back_inserter(dst));
                if (--g->pending == 0) finish(self, *g);
              },
              [=](caf::error& err) { fail(self, *g, {errc::unavailable, shard_error(j, err)}); });
        }
      }
      if (g->pending == 0) finish(self, *g);
      return g->promise;
    },
  };
}

namespace {

/// Sends `make(shard)` to every shard and merges the answers with `merge`
/// into `Reply`; fails naming the first shard that fails.
template <class Reply, class Self, class Send, class Merge>
caf::result<Reply> fan_out(Self self, const shard_table& table, std::chrono::milliseconds timeout,
                           Send send, Merge merge) {
  struct gather {
    caf::typed_response_promise<Reply> promise;
    std::vector<Reply> parts;
    std::size_t pending = 0;
    bool done = false;
  };
  auto g = std::make_shared<gather>();
  g->promise = self->template make_response_promise<Reply>();
  for (std::uint32_t j = 0; j < table.shards.size(); ++j)
    if (!table.shards[j]) {
      g->promise.deliver(to_error(unavailable("shard " + std::to_string(j) + " is unavailable")));
      return g->promise;
    }
  g->pending = table.shards.size();
  for (std::uint32_t j = 0; j < table.shards.size(); ++j) {
    send(table.shards[j], timeout)
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
    if (auto got = messages::decode_series_set(p.bytes))
      std::move(got->begin(), got->end(), std::back_inserter(all));
  std::sort(all.begin(), all.end(), [](const series& a, const series& b) { return a.lbls < b.lbls; });
  return {messages::encode_series_set(all)};
}

} // namespace

query_service_actor::behavior_type
query_service_impl(query_service_actor::stateful_pointer<query_service_state> self,
                   shard_table table, query_settings settings) {
  self->state.table = std::move(table);
  self->state.settings = settings;
  return {
    [=](atom::query, messages::query_request& req) {
      auto q = self->spawn(query_impl, self->state.table, self->state.settings);
      return self->delegate(q, atom::query_v, std::move(req));
    },
    [=](atom::series, const messages::select_request& req) {
      return fan_out<messages::series_payload>(
        self, self->state.table, self->state.settings.metadata_timeout,
        [=](const shard_actor& s, auto t) { return self->request(s, t, atom::series_v, req); },
        merge_series);
    },
    [=](atom::label_names, const messages::select_request& req) {
      return fan_out<messages::string_list>(
        self, self->state.table, self->state.settings.metadata_timeout,
        [=](const shard_actor& s, auto t) { return self->request(s, t, atom::label_names_v, req); },
        merge_strings);
    },
    [=](atom::label_values, const std::string& name, const messages::select_request& req) {
      return fan_out<messages::string_list>(
        self, self->state.table, self->state.settings.metadata_timeout,
        [=](const shard_actor& s, auto t) {
          return self->request(s, t, atom::label_values_v, name, req);
        },
        merge_strings);
    },
    [=](atom::shards, shard_table& t) {
      if (t.epoch >= self->state.table.epoch) self->state.table = std::move(t);
    },
  };
}

} // namespace vigil
