// vigil rules apply|list|get|delete|check: manages alerting and recording
// rules on a node (REST: /v1/alerts/rules) and validates rule files offline.
#include <cstdio>
#include <fstream>
#include <sstream>

#include <simdjson.h>

#include "alert/rule_source.hpp"
#include "alert/template.hpp"
#include "cli/commands.hpp"
#include "cli/http_client.hpp"

namespace vigil::cli {

namespace {

int fail(const std::string& msg) {
  std::fprintf(stderr, "vigil rules: %s\n", msg.c_str());
  return 1;
}

result<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return io_error("cannot read '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Templates of every rule (labels and annotations), naming the rule's line.
status check_templates(const std::vector<alert::stored_group>& gs) {
  for (const auto& g : gs)
    for (const auto& r : g.group.rules) {
      if (!r.is_alert()) continue;
      auto where = "line " + std::to_string(r.line) + ": group \"" + g.group.name + "\", rule " + r.name();
      for (const auto& l : r.alert().extra_labels)
        if (auto st = alert::check_template(l.value); !st)
          return invalid_argument(where + ": label \"" + l.name + "\": " + st.message());
      for (const auto& [name, text] : r.alert().annotations)
        if (auto st = alert::check_template(text); !st)
          return invalid_argument(where + ": annotation \"" + name + "\": " + st.message());
    }
  return status::ok();
}

/// Reads and validates a rule file as the server would, plus its templates.
result<std::pair<std::string, std::vector<alert::stored_group>>> load_checked(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.error();
  auto gs = alert::split_rule_file(*text);
  if (!gs) return invalid_argument(path + ": " + gs.error().message());
  if (auto st = check_templates(*gs); !st) return invalid_argument(path + ": " + st.message());
  return std::pair{std::move(*text), std::move(*gs)};
}

/// The server's answer: 0 on 2xx, else the error it names.
int answer(const result<http_reply>& r, std::string* body = nullptr) {
  if (!r) return fail(r.error().message());
  if (r->status >= 200 && r->status < 300) {
    if (body) *body = r->body;
    return 0;
  }
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  std::string_view err;
  if (p.parse(r->body).get(doc) || doc["error"].get(err))
    return fail("server answered HTTP " + std::to_string(r->status));
  return fail(std::string(err));
}

std::string group_url(const rules_flags& f) { return f.server + "/v1/alerts/rules/" + url_encode(f.name); }

int print_list(const std::string& body) {
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  simdjson::dom::array groups;
  if (p.parse(body).get(doc) || doc["data"]["groups"].get(groups)) return fail("unexpected answer");
  if (groups.size() == 0) std::printf("(no rule groups)\n");
  for (auto g : groups) {
    std::string_view name, managed;
    double interval = 0;
    simdjson::dom::array rules;
    if (g["name"].get(name) || g["interval"].get(interval) || g["rules"].get(rules) ||
        g["managedBy"].get(managed))
      return fail("unexpected answer");
    std::printf("%s  (every %gs, %zu rules, %s)\n", std::string(name).c_str(), interval, rules.size(),
                std::string(managed).c_str());
    for (auto r : rules) {
      std::string_view rname, type, health, state = "-";
      if (r["name"].get(rname) || r["type"].get(type) || r["health"].get(health)) return fail("unexpected answer");
      if (r["state"].get(state)) state = "-";
      std::printf("  %-10s %-40s health=%s state=%s\n", std::string(type).c_str(), std::string(rname).c_str(),
                  std::string(health).c_str(), std::string(state).c_str());
    }
  }
  return 0;
}

} // namespace

int cmd_rules(const rules_flags& f) {
  if (f.action == "apply") return cmd_rules_apply(f);
  if (f.action == "list") return cmd_rules_list(f);
  if (f.action == "get") return cmd_rules_get(f);
  if (f.action == "delete") return cmd_rules_delete(f);
  if (f.action == "check") return cmd_rules_check(f);
  if (f.action == "test") return cmd_rules_test(f);
  if (f.action == "backtest") return cmd_rules_backtest(f);
  return fail("unknown action '" + f.action + "'");
}

int cmd_rules_check(const rules_flags& f) {
  auto c = load_checked(f.file);
  if (!c) return fail(c.error().message());
  std::size_t n = 0;
  for (const auto& g : c->second) n += g.group.rules.size();
  std::printf("%s: SUCCESS: %zu groups, %zu rules found\n", f.file.c_str(), c->second.size(), n);
  return 0;
}

int cmd_rules_apply(const rules_flags& f) {
  auto c = load_checked(f.file);
  if (!c) return fail(c.error().message());
  if (int rc = answer(http_post(f.server + "/v1/alerts/rules", "application/yaml", c->first)); rc != 0) return rc;
  for (const auto& g : c->second) std::printf("rule group \"%s\" applied\n", g.group.name.c_str());
  return 0;
}

int cmd_rules_list(const rules_flags& f) {
  std::string body;
  if (int rc = answer(http_get(f.server + "/v1/alerts/rules"), &body); rc != 0) return rc;
  return print_list(body);
}

int cmd_rules_get(const rules_flags& f) {
  std::string body;
  if (int rc = answer(http_get(group_url(f)), &body); rc != 0) return rc;
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  std::string_view source;
  if (p.parse(body).get(doc) || doc["data"]["source"].get(source)) return fail("unexpected answer");
  if (source.empty()) std::printf("%s\n", body.c_str()); // file-managed: the JSON view
  else std::printf("%s", std::string(source).c_str());
  return 0;
}

int cmd_rules_delete(const rules_flags& f) {
  if (int rc = answer(http_delete(group_url(f))); rc != 0) return rc;
  std::printf("rule group \"%s\" deleted\n", f.name.c_str());
  return 0;
}

} // namespace vigil::cli
