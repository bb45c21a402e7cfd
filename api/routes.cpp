#include "api/routes.hpp"

#include <atomic>
#include <chrono>
#include <memory>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/errors.hpp"
#include "api/json_ingest.hpp"
#include "api/prom_json.hpp"
#include "api/query_params.hpp"
#include "api/remote_write.hpp"
#include "api/request_params.hpp"
#include "api/text_import.hpp"
#include "messages/series_codec.hpp"

namespace vigil::api {

namespace {

using bridge_ptr = api_bridge_actor::pointer;

timestamp_ms now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

/// Counters for GET /metrics (process-wide, lock-free).
struct counters {
  std::atomic<std::uint64_t> samples_ingested{0};
  std::atomic<std::uint64_t> samples_duplicate{0};
  std::atomic<std::uint64_t> samples_out_of_order{0};
  std::atomic<std::uint64_t> requests_rejected{0};
  std::atomic<std::uint64_t> queries{0};
  std::atomic<std::uint64_t> queries_failed{0};
};

http_response json(int code, std::string body) { return {code, "application/json", std::move(body), {}}; }

http_response text(int code, std::string body) {
  return {code, "text/plain; charset=utf-8", std::move(body), {}};
}

http_response error_response(const status& st) {
  auto e = error_info_for(st.code());
  return json(e.http_status, render_error(e.type, st.message()));
}

struct ctx {
  caf::actor_system* sys;
  api_bridge_actor bridge;
  api_settings settings;
  std::shared_ptr<counters> stats;

