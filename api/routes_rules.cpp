// Rule routes: POST/GET /v1/alerts/rules, GET/PUT/DELETE
// /v1/alerts/rules/{group}, the Prometheus read views /api/v1/rules and
// /api/v1/alerts, and the rule counters of /metrics. Bodies are validated
// here (alert::split_rule_file: 400 naming the line); the rules supervisor
// persists and runs what passes.
#include <caf/typed_event_based_actor.hpp>

#include "actors/defaults.hpp"
#include "actors/errors.hpp"
#include "alert/rule_source.hpp"
#include "api/prom_json.hpp"
#include "api/routes_detail.hpp"
#include "api/rules_json.hpp"

namespace vigil::api::detail {

namespace {

constexpr auto timeout = defaults::rules_api_timeout;

using render_fn = std::function<http_response(const messages::rules_snapshot&)>;

/// Runs f(self, supervisor) in the bridge; answers failures itself.
template <class F>
void with_rules(const ctx& c, const responder& done, F f) {
  c.run([=](bridge_ptr self, const api_handles& h) {
    self->request(h.node, timeout, atom::get_v, atom::rules_v)
      .then(
        [=](rules_supervisor_actor& r) {
          if (!r) return done(error_response(unavailable("the rules supervisor is not running")));
          f(self, r);
        },
        [=](caf::error& e) { done(error_response(to_status(e))); });
  });
}

void with_snapshot(const ctx& c, const responder& done, render_fn render) {
  with_rules(c, done, [=](bridge_ptr self, const rules_supervisor_actor& r) {
    self->request(r, timeout, atom::get_v, atom::rules_v)
      .then([=](const messages::rules_snapshot& s) { done(render(s)); },
            [=](caf::error& e) { done(error_response(to_status(e))); });
  });
}

/// Sends a change (rules_put / rules_delete); answers `ok_body` on success.
template <class Msg>
void change(const ctx& c, const responder& done, Msg msg, std::string ok_body) {
  with_rules(c, done, [=](bridge_ptr self, const rules_supervisor_actor& r) {
    self->request(r, timeout, atom::rules_v, msg)
      .then([=] { done(json(200, ok_body)); }, [=](caf::error& e) { done(error_response(to_status(e))); });
  });
}

std::string names_body(const std::vector<alert::stored_group>& gs) {
  std::string data = "{\"groups\":[";
  for (std::size_t i = 0; i < gs.size(); ++i) {
    if (i) data += ',';
    append_json_string(data, gs[i].group.name);
  }
  return render_success_raw(data + "]}");
}

result<std::vector<alert::stored_group>> parse_body(const std::string& body) {
  auto gs = alert::split_rule_file(body);
  if (gs && gs->empty()) return invalid_argument("the rule file has no groups");
  return gs;
}

void get_one(const ctx& c, const std::string& name, const responder& done) {
  with_snapshot(c, done, [name](const messages::rules_snapshot& s) {
    auto body = render_rule_groups(s, name);
    if (body.empty()) return error_response(not_found("no rule group named \"" + name + "\""));
    return json(200, render_success_raw(body));
  });
}

void put_one(const ctx& c, const std::string& name, const std::string& body, const responder& done) {
  auto gs = parse_body(body);
  if (!gs) return done(error_response(gs.error()));
  if (gs->size() != 1 || (*gs)[0].group.name != name)
    return done(error_response(
      invalid_argument("PUT /v1/alerts/rules/" + name + " takes exactly one group named \"" + name + "\"")));
  auto ok_body = names_body(*gs);
  change(c, done, messages::rules_put{std::move(*gs)}, std::move(ok_body));
}

} // namespace

void rule_groups(const ctx& c, call& r, responder done) {
  if (r.req.method != "POST")
    return with_snapshot(c, done, [](const messages::rules_snapshot& s) {
      return json(200, render_success_raw(render_rule_groups(s)));
    });
  auto gs = parse_body(r.req.body);
  if (!gs) return done(error_response(gs.error()));
  auto ok_body = names_body(*gs);
  change(c, done, messages::rules_put{std::move(*gs)}, std::move(ok_body));
}

void rule_group(const ctx& c, call& r, responder done) {
  const auto& name = r.path_arg;
  if (r.req.method == "PUT") return put_one(c, name, r.req.body, done);
  if (r.req.method == "DELETE")
    return change(c, done, messages::rules_delete{name}, render_success_raw("{}"));
  get_one(c, name, done);
}

void get_prom_rules(const ctx& c, call& r, responder done) {
  std::string type(r.params.get("type"));
  if (!type.empty() && type != "alert" && type != "record")
    return done(error_response(invalid_argument("unsupported type \"" + type + "\"")));
  with_snapshot(c, done, [type](const messages::rules_snapshot& s) { return json(200, render_prom_rules(s, type)); });
}

void get_prom_alerts(const ctx& c, call&, responder done) {
  with_snapshot(c, done, [](const messages::rules_snapshot& s) { return json(200, render_prom_alerts(s)); });
}

void append_rule_metrics(const ctx& c, std::string text, responder done) {
  auto finish = [=](std::string extra) {
    done({200, "text/plain; version=0.0.4; charset=utf-8", text + extra, {}, nullptr});
  };
  c.run([=](bridge_ptr self, const api_handles& h) {
    self->request(h.node, timeout, atom::get_v, atom::rules_v)
      .then(
        [=](rules_supervisor_actor& r) {
          if (!r) return finish("");
          self->request(r, timeout, atom::get_v, atom::rules_v)
            .then([=](const messages::rules_snapshot& s) { finish(render_rule_metrics(s)); },
                  [=](caf::error&) { finish(""); });
        },
        [=](caf::error&) { finish(""); });
  });
}

} // namespace vigil::api::detail
