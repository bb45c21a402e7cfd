// Metadata routes: /api/v1/series, /labels, /label/<name>/values (one
// query-service request per match[] selector, merged here) and /metadata
// (the in-memory registry).
#include <algorithm>
#include <chrono>
#include <iterator>
#include <memory>
#include <utility>

#include <caf/typed_event_based_actor.hpp>

#include "actors/defaults.hpp"
#include "actors/errors.hpp"
#include "api/endpoint_params.hpp"
#include "api/prom_json.hpp"
#include "api/routes_detail.hpp"
#include "messages/series_codec.hpp"

namespace vigil::api::detail {

namespace {

constexpr std::string_view truncated_warning = "results truncated due to limit";

/// One select_request per match[] selector, or one over every series.
std::vector<messages::select_request> selects_of(const selection_request& s) {
  std::vector<messages::select_request> out;
  for (const auto& ms : s.match) out.push_back(messages::make_select(ms, s.range));
  if (out.empty()) out.push_back(messages::make_select({}, s.range));
  return out;
}

/// Cuts `items` to `limit` (0: no limit) and says so in `warnings`.
template <class T>
void apply_limit(std::vector<T>& items, std::size_t limit, std::vector<std::string>& warnings) {
  if (limit == 0 || items.size() <= limit) return;
  items.resize(limit);
  warnings.emplace_back(truncated_warning);
}

/// Runs one request per selector and merges the answers in the bridge.
template <class Reply, class Send, class Render>
void gather(const ctx& c, std::vector<messages::select_request> sels, Send send, Render render,
            responder done) {
  auto timeout = defaults::metadata_timeout + std::chrono::seconds(1);
  c.run([=](bridge_ptr self, const api_handles& h) {
    struct state {
      std::vector<Reply> parts;
      std::size_t pending = 0;
      bool failed = false;
    };
    auto st = std::make_shared<state>();
    st->pending = sels.size();
    for (const auto& sel : sels)
      send(self, h.queries, timeout, sel)
        .then(
          [=](Reply& r) {
            if (st->failed) return;
            st->parts.push_back(std::move(r));
            if (--st->pending == 0) done(render(std::move(st->parts)));
          },
          [=](caf::error& err) {
            if (std::exchange(st->failed, true)) return;
            done(error_response(to_status(err)));
          });
  });
}

auto string_renderer(std::size_t limit) {
  return [limit](std::vector<messages::string_list> parts) {
    std::vector<std::string> all;
    for (auto& p : parts) std::move(p.items.begin(), p.items.end(), std::back_inserter(all));
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    std::vector<std::string> warnings;
    apply_limit(all, limit, warnings);
    return json(200, render_string_list(all, warnings));
  };
}

auto series_renderer(std::size_t limit) {
  return [limit](std::vector<messages::series_payload> parts) {
    std::vector<labels> all;
    for (auto& p : parts) {
      auto got = messages::decode_series_set(p.bytes);
      if (!got) return error_response(got.error());
      for (auto& s : *got) all.push_back(std::move(s.lbls));
    }
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    std::vector<std::string> warnings;
    apply_limit(all, limit, warnings);
    return json(200, render_series_list(all, warnings));
  };
}

} // namespace

void get_series(const ctx& c, call& r, responder done) {
  auto sel = parse_selection(r.params, true);
  if (!sel) return done(error_response(sel.error()));
  gather<messages::series_payload>(
    c, selects_of(*sel),
    [](bridge_ptr self, const query_service_actor& q, auto t, const messages::select_request& s) {
      return self->request(q, t, atom::series_v, s);
    },
    series_renderer(sel->limit), std::move(done));
}

void get_labels(const ctx& c, call& r, responder done) {
  auto sel = parse_selection(r.params, false);
  if (!sel) return done(error_response(sel.error()));
  gather<messages::string_list>(
    c, selects_of(*sel),
    [](bridge_ptr self, const query_service_actor& q, auto t, const messages::select_request& s) {
      return self->request(q, t, atom::label_names_v, s);
    },
    string_renderer(sel->limit), std::move(done));
}

void get_label_values(const ctx& c, call& r, responder done) {
  if (auto st = check_label_name(r.path_arg); !st) return done(error_response(st));
  auto sel = parse_selection(r.params, false);
  if (!sel) return done(error_response(sel.error()));
  gather<messages::string_list>(
    c, selects_of(*sel),
    [name = r.path_arg](bridge_ptr self, const query_service_actor& q, auto t,
                        const messages::select_request& s) {
      return self->request(q, t, atom::label_values_v, name, s);
    },
    string_renderer(sel->limit), std::move(done));
}

void get_metadata(const ctx& c, call& r, responder done) {
  auto q = parse_metadata_query(r.params);
  if (!q) return done(error_response(q.error()));
  done(json(200, c.metadata->render(*q)));
}

} // namespace vigil::api::detail