  void run(std::function<void(bridge_ptr, const api_handles&)> f) const {
    caf::anon_send(bridge, api_job{std::move(f)});
  }
};

// -- ingest -------------------------------------------------------------------

void ingest(const ctx& c, write_batch&& batch, responder done, int ok_code) {
  auto b = std::make_shared<write_batch>(std::move(batch));
  auto stats = c.stats;
  auto timeout = defaults::ingest_timeout + std::chrono::seconds(1);
  c.run([=](bridge_ptr self, const api_handles& h) {
    self->request(h.router, timeout, atom::write_v, messages::ingest_request{std::move(*b)})
      .then(
        [=](const messages::ingest_ack& ack) {
          stats->samples_ingested += ack.appended;
          stats->samples_duplicate += ack.duplicates;
          stats->samples_out_of_order += ack.out_of_order;
          if (ack.out_of_order > 0)
            return done(error_response(invalid_argument(
              std::to_string(ack.out_of_order) +
              " samples were older than the newest sample of their series and were rejected "
              "(out of order); " + std::to_string(ack.appended) + " samples were stored")));
          if (ok_code == 204) return done({204, "text/plain", "", {}});
          done(json(ok_code, "{\"status\":\"success\",\"data\":{\"samples\":" +
                               std::to_string(ack.appended) + ",\"duplicates\":" +
                               std::to_string(ack.duplicates) + "}}"));
        },
        [=](caf::error& err) { done(error_response(to_status(err))); });
  });
}

void reject(const ctx& c, const status& st, const responder& done) {
  ++c.stats->requests_rejected;
  done(error_response(st));
}

void post_json_metrics(const ctx& c, http_request&& r, responder done) {
  auto batch = decode_json_metrics(r.body, now_ms());
  if (!batch) return reject(c, batch.error(), done);
  ingest(c, std::move(*batch), std::move(done), 200);
}

void post_remote_write(const ctx& c, http_request&& r, responder done) {
  if (!r.content_encoding.empty() && r.content_encoding != "snappy")
    return reject(c, invalid_argument("unsupported Content-Encoding '" + r.content_encoding +
                                      "': remote write bodies are snappy-compressed"),
                  done);
  auto batch = decode_remote_write(r.body, c.settings.max_decoded_bytes);
  if (!batch) return reject(c, batch.error(), done);
  ingest(c, std::move(*batch), std::move(done), 204);
}

void post_text_import(const ctx& c, http_request&& r, responder done) {
  auto batch = decode_prometheus_text(r.body, now_ms());
  if (!batch) return reject(c, batch.error(), done);
  ingest(c, std::move(*batch), std::move(done), 204);
}

// -- queries ------------------------------------------------------------------

void run_query(const ctx& c, messages::query_request q, responder done) {
  auto stats = c.stats;
  ++stats->queries;
  auto timeout = std::chrono::milliseconds(q.timeout_ms) + std::chrono::seconds(1);
  c.run([=](bridge_ptr self, const api_handles& h) {
    self->request(h.queries, timeout, atom::query_v, q)
      .then([=](const messages::query_answer& a) { done(json(200, render_query_result(a.value))); },
            [=](caf::error& err) {
              ++stats->queries_failed;
              done(error_response(to_status(err)));
            });
  });
}

std::int64_t timeout_param(const ctx& c, const request_params& p) {
  auto t = p.get("timeout");
  if (t.empty()) return c.settings.query_timeout.count();
  auto d = parse_duration_param(t);
  if (!d || *d <= 0) return c.settings.query_timeout.count();
  return std::min<std::int64_t>(*d, c.settings.query_timeout.count());
}

void get_query(const ctx& c, const request_params& p, responder done) {
  auto q = p.get("query");
  if (q.empty()) return done(error_response(invalid_argument("parameter 'query' is missing")));
  timestamp_ms t = now_ms();
  if (auto ts = p.get("time"); !ts.empty()) {
    auto parsed = parse_time_param(ts);
    if (!parsed) return done(error_response(invalid_argument("invalid parameter 'time': " +
                                                             parsed.error().message())));
    t = *parsed;
  }
  run_query(c, {std::string(q), t, t, 0, timeout_param(c, p)}, std::move(done));
}

void get_query_range(const ctx& c, const request_params& p, responder done) {
  auto q = p.get("query");
  if (q.empty()) return done(error_response(invalid_argument("parameter 'query' is missing")));
  auto start = parse_time_param(p.get("start"));
  if (!start) return done(error_response(invalid_argument("invalid parameter 'start': " + start.error().message())));
  auto end = parse_time_param(p.get("end"));
  if (!end) return done(error_response(invalid_argument("invalid parameter 'end': " + end.error().message())));
  if (*end < *start)
    return done(error_response(invalid_argument("invalid parameter 'end': end timestamp must not be before start time")));
  auto step = parse_duration_param(p.get("step"));
  if (!step) return done(error_response(invalid_argument("invalid parameter 'step': " + step.error().message())));
  if (*step <= 0)
    return done(error_response(invalid_argument(
      "zero or negative query resolution step widths are not accepted. Try a positive integer")));
  if ((*end - *start) / *step > c.settings.max_points)
    return done(error_response(invalid_argument(
      "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
      "resolution (?step=XX)")));
  run_query(c, {std::string(q), *start, *end, *step, timeout_param(c, p)}, std::move(done));
}

// -- metadata -----------------------------------------------------------------

/// Parses start/end (defaults: all time) and every match[] selector.
result<std::vector<messages::select_request>> metadata_selects(const request_params& p,
                                                               bool match_required) {
  time_range r;
  if (auto s = p.get("start"); !s.empty()) {
    auto t = parse_time_param(s);
    if (!t) return invalid_argument("invalid parameter 'start': " + t.error().message());
    r.min = *t;
  }
  if (auto e = p.get("end"); !e.empty()) {
    auto t = parse_time_param(e);
    if (!t) return invalid_argument("invalid parameter 'end': " + t.error().message());
    r.max = *t;
  }
  std::vector<messages::select_request> out;
  for (const auto& m : p.get_all("match[]")) {
    auto ms = parse_series_selector(m);
    if (!ms) return invalid_argument("invalid parameter 'match[]': " + ms.error().message());
    out.push_back(messages::make_select(*ms, r));
  }
  if (out.empty()) {
    if (match_required) return invalid_argument("no match[] parameter provided");
    out.push_back(messages::make_select({}, r));
  }
  return out;
}

/// Runs one request per selector and merges the answers in the bridge.
template <class Reply, class Send, class Render>
void gather_metadata(const ctx& c, std::vector<messages::select_request> sels, Send send,
                     Render render, responder done) {
  auto timeout = defaults::metadata_timeout + std::chrono::seconds(1);
  c.run([=](bridge_ptr self, const api_handles& h) {
    struct state {
      std::vector<Reply> parts;
      std::size_t pending;
      bool failed = false;
    };
    auto st = std::make_shared<state>();
    st->pending = sels.size();
    for (const auto& sel : sels)
      send(self, h, timeout, sel)
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

http_response render_strings(std::vector<messages::string_list> parts) {
  std::vector<std::string> all;
  for (auto& p : parts) std::move(p.items.begin(), p.items.end(), std::back_inserter(all));
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return json(200, render_string_list(all));
}

http_response render_series(std::vector<messages::series_payload> parts) {
  std::vector<labels> all;
  for (auto& p : parts) {
    auto got = messages::decode_series_set(p.bytes);
    if (!got) return error_response(got.error());
    for (auto& s : *got) all.push_back(std::move(s.lbls));
  }
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return json(200, render_series_list(all));
}

void get_series(const ctx& c, const request_params& p, responder done) {
  auto sels = metadata_selects(p, true);
  if (!sels) return done(error_response(sels.error()));
  gather_metadata<messages::series_payload>(
    c, std::move(*sels),
    [](bridge_ptr self, const api_handles& h, auto t, const messages::select_request& s) {
      return self->request(h.queries, t, atom::series_v, s);
    },
    render_series, std::move(done));
}

void get_labels(const ctx& c, const request_params& p, responder done) {
  auto sels = metadata_selects(p, false);
  if (!sels) return done(error_response(sels.error()));
  gather_metadata<messages::string_list>(
    c, std::move(*sels),
    [](bridge_ptr self, const api_handles& h, auto t, const messages::select_request& s) {
      return self->request(h.queries, t, atom::label_names_v, s);
    },
    render_strings, std::move(done));
}

void get_label_values(const ctx& c, std::string name, const request_params& p, responder done) {
  auto sels = metadata_selects(p, false);
  if (!sels) return done(error_response(sels.error()));
  gather_metadata<messages::string_list>(
    c, std::move(*sels),
    [name](bridge_ptr self, const api_handles& h, auto t, const messages::select_request& s) {
      return self->request(h.queries, t, atom::label_values_v, name, s);
    },
    render_strings, std::move(done));
}

// -- operations -----------------------------------------------------------------

void get_ready(const ctx& c, responder done) {
  c.run([=](bridge_ptr self, const api_handles& h) {
    self->request(h.node, std::chrono::seconds(2), atom::status_v)
      .then([=](bool ready) {
              done(ready ? text(200, "vigil is Ready.\n")
                         : text(503, "vigil is not ready: some shards are unavailable.\n"));
            },
            [=](caf::error&) { done(text(503, "vigil is not ready.\n")); });
  });
}

http_response self_metrics(const counters& s) {
  std::string out;
  auto counter = [&out](const char* name, const char* help, std::uint64_t v) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n" + name +
           " " + std::to_string(v) + "\n";
  };
  counter("vigil_ingest_samples_total", "Samples committed to shards.", s.samples_ingested);
  counter("vigil_ingest_duplicate_samples_total", "Samples skipped: same timestamp as newest.",
          s.samples_duplicate);
  counter("vigil_ingest_out_of_order_samples_total", "Samples rejected: older than newest.",
          s.samples_out_of_order);
  counter("vigil_ingest_rejected_requests_total", "Ingest requests rejected as malformed.",
          s.requests_rejected);
  counter("vigil_queries_total", "PromQL queries received.", s.queries);
  counter("vigil_queries_failed_total", "PromQL queries that failed.", s.queries_failed);
  return {200, "text/plain; version=0.0.4; charset=utf-8", std::move(out), {}};
}

void dispatch(const ctx& c, http_request&& r, responder done) {
  auto [path, qs] = split_target(r.target);
  const bool get = r.method == "GET" || r.method == "HEAD";
  const bool post = r.method == "POST";
  if (path == "/-/healthy") return done(text(200, "vigil is Healthy.\n"));
  if (path == "/-/ready") return get_ready(c, std::move(done));
  if (path == "/metrics" && get) return done(self_metrics(*c.stats));
  if (post && path == "/v1/metrics") return post_json_metrics(c, std::move(r), std::move(done));
  if (post && path == "/api/v1/write") return post_remote_write(c, std::move(r), std::move(done));
  if (post && path == "/api/v1/import/prometheus")
    return post_text_import(c, std::move(r), std::move(done));
  if (!get && !post)
    return done(json(405, render_error("bad_data", "method " + r.method + " not allowed")));
  auto params = request_params::from(qs, post ? r.content_type : "", post ? r.body : "");
  if (path == "/api/v1/query") return get_query(c, params, std::move(done));
  if (path == "/api/v1/query_range") return get_query_range(c, params, std::move(done));
  if (path == "/api/v1/series") return get_series(c, params, std::move(done));
  if (path == "/api/v1/labels") return get_labels(c, params, std::move(done));
  constexpr std::string_view lv_prefix = "/api/v1/label/";
  constexpr std::string_view lv_suffix = "/values";
  if (path.starts_with(lv_prefix) && path.ends_with(lv_suffix) &&
      path.size() > lv_prefix.size() + lv_suffix.size()) {
    auto name = path.substr(lv_prefix.size(), path.size() - lv_prefix.size() - lv_suffix.size());
    return get_label_values(c, url_decode(name), params, std::move(done));
  }
  done(json(404, render_error("not_found", "no such endpoint: " + std::string(path))));
}

} // namespace

handler make_routes(caf::actor_system& sys, api_bridge_actor bridge, api_settings settings) {
  ctx c{&sys, std::move(bridge), settings, std::make_shared<counters>()};
  return [c](http_request&& r, responder done) { dispatch(c, std::move(r), std::move(done)); };
}

} // namespace vigil::api
