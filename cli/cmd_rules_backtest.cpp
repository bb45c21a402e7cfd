// vigil rules backtest -f FILE --from T1 [--to T2]: replays the alerting rules
// of a rule file over a node's stored history and prints when each alert would
// have gone pending, fired and resolved. Each rule's expression is fetched
// with range queries at step = its group's interval (what the rule's instant
// evaluations at those times would have seen), in windows below the server's
// point limit; alert::backtest does the rest.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <fstream>
#include <sstream>
#include <utility>

#include <simdjson.h>

#include "alert/backtest.hpp"
#include "alert/payloads.hpp"
#include "alert/rule_source.hpp"
#include "alert/template.hpp"
#include "api/codec_util.hpp"
#include "api/query_params.hpp"
#include "cli/commands.hpp"
#include "cli/http_client.hpp"
#include "query/lexer.hpp"

namespace vigil::cli {

namespace {

int fail(const std::string& msg) {
  std::fprintf(stderr, "vigil rules backtest: %s\n", msg.c_str());
  return 1;
}

/// The rule file, validated as `vigil rules check` validates it.
result<std::vector<alert::stored_group>> load_rules(const std::string& path) {
  std::ifstream in(path);
  if (!in) return io_error("cannot read '" + path + "'");
  std::stringstream text;
  text << in.rdbuf();
  auto gs = alert::split_rule_file(text.str());
  if (!gs) return invalid_argument(path + ": " + gs.error().message());
  for (const auto& g : *gs)
    for (const auto& r : g.group.rules) {
      if (!r.is_alert()) continue;
      auto where = path + ": line " + std::to_string(r.line) + ": rule " + r.name();
      for (const auto& l : r.alert().extra_labels)
        if (auto st = alert::check_template(l.value); !st)
          return invalid_argument(where + ": label \"" + l.name + "\": " + st.message());
      for (const auto& [name, text] : r.alert().annotations)
        if (auto st = alert::check_template(text); !st)
          return invalid_argument(where + ": annotation \"" + name + "\": " + st.message());
    }
  return gs;
}

result<timestamp_ms> parse_time(const char* flag, const std::string& s) {
  auto t = api::parse_time_param(s);
  if (!t) return invalid_argument(std::string(flag) + ": " + t.error().message());
  return t;
}

timestamp_ms now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

/// Unix seconds with milliseconds, as the API's time and duration parameters take them.
std::string seconds_text(timestamp_ms t) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f", static_cast<double>(t) / 1000.0);
  return buf;
}

/// HighLatency{service="api"}: the alert name, then its other labels.
std::string alert_text(const labels& l) {
  auto rest = l.without({"alertname"});
  return std::string(l.get("alertname")) + (rest.empty() ? "" : rest.to_string());
}

std::string times_text(std::uint64_t n) { return std::to_string(n) + (n == 1 ? " time" : " times"); }

/// One range query's answer.
struct window_data {
  std::vector<alert::series_points> matrix;
  std::vector<std::string> warnings;
};

/// The API's errorType as a status code: timeout and execution (too many
/// samples) may succeed for a shorter window.
errc code_of(std::string_view error_type) {
  if (error_type == "timeout") return errc::timeout;
  if (error_type == "execution") return errc::resource_exhausted;
  if (error_type == "unavailable") return errc::unavailable;
  return errc::invalid_argument;
}

result<alert::series_points> parse_series(simdjson::dom::element item) {
  simdjson::dom::object metric;
  simdjson::dom::array values;
  if (item["metric"].get(metric) || item["values"].get(values)) return invalid_argument("unexpected answer");
  std::vector<label> ls;
  for (auto [k, v] : metric) {
    std::string_view val;
    if (v.get(val)) return invalid_argument("unexpected answer");
    ls.push_back({std::string(k), std::string(val)});
  }
  alert::series_points s{labels(std::move(ls)), {}};
  for (auto p : values) {
    double t = 0;
    std::string_view v;
    simdjson::dom::array pair;
    if (p.get(pair) || pair.size() != 2 || pair.at(0).get(t) || pair.at(1).get(v))
      return invalid_argument("unexpected answer");
    auto value = api::parse_go_float(v);
    if (!value) return invalid_argument("unexpected value \"" + std::string(v) + "\"");
    s.points.push_back({std::llround(t * 1000.0), *value});
  }
  return s;
}

/// A query_range answer: the matrix, or the server's error.
result<window_data> parse_answer(const http_reply& r) {
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  std::string_view st;
  if (p.parse(r.body).get(doc) || doc["status"].get(st))
    return unavailable("server answered HTTP " + std::to_string(r.status) + " without Prometheus API JSON");
  if (st != "success") {
    std::string_view type, err;
    if (doc["errorType"].get(type)) type = "";
    if (doc["error"].get(err)) err = "unknown error";
    return status(code_of(type), std::string(err));
  }
  window_data out;
  std::string_view type;
  simdjson::dom::array items;
  if (doc["data"]["resultType"].get(type) || doc["data"]["result"].get(items)) return unavailable("unexpected answer");
  if (type != "matrix") return invalid_argument("range query returned a " + std::string(type) + ", not a matrix");
  for (auto item : items) {
    auto s = parse_series(item);
    if (!s) return s.error();
    out.matrix.push_back(std::move(*s));
  }
  simdjson::dom::array warnings;
  if (!doc["warnings"].get(warnings))
    for (auto w : warnings)
      if (std::string_view text; !w.get(text)) out.warnings.emplace_back(text);
  return out;
}

result<window_data> fetch(const std::string& server, const std::string& expr, const alert::eval_window& w,
                          timestamp_ms step) {
  const auto url = server + "/api/v1/query_range?query=" + url_encode(expr) + "&start=" + seconds_text(w.first) +
                   "&end=" + seconds_text(w.last) + "&step=" + seconds_text(step);
  auto r = http_get(url);
  if (!r) { // "cannot reach <url>: <reason>": name the node, not the whole query
    const auto& msg = r.error().message();
    const auto at = msg.find(url + ": ");
    const auto reason = at == std::string::npos ? msg : msg.substr(at + url.size() + 2);
    return io_error("cannot reach the node at " + server + ": " + reason);
  }
  return parse_answer(*r);
}

/// Windows of fewer evaluations are not halved further on a timeout.
constexpr timestamp_ms min_window_points = 100;

/// Replays `a` over [from, to] at `g`'s interval, a window per range query;
/// a window the server cannot answer in time (or within its sample limit)
/// is retried in halves. io_error: the node is unreachable.
status replay(const std::string& server, const alert::rule_group& g, const alert::alerting_rule& a,
              timestamp_ms from, timestamp_ms to, alert::backtest& bt, std::vector<std::string>& warnings) {
  const timestamp_ms step = g.interval_ms;
  auto ws = alert::split_range(from, to, step);
  std::deque<alert::eval_window> pending_windows(ws.begin(), ws.end());
  while (!pending_windows.empty()) {
    auto w = pending_windows.front();
    pending_windows.pop_front();
    auto got = fetch(server, a.expr, w, step);
    const bool retry = !got && (got.error().code() == errc::timeout || got.error().code() == errc::resource_exhausted);
    if (retry && (w.last - w.first) / step + 1 > min_window_points) {
      auto [head, tail] = alert::halve(w, step);
      pending_windows.push_front(tail);
      pending_windows.push_front(head);
      continue;
    }
    if (!got) return got.error();
    bt.replay(alert::evaluation_times(w, step), got->matrix);
    for (auto& text : got->warnings) warnings.push_back(std::move(text));
  }
  return status::ok();
}

std::string value_text(double v) {
  std::string out;
  api::append_go_float_g(out, v);
  return out;
}

void print_transition(const alert::transition& t) {
  const bool gone = t.to == alert::alert_state::inactive;
  std::printf("  %s  %s  %s -> %s  %svalue=%s\n", alert::format_rfc3339(t.at).c_str(), alert_text(t.lbls).c_str(),
              alert::to_string(t.from), t.resolved ? "resolved" : alert::to_string(t.to), gone ? "last " : "",
              value_text(t.value).c_str());
}

/// @param has_for whether the rule has a `for` (else alerts fire at once)
std::string history_text(const alert::alert_history& h, bool has_for) {
  std::string s = (has_for ? "went pending " + times_text(h.times_pending) + ", " : "") + "fired " +
                  times_text(h.times_fired);
  if (h.times_fired > 0) s += ", firing " + query::format_duration(h.firing_ms) + " total";
  if (h.state_at_end != alert::alert_state::inactive)
    s += std::string(", still ") + alert::to_string(h.state_at_end) + " at the end";
  return s;
}

void print_report(const alert::alerting_rule& a, const alert::backtest_report& r,
                  const std::vector<std::string>& warnings) {
  for (const auto& t : r.timeline) print_transition(t);
  for (const auto& w : warnings) std::printf("  ! server warning: %s\n", w.c_str());
  if (r.failed > 0)
    std::printf("  ! %llu of %llu evaluations failed (state unchanged), first at %s: %s\n",
                static_cast<unsigned long long>(r.failed), static_cast<unsigned long long>(r.evaluations),
                alert::format_rfc3339(r.first_error_at).c_str(), r.first_error.c_str());
  for (const auto& h : r.alerts)
    std::printf("  %s: %s\n", alert_text(h.lbls).c_str(), history_text(h, a.for_ms > 0).c_str());
  std::string total = a.name + ": fired " + times_text(r.times_fired());
  if (r.times_fired() > 0) total += ", firing " + query::format_duration(r.firing_ms()) + " total";
  if (auto n = r.firing_at_end(); n > 0) total += ", " + std::to_string(n) + " still firing at the end";
  std::printf("  => %s (%zu alert%s, %llu evaluations)\n", total.c_str(), r.alerts.size(),
              r.alerts.size() == 1 ? "" : "s", static_cast<unsigned long long>(r.evaluations));
}

void print_rule_head(const alert::rule_group& g, const alert::alerting_rule& a) {
  std::string opts = "group \"" + g.name + "\", every " + query::format_duration(g.interval_ms) + ", for " +
                     query::format_duration(a.for_ms);
  if (a.keep_firing_for_ms > 0) opts += ", keep_firing_for " + query::format_duration(a.keep_firing_for_ms);
  std::printf("\n%s (%s): %s\n", a.name.c_str(), opts.c_str(), a.expr.c_str());
}

/// One run: what was asked, and whether the header is out yet (it is printed
/// with the first rule, so an unreachable node leaves stdout empty).
struct session {
  const rules_flags& f;
  timestamp_ms from = 0;
  timestamp_ms to = 0;
  bool header_printed = false;

