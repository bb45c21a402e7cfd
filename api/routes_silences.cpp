// Silence routes, in Alertmanager's API v2 shape:
//   POST   /api/v2/silences        {matchers:[{name,value,isRegex,isEqual}], startsAt,
//                                   endsAt, createdBy, comment[, id]} -> {"silenceID": id}
//   GET    /api/v2/silences        [{id, status:{state}, updatedAt, matchers, startsAt,
//                                   endsAt, createdBy, comment}]
//   DELETE /api/v2/silence/{id}    expires the silence -> 200
// Each request asks the node for the notifier, then the notifier (timeouts).
#include <simdjson.h>

#include <caf/typed_event_based_actor.hpp>

#include "actors/errors.hpp"
#include "alert/payloads.hpp"
#include "api/prom_json.hpp"
#include "api/routes_detail.hpp"

namespace vigil::api::detail {

namespace {

constexpr auto silence_timeout = std::chrono::seconds(10);

/// Runs `f(self, notifier)` in the bridge once the node named the notifier.
template <class F>
void with_notifier(const ctx& c, responder done, F f) {
  c.run([=](bridge_ptr self, const api_handles& h) {
    self->request(h.node, silence_timeout, atom::get_v, atom::notify_v)
      .then(
        [=](notifier_actor n) {
          if (!n) return done(error_response(unavailable("the notifier is not running")));
          f(self, n);
        },
        [=](caf::error& err) { done(error_response(to_status(err))); });
  });
}

result<matcher> matcher_of(simdjson::dom::element m) {
  std::string_view name, value;
  bool is_regex = false, is_equal = true;
  if (m["name"].get(name) || m["value"].get(value)) return invalid_argument("matcher needs name and value");
  if (auto r = m["isRegex"]; r.error() == simdjson::SUCCESS && r.get(is_regex))
    return invalid_argument("isRegex must be a boolean");
  if (auto e = m["isEqual"]; e.error() == simdjson::SUCCESS && e.get(is_equal))
    return invalid_argument("isEqual must be a boolean");
  auto type = is_regex ? (is_equal ? match_type::regex : match_type::not_regex)
                       : (is_equal ? match_type::equal : match_type::not_equal);
  return matcher::make(type, std::string(name), std::string(value));
}

result<timestamp_ms> time_field(simdjson::dom::element doc, const char* key, timestamp_ms fallback) {
  std::string_view s;
  if (doc[key].get(s)) return fallback;
  auto t = parse_time_param(s);
  if (!t) return invalid_argument(std::string(key) + ": " + t.error().message());
  return *t;
}

/// The POST body as a silence (times default to now and now + 1 h).
result<alert::silence> parse_silence(const std::string& body, timestamp_ms now) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc) || !doc.is_object()) return invalid_argument("body must be a JSON object");
  alert::silence s;
  std::string_view text;
  if (!doc["id"].get(text)) s.id = std::string(text);
  if (!doc["createdBy"].get(text)) s.created_by = std::string(text);
  if (!doc["comment"].get(text)) s.comment = std::string(text);
  simdjson::dom::array ms;
  if (doc["matchers"].get(ms)) return invalid_argument("matchers must be a list");
  for (auto m : ms) {
    auto parsed = matcher_of(m);
    if (!parsed) return parsed.error();
    s.match.push_back(std::move(*parsed));
  }
  auto start = time_field(doc, "startsAt", now);
  if (!start) return start.error();
  auto end = time_field(doc, "endsAt", *start + 3'600'000);
  if (!end) return end.error();
  s.starts_at = std::max(*start, timestamp_ms{0});
  s.ends_at = *end;
  return s;
}

const char* state_of(const alert::silence& s, timestamp_ms now) {
  if (now >= s.ends_at) return "expired";
  return now < s.starts_at ? "pending" : "active";
}

