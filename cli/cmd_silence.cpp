// vigil silence add|list|expire: manages silences through the node's
// Alertmanager-compatible API (/api/v2/silences).
#include <cstdio>

#include <simdjson.h>

#include "alert/notify_config.hpp"
#include "alert/payloads.hpp"
#include "cli/commands.hpp"
#include "cli/http_client.hpp"
#include "core/json.hpp"
#include "query/lexer.hpp"

namespace vigil::cli {

namespace {

int fail(const std::string& msg) {
  std::fprintf(stderr, "vigil silence: %s\n", msg.c_str());
  return 1;
}

/// The POST body for `vigil silence add`, or an error naming the argument.
result<std::string> silence_body(const silence_flags& f, timestamp_ms now) {
  if (f.matchers.empty()) return invalid_argument("at least one matcher (label=value) is required");
  auto d = query::parse_duration(f.duration);
  if (!d || *d <= 0) return invalid_argument("--duration: invalid duration '" + f.duration + "'");
  std::string out = R"({"matchers":[)";
  for (std::size_t i = 0; i < f.matchers.size(); ++i) {
    auto m = alert::parse_matcher(f.matchers[i]);
    if (!m) return invalid_argument("matcher '" + f.matchers[i] + "': " + m.error().message());
    bool re = m->type() == match_type::regex || m->type() == match_type::not_regex;
    bool eq = m->type() == match_type::equal || m->type() == match_type::regex;
    out += i > 0 ? R"(,{"name":)" : R"({"name":)";
    append_json_string(out, m->name());
    out += R"(,"value":)";
    append_json_string(out, m->value());
    out += std::string(R"(,"isRegex":)") + (re ? "true" : "false") + R"(,"isEqual":)" + (eq ? "true" : "false") + "}";
  }
  out += R"(],"startsAt":)";
  append_json_string(out, alert::format_rfc3339(now));
  out += R"(,"endsAt":)";
  append_json_string(out, alert::format_rfc3339(now + *d));
  out += R"(,"createdBy":)";
  append_json_string(out, f.author);
  out += R"(,"comment":)";
  append_json_string(out, f.comment);
  return out + "}";
}

std::string error_text(const http_reply& r) {
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  std::string_view msg;
  if (!p.parse(r.body).get(doc) && !doc["error"].get(msg)) return std::string(msg);
  return "HTTP " + std::to_string(r.status) + ": " + r.body;
}

int add(const silence_flags& f) {
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch()).count();
  auto body = silence_body(f, now);
  if (!body) return fail(body.error().message());
  auto r = http_post(f.server + "/api/v2/silences", "application/json", *body, 10000);
  if (!r) return fail(r.error().message());
  if (r->status != 200) return fail(error_text(*r));
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  std::string_view id;
  if (p.parse(r->body).get(doc) || doc["silenceID"].get(id)) return fail("unexpected answer: " + r->body);
  std::printf("%.*s\n", static_cast<int>(id.size()), id.data());
  return 0;
}

std::string matchers_text(simdjson::dom::array ms) {
  std::string out;
  for (auto m : ms) {
    std::string_view name, value;
    bool re = false, eq = true;
    if (m["name"].get(name) || m["value"].get(value)) continue;
    if (m["isRegex"].get(re) != simdjson::SUCCESS) re = false;
    if (m["isEqual"].get(eq) != simdjson::SUCCESS) eq = true;
    if (!out.empty()) out += ' ';
    out += name;
    out += eq ? (re ? "=~" : "=") : (re ? "!~" : "!=");
    out += value;
  }
  return out;
}

int list(const silence_flags& f) {
  auto r = http_get(f.server + "/api/v2/silences", 10000);
  if (!r) return fail(r.error().message());
  if (r->status != 200) return fail(error_text(*r));
  simdjson::dom::parser p;
  simdjson::dom::array items;
  if (p.parse(r->body).get(items)) return fail("unexpected answer: " + r->body);
  std::printf("%-36s  %-8s  %-24s  %-12s  %s\n", "ID", "STATE", "ENDS", "AUTHOR", "MATCHERS / COMMENT");
  for (auto s : items) {
    std::string_view id, state, ends, by, comment;
    simdjson::dom::array ms;
    if (s["id"].get(id) || s["status"]["state"].get(state) || s["endsAt"].get(ends) || s["matchers"].get(ms))
      return fail("unexpected silence in answer");
    if (s["createdBy"].get(by) != simdjson::SUCCESS) by = "";
    if (s["comment"].get(comment) != simdjson::SUCCESS) comment = "";
    std::printf("%-36.*s  %-8.*s  %-24.*s  %-12.*s  %s  (%.*s)\n", int(id.size()), id.data(), int(state.size()),
                state.data(), int(ends.size()), ends.data(), int(by.size()), by.data(), matchers_text(ms).c_str(),
                int(comment.size()), comment.data());
  }
  return 0;
}

int expire(const silence_flags& f) {
  auto r = http_delete(f.server + "/api/v2/silence/" + url_encode(f.id), 10000);
  if (!r) return fail(r.error().message());
  if (r->status != 200) return fail(error_text(*r));
  std::printf("expired %s\n", f.id.c_str());
  return 0;
}

} // namespace

int cmd_silence(const silence_flags& f) {
  if (f.action == "add") return add(f);
  if (f.action == "list") return list(f);
  if (f.action == "expire") return expire(f);
  return fail("unknown action '" + f.action + "'");
}

} // namespace vigil::cli