  void header() {
    if (std::exchange(header_printed, true)) return;
    const auto start = alert::format_rfc3339(from);
    std::printf("Backtest of %s against %s from %s to %s.\n", f.file.c_str(), f.server.c_str(), start.c_str(),
                alert::format_rfc3339(to).c_str());
    std::printf("Alert state before %s is unknown: every alert starts inactive there, so one already active "
                "goes pending at the start and fires only after its `for`.\n",
                start.c_str());
  }
};

/// Backtests and prints one alerting rule. @returns false when its queries
/// failed (printed); io_error when the node is unreachable.
result<bool> backtest_rule(session& s, const alert::rule_group& g, const alert::rule& r) {
  const auto& a = r.alert();
  alert::backtest bt(a, g.limit);
  std::vector<std::string> warnings;
  auto st = replay(s.f.server, g, a, s.from, s.to, bt, warnings);
  if (st.code() == errc::io_error) return st;
  s.header();
  print_rule_head(g, a);
  if (!st) {
    std::printf("  ! query failed: %s\n", st.message().c_str());
    std::fflush(stdout);
    fail("rule " + a.name + " (line " + std::to_string(r.line) + "): " + st.message());
    return false;
  }
  print_report(a, bt.report(), warnings);
  return true;
}

/// Backtests every rule of `g`: false when one failed; io_error when the
/// node is unreachable.
result<bool> backtest_group(session& s, const alert::rule_group& g) {
  bool ok = true;
  for (const auto& r : g.rules) {
    if (!r.is_alert()) {
      s.header();
      std::printf("\n%s (group \"%s\"): recording rule, skipped (recording rules do not fire)\n",
                  r.name().c_str(), g.name.c_str());
      continue;
    }
    auto done = backtest_rule(s, g, r);
    if (!done) return done.error();
    ok = ok && *done;
  }
  return ok;
}

} // namespace

int cmd_rules_backtest(const rules_flags& f) {
  auto gs = load_rules(f.file);
  if (!gs) return fail(gs.error().message());
  auto from = parse_time("--from", f.from);
  if (!from) return fail(from.error().message());
  auto to = f.to.empty() ? result<timestamp_ms>(now_ms()) : parse_time("--to", f.to);
  if (!to) return fail(to.error().message());
  if (*to < *from)
    return fail("--to (" + alert::format_rfc3339(*to) + ") is before --from (" + alert::format_rfc3339(*from) + ")");
  session s{f, *from, *to};
  bool ok = true;
  for (const auto& g : *gs) {
    auto r = backtest_group(s, g.group);
    if (!r) {
      std::fflush(stdout);
      return fail(r.error().message());
    }
    ok = ok && *r;
  }
  return ok ? 0 : 1;
}

} // namespace vigil::cli
