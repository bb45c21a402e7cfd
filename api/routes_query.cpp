// Query routes: /api/v1/query and /query_range (one request to the query
// service each), /query_exemplars and /format_query (answered here).
#include <atomic>
#include <chrono>
#include <cmath>

#include <caf/typed_event_based_actor.hpp>

#include "actors/errors.hpp"
#include "actors/inline_queries.hpp"
#include "api/endpoint_params.hpp"
#include "api/prom_json.hpp"
#include "api/routes_detail.hpp"
#include "api/status_json.hpp"

namespace vigil::api::detail {

namespace {

/// Whole nanoseconds, as Prometheus' timings (Go durations) are.
double whole_ns(double seconds) { return std::round(seconds * 1e9) / 1e9; }

/// Prometheus' timings from vigil's: preparation is the fetch from shards,
/// inner evaluation the engine; vigil sorts no results separately.
query_stats to_api_stats(const messages::query_answer::statistics& s) {
  query_stats out;
  out.preparation_seconds = whole_ns(s.fetch_seconds);
  out.inner_eval_seconds = whole_ns(s.eval_seconds);
  out.eval_total_seconds = whole_ns(s.fetch_seconds + s.eval_seconds);
  out.queue_seconds = whole_ns(s.queue_seconds);
  out.exec_total_seconds = whole_ns(s.exec_total_seconds);
  out.total_queryable_samples = s.total_queryable_samples;
  out.peak_samples = s.peak_samples;
  return out;
}

messages::query_request to_message(eval_request&& e) {
  messages::query_request q;
  q.promql = std::move(e.query);
  q.start = e.start;
  q.end = e.end;
  q.step = e.step;
  q.timeout_ms = e.timeout_ms;
  q.partial_response = e.partial_response;
  q.want_stats = e.want_stats;
  q.no_cache = e.no_cache;
  return q;
}

http_response render_answer(const messages::query_answer& a, bool want_stats) {
  if (!want_stats) return json(200, render_query_result(a.value));
  auto s = to_api_stats(a.stats);
  return json(200, render_query_result(a.value, &s));
}

void run_query(const ctx& c, messages::query_request q, responder done) {
  auto stats = c.stats;
  ++stats->queries;
  auto timeout = std::chrono::milliseconds(q.timeout_ms) + std::chrono::seconds(1);
  const bool want_stats = q.want_stats;
  // The query actor renders the body; the bridge only hands it on.
  q.render = std::make_shared<const messages::answer_renderer>(
    [want_stats](const messages::query_answer& a) { return render_answer(a, want_stats).body; });
  // The query actor answers the client itself; the bridge's reply handlers
  // answer only when it did not (errors, timeouts, answers from the cache).
  auto answered = std::make_shared<std::atomic<bool>>(false);
  q.reply = std::make_shared<const messages::answer_sink>([answered, done](std::string&& body) {
    if (!answered->exchange(true)) done(json(200, std::move(body)));
  });
  c.run([=](bridge_ptr self, const api_handles& h) {
    self->request(h.queries, timeout, atom::query_v, q)
      .then(
        [=](messages::query_answer& a) {
          if (answered->exchange(true)) return;
          done(a.rendered.empty() ? render_answer(a, want_stats) : json(200, std::move(a.rendered)));
        },
            [=](caf::error& err) {
              ++stats->queries_failed;
              if (!answered->exchange(true)) done(error_response(to_status(err)));
            });
  });
}

eval_limits limits_of(const ctx& c) {
  return {now_ms(), c.settings.query_timeout.count(), c.settings.max_points};
}

} // namespace

void get_query(const ctx& c, call& r, responder done) {
  auto q = parse_instant_query(r.params, limits_of(c));
  if (!q) return done(error_response(q.error()));
  auto m = to_message(std::move(*q));
  if (c.settings.shortcut)
    if (auto a = c.settings.shortcut->try_run(m)) {
      ++c.stats->queries;
      if (!*a) {
        ++c.stats->queries_failed;
        return done(error_response(a->error()));
      }
      return done(render_answer(**a, m.want_stats));
    }
  run_query(c, std::move(m), std::move(done));
}

void get_query_range(const ctx& c, call& r, responder done) {
  auto q = parse_range_query(r.params, limits_of(c));
  if (q && c.settings.memo && !q->no_cache && !q->want_stats)
    if (auto body = c.settings.memo->get(query::response_memo::key(q->query, q->start, q->end, q->step))) {
      ++c.stats->queries;
      ++c.stats->queries_memoized;
      http_response r = json(200, {});
      r.shared_body = std::move(body);
      return done(std::move(r));
    }
  if (!q) return done(error_response(q.error()));
  run_query(c, to_message(std::move(*q)), std::move(done));
}

void get_query_exemplars(const ctx&, call& r, responder done) {
  if (auto st = check_exemplar_query(r.params); !st) return done(error_response(st));
  done(json(200, std::string(empty_shape_body(r.path)))); // vigil stores no exemplars
}

void get_format_query(const ctx&, call& r, responder done) {
  auto text = format_query(r.params);
  if (!text) return done(error_response(text.error()));
  std::string body;
  append_json_string(body, *text);
  done(json(200, render_success_raw(body)));
}

} // namespace vigil::api::detail