void append_silence(std::string& out, const alert::silence& s, timestamp_ms now) {
  out += R"({"id":)";
  append_json_string(out, s.id);
  out += R"(,"status":{"state":")";
  out += state_of(s, now);
  out += R"("},"updatedAt":)";
  append_json_string(out, alert::format_rfc3339(std::min(now, s.ends_at)));
  out += R"(,"matchers":[)";
  for (std::size_t i = 0; i < s.match.size(); ++i) {
    const auto& m = s.match[i];
    out += i > 0 ? R"(,{"name":)" : R"({"name":)";
    append_json_string(out, m.name());
    out += R"(,"value":)";
    append_json_string(out, m.value());
    bool re = m.type() == match_type::regex || m.type() == match_type::not_regex;
    bool eq = m.type() == match_type::equal || m.type() == match_type::regex;
    out += std::string(R"(,"isRegex":)") + (re ? "true" : "false") + R"(,"isEqual":)" + (eq ? "true" : "false") + "}";
  }
  out += R"(],"startsAt":)";
  append_json_string(out, alert::format_rfc3339(s.starts_at));
  out += R"(,"endsAt":)";
  append_json_string(out, alert::format_rfc3339(s.ends_at));
  out += R"(,"createdBy":)";
  append_json_string(out, s.created_by);
  out += R"(,"comment":)";
  append_json_string(out, s.comment);
  out += "}";
}

} // namespace

void silences(const ctx& c, call& r, responder done) {
  if (r.req.method == "POST") return post_silence(c, r, std::move(done));
  get_silences(c, r, std::move(done));
}

void post_silence(const ctx& c, call& r, responder done) {
  auto s = parse_silence(r.req.body, now_ms());
  if (!s) return done(error_response(s.error()));
  auto sil = std::make_shared<alert::silence>(std::move(*s));
  with_notifier(c, done, [=](bridge_ptr self, notifier_actor n) {
    self->request(n, silence_timeout, atom::silences_v, atom::write_v, *sil)
      .then(
        [=](const std::string& id) {
          std::string out = R"({"silenceID":)";
          append_json_string(out, id);
          done(json(200, out + "}"));
        },
        [=](caf::error& err) { done(error_response(to_status(err))); });
  });
}

void get_silences(const ctx& c, call&, responder done) {
  with_notifier(c, done, [=](bridge_ptr self, notifier_actor n) {
    self->request(n, silence_timeout, atom::silences_v, atom::get_v)
      .then(
        [=](const silence_list& list) {
          auto now = now_ms();
          std::string out = "[";
          for (std::size_t i = 0; i < list.items.size(); ++i) {
            if (i > 0) out += ',';
            append_silence(out, list.items[i], now);
          }
          done(json(200, out + "]"));
        },
        [=](caf::error& err) { done(error_response(to_status(err))); });
  });
}

void delete_silence(const ctx& c, call& r, responder done) {
  auto id = r.path_arg;
  if (id.empty()) return done(error_response(invalid_argument("missing silence id")));
  with_notifier(c, done, [=](bridge_ptr self, notifier_actor n) {
    self->request(n, silence_timeout, atom::silences_v, atom::invalidate_v, id)
      .then([=](bool) { done(json(200, "{}")); },
            [=](caf::error& err) { done(error_response(to_status(err))); });
  });
}

namespace {

std::string render_notify_metrics(const alert::notify_stats& n) {
  std::string out;
  auto counter = [&out](const char* name, const char* help, std::uint64_t v) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n" + name + " " +
           std::to_string(v) + "\n";
  };
  counter("vigil_notifications_enqueued_total", "Notifications written to the outbox.", n.enqueued);
  counter("vigil_notifications_delivered_total", "Notifications delivered to a channel.", n.delivered);
  counter("vigil_notifications_failed_total", "Failed delivery attempts (each retry counts).", n.failed);
  counter("vigil_notifications_dropped_total", "Notifications given up (permanent error or max attempts).",
          n.dropped);
  counter("vigil_notifications_fallback_total", "Copies sent to a fallback channel.", n.fallbacks);
  counter("vigil_notifications_outbox_errors_total", "Outbox writes that failed.", n.store_errors);
  return out;
}

} // namespace

void append_notify_metrics(const ctx& c, std::string text, std::function<void(std::string)> next) {
  c.run([=](bridge_ptr self, const api_handles& h) {
    self->request(h.node, silence_timeout, atom::get_v, atom::notify_v)
      .then(
        [=](notifier_actor n) {
          if (!n) return next(text);
          self->request(n, silence_timeout, atom::stats_v, atom::notify_v)
            .then([=](const alert::notify_stats& st) { next(text + render_notify_metrics(st)); },
                  [=](caf::error&) { next(text); });
        },
        [=](caf::error&) { next(text); });
  });
}

} // namespace vigil::api::detail
