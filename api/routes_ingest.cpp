// Ingest routes: decode with the pure codecs, record any metric metadata,
// then one write request to the router.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>

#include <caf/typed_event_based_actor.hpp>

#include "actors/defaults.hpp"
#include "actors/errors.hpp"
#include "api/json_ingest.hpp"
#include "api/prom_json.hpp"
#include "api/remote_write.hpp"
#include "api/routes_detail.hpp"
#include "api/text_import.hpp"

namespace vigil::api::detail {

namespace {

http_response ingest_ok(int ok_code, const messages::ingest_ack& ack) {
  if (ok_code == 204) return {204, "text/plain", "", {}, nullptr};
  return json(ok_code, "{\"status\":\"success\",\"data\":{\"samples\":" + std::to_string(ack.appended) +
                         ",\"duplicates\":" + std::to_string(ack.duplicates) + "}}");
}

http_response out_of_order(const messages::ingest_ack& ack) {
  return error_response(invalid_argument(
    std::to_string(ack.out_of_order) +
    " samples were older than their series' newest sample and older than "
    "storage.out_of_order_window, and were rejected; " + std::to_string(ack.appended) + " samples were stored"));
}

http_response over_limit(const messages::ingest_ack& ack) {
  return error_response(invalid_argument(
    "series limit: " + ack.limit_error + "; " + std::to_string(ack.limited) +
    " samples of new series were rejected, " + std::to_string(ack.appended) + " samples were stored"));
}

/// 429 with Prometheus' error body, the service's limit in the message and
/// Retry-After in whole seconds (none when the write can never fit).
http_response too_many(const rate_limited& why) {
  std::string body = R"({"status":"error","errorType":"rate_limited","error":)";
  append_json_string(body, why.message);
  http_response r = json(429, body + "}");
  if (std::isfinite(why.retry_after_s))
    r.headers.emplace_back("Retry-After", std::to_string(std::max<long long>(
                                            1, static_cast<long long>(std::ceil(why.retry_after_s)))));
  return r;
}

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// Writes `batch` through the router and answers `ok_code` (200 with counts,
/// or 204) once every shard committed. An empty batch (e.g. a remote-write
/// request that carries only metadata) is answered without a request. A
/// batch over a service's rate limit is refused whole (429).
void ingest(const ctx& c, write_batch&& batch, responder done, int ok_code) {
  if (batch.items.empty()) return done(ingest_ok(ok_code, {}));
  if (auto why = c.limiter->admit(batch, steady_seconds())) {
    ++c.stats->requests_rate_limited;
    c.stats->samples_rate_limited += batch.sample_count();
    return done(too_many(*why));
  }
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
          stats->samples_limited += ack.limited;
          done(ack.limited > 0        ? over_limit(ack)
               : ack.out_of_order > 0 ? out_of_order(ack)
                                      : ingest_ok(ok_code, ack));
        },
        [=](caf::error& err) { done(error_response(to_status(err))); });
  });
}

void reject(const ctx& c, const status& st, const responder& done) {
  ++c.stats->requests_rejected;
  done(error_response(st));
}

} // namespace

void post_json_metrics(const ctx& c, call& r, responder done) {
  auto batch = decode_json_metrics(r.req.body, now_ms());
  if (!batch) return reject(c, batch.error(), done);
  ingest(c, std::move(*batch), std::move(done), 200);
}

void post_remote_write(const ctx& c, call& r, responder done) {
  const auto& enc = r.req.content_encoding;
  if (!enc.empty() && enc != "snappy")
    return reject(c, invalid_argument("unsupported Content-Encoding '" + enc +
                                      "': remote write bodies are snappy-compressed"),
                  done);
  std::vector<metric_metadata> metadata;
  auto batch = decode_remote_write(r.req.body, c.settings.max_decoded_bytes, &metadata);
  if (!batch) return reject(c, batch.error(), done);
  c.metadata->record(metadata);
  ingest(c, std::move(*batch), std::move(done), 204);
}

void post_text_import(const ctx& c, call& r, responder done) {
  std::vector<metric_metadata> metadata;
  auto batch = decode_prometheus_text(r.req.body, now_ms(), &metadata);
  if (!batch) return reject(c, batch.error(), done);
  c.metadata->record(metadata);
  ingest(c, std::move(*batch), std::move(done), 204);
}

} // namespace vigil::api::detail
