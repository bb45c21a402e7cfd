#include "alert/unit_test.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <tuple>

#include "alert/rule_eval.hpp"
#include "alert/state_machine.hpp"
#include "alert/template.hpp"
#include "query/memory_source.hpp"
#include "query/quoting.hpp"

namespace vigil::alert {

namespace {

// ---- promtool's notation for numbers, durations and labels ----------------

/// Go's strconv.FormatFloat(v, 'E', -1, 64): "1E+00", "3.0000000000000004E-01".
std::string format_float_e(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  for (int p = 0; p < 17; ++p) {
    std::snprintf(buf, sizeof(buf), "%.*E", p, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

/// Prometheus' model.Duration: "0s", "5m", "1h30m", "1w", "90s" -> "1m30s".
std::string format_model_duration(timestamp_ms ms) {
  if (ms == 0) return "0s";
  static constexpr struct { const char* unit; timestamp_ms mult; bool exact; } units[] = {
      {"y", 365LL * 86'400'000, true}, {"w", 7LL * 86'400'000, true}, {"d", 86'400'000, false},
      {"h", 3'600'000, false},         {"m", 60'000, false},          {"s", 1'000, false}, {"ms", 1, false}};
  std::string out;
  for (const auto& u : units) {
    if (u.exact && ms % u.mult != 0) continue;
    if (auto n = ms / u.mult; n > 0) {
      out += std::to_string(n) + u.unit;
      ms -= n * u.mult;
    }
  }
  return out;
}

/// Go's time.Duration.String() for whole milliseconds: "0s", "500ms", "2m0s", "1h0m1.5s".
std::string format_go_duration(timestamp_ms ms) {
  if (ms == 0) return "0s";
  if (ms < 1000) return std::to_string(ms) + "ms";
  std::string out;
  if (ms >= 3'600'000) out += std::to_string(ms / 3'600'000) + "h";
  if (ms >= 60'000) out += std::to_string(ms / 60'000 % 60) + "m";
  out += std::to_string(ms / 1000 % 60);
  if (auto frac = ms % 1000; frac != 0) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), ".%03lld", static_cast<long long>(frac));
    std::string f = buf;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out + "s";
}

/// Prometheus' labels.Labels.String(): {a="b", c="d"} with Go quoting.
std::string pairs_string(const label_pairs& ps) {
  std::string out = "{";
  for (std::size_t i = 0; i < ps.size(); ++i)
    out += (i ? ", " : "") + ps[i].name + "=" + query::quote(ps[i].value);
  return out + "}";
}

/// promtool's indentLines: `indent` before every line but the first.
std::string indent_lines(std::string_view text, std::string_view indent) {
  std::string out;
  for (char c : text) {
    out += c;
    if (c == '\n') out += indent;
  }
  return out;
}

std::string alerts_string(const std::vector<expected_alert>& as) {
  if (as.empty()) return "[]";
  std::string out = "[";
  for (std::size_t i = 0; i < as.size(); ++i)
    out += (i ? ",\n" : "\n") + std::to_string(i) + ":" +
           indent_lines("\nLabels:" + pairs_string(as[i].lbls) + "\nAnnotations:" + pairs_string(as[i].annotations),
                        "  ");
  return out + "\n]";
}

std::string samples_string(const std::vector<expected_sample>& ss) {
  if (ss.empty()) return "nil";
  std::string out;
  for (std::size_t i = 0; i < ss.size(); ++i)
    out += (i ? ", " : "") + pairs_string(ss[i].lbls.pairs()) + " " + format_float_e(ss[i].value);
  return out;
}

std::string name_line(const test_group& tg) { return tg.name.empty() ? "" : "    name: " + tg.name + ",\n"; }

// ---- one rule's evaluation, with Prometheus' rules.Group semantics ----------

/// One rule's state across the evaluations of a test group.
struct rule_state {
  const rule* def = nullptr;
  std::uint32_t limit = 0;               ///< the group's limit (0: none)
  std::optional<state_machine> sm;       ///< alerting rules only
  std::map<labels, label_pairs> annotations; ///< per alert, from its latest evaluation
  std::set<labels> previous;             ///< series written last time (for staleness markers)
};

/// Everything one test group evaluates against.
struct group_run {
  const test_group& tg;
  timestamp_ms eval_interval = 0;
  query::eval_options opts;
  query::memory_source db;
  std::vector<rule_state> rules;
  std::vector<series> inputs;       ///< expanded input series
  std::vector<std::size_t> loaded;  ///< per input: samples already in db
  std::vector<std::string> errors;
};

/// An instant query as rule evaluation runs it: a scalar becomes one sample
/// without labels; any other non-vector result is an error.
result<std::vector<result_sample>> query_vector(const group_run& run, const std::string& expr, timestamp_ms t) {
  auto r = run.db.query(expr, {t, t, 0}, run.opts);
  if (!r) return std::move(r).error();
  std::vector<result_sample> out;
  if (r->type == query::value_type::scalar) out.push_back({labels{}, r->scalar.v});
  else if (r->type != query::value_type::vector) return invalid_argument("rule result is not a vector or scalar");
  for (auto& s : r->items)
    if (!s.samples.empty()) out.push_back({std::move(s.lbls), s.samples.back().v});
  return out;
}

/// Prometheus keeps a failed expansion as the value, not as an error.
std::string expand_or_note(std::string_view text, const template_data& d) {
  auto v = expand_template(text, d);
  return v ? std::move(*v) : "<error expanding template: " + v.error().message() + ">";
}

/// The rule's alerts for one result, as Prometheus builds them: templates see
/// the sample's own labels (with __name__, without the rule's labels).
result<write_batch> eval_alerting(rule_state& st, const std::vector<result_sample>& res, timestamp_ms ts,
                                  const labels& external) {
  const auto& r = st.def->alert();
  std::vector<alert_sample> samples;
  std::map<labels, label_pairs> annotations;
  for (const auto& s : res) {
    template_data d{&s.lbls, s.value, &external};
    labels l = s.lbls.without_metric_name();
    for (const auto& x : r.extra_labels) l = l.with(x.name, expand_or_note(x.value, d));
    l = l.with("alertname", r.name);
    label_pairs an;
    for (const auto& [name, text] : r.annotations) an.push_back({name, expand_or_note(text, d)});
    std::sort(an.begin(), an.end());
    if (!annotations.emplace(l, std::move(an)).second)
      return invalid_argument("vector contains metrics with the same labelset after applying alert labels");
    samples.push_back({std::move(l), s.value});
  }
  st.sm->step(ts, samples);
  for (auto& [l, an] : annotations) st.annotations[l] = std::move(an);
  std::erase_if(st.annotations, [&](const auto& kv) { return !st.sm->alerts().contains(kv.first); });
  auto active = std::count_if(st.sm->alerts().begin(), st.sm->alerts().end(),
                              [](const auto& kv) { return kv.second.state != alert_state::inactive; });
  if (st.limit > 0 && static_cast<std::size_t>(active) > st.limit) {
    st.sm.emplace(r.for_ms, r.keep_firing_for_ms);
    st.annotations.clear();
    return invalid_argument("exceeded limit of " + std::to_string(st.limit) + " with " + std::to_string(active) +
                            " alerts");
  }
  return alert_series(*st.sm, ts);
}

result<write_batch> eval_recording(const rule_state& st, const std::vector<result_sample>& res, timestamp_ms ts) {
  auto b = recorded_series(st.def->recording(), res, ts);
  if (b && st.limit > 0 && b->items.size() > st.limit)
    return invalid_argument("exceeded limit of " + std::to_string(st.limit) + " with " +
                            std::to_string(b->items.size()) + " series");
  return b;
}

/// Writes a rule's output at `ts`, and a staleness marker for each series it
/// wrote last time but not now.
void write_output(query::memory_source& db, rule_state& st, write_batch b, timestamp_ms ts) {
  std::set<labels> now;
  for (auto& s : b.items) {
    now.insert(s.lbls);
    db.add(std::move(s));
  }
  for (const auto& l : st.previous)
    if (!now.contains(l)) db.add({l, {{ts, stale_nan()}}});
  st.previous = std::move(now);
}

status eval_rule(group_run& run, rule_state& st, timestamp_ms ts) {
  auto res = query_vector(run, st.def->expr(), ts);
  if (!res) return std::move(res).error();
  auto b = st.def->is_alert() ? eval_alerting(st, *res, ts, run.tg.external_labels) : eval_recording(st, *res, ts);
  if (!b) return std::move(b).error();
  write_output(run.db, st, std::move(*b), ts);
  return status::ok();
}

// ---- one test group ------------------------------------------------------------

/// Loads the input samples up to `ts` (promtool's lazy loader does the same,
/// so a query never sees input beyond the latest evaluation).
void load_inputs(group_run& run, timestamp_ms ts) {
  for (std::size_t i = 0; i < run.inputs.size(); ++i) {
    const auto& all = run.inputs[i].samples;
    auto end = run.loaded[i];
    while (end < all.size() && all[end].t <= ts) ++end;
    if (end == run.loaded[i]) continue;
    run.db.add({run.inputs[i].lbls, std::vector<sample>(all.begin() + run.loaded[i], all.begin() + end)});
    run.loaded[i] = end;
  }
}

/// Evaluates every rule of every group at `ts`; false after an error.
bool eval_all(group_run& run, timestamp_ms ts) {
  bool ok = true;
  for (auto& st : run.rules)
    if (auto s = eval_rule(run, st, ts); !s) {
      run.errors.push_back("    rule: " + st.def->name() + ", time: " + format_go_duration(ts) +
                           ", err: " + s.message());
      ok = false;
    }
  return ok;
}

/// The firing alerts of every alerting rule named `name`.
std::vector<expected_alert> firing(const group_run& run, const std::string& name) {
  std::vector<expected_alert> out;
  for (const auto& st : run.rules) {
    if (!st.def->is_alert() || st.def->name() != name) continue;
    for (const auto& [l, a] : st.sm->alerts()) {
      if (a.state != alert_state::firing) continue;
      auto an = st.annotations.find(l);
      out.push_back({l.pairs(), an == st.annotations.end() ? label_pairs{} : an->second});
    }
  }
  return out;
}

bool alert_less(const expected_alert& a, const expected_alert& b) {
  return std::tie(a.lbls, a.annotations) < std::tie(b.lbls, b.annotations);
}

void check_alert_test(group_run& run, const alert_test& t) {
  std::vector<expected_alert> exp = t.exp_alerts, got = firing(run, t.alertname);
  for (auto& e : exp) {
    std::erase_if(e.lbls, [](const label& l) { return l.name == "alertname"; });
    e.lbls.insert(std::lower_bound(e.lbls.begin(), e.lbls.end(), label{"alertname", ""}), {"alertname", t.alertname});
  }
  std::sort(exp.begin(), exp.end(), alert_less);
  std::sort(got.begin(), got.end(), alert_less);
  auto same = [](const expected_alert& a, const expected_alert& b) {
    return a.lbls == b.lbls && a.annotations == b.annotations;
  };
  if (std::equal(exp.begin(), exp.end(), got.begin(), got.end(), same)) return;
  const std::string ind = "            ";
  run.errors.push_back(name_line(run.tg) + "    alertname: " + t.alertname + ", time: " +
                       format_model_duration(t.eval_time) + ", \n        exp:" + indent_lines(alerts_string(exp), ind) +
                       ", \n        got:" + indent_lines(alerts_string(got), ind));
}

void check_expr_test(group_run& run, const expr_test& t) {
  auto head = name_line(run.tg) + "    expr: " + query::quote(t.expr) + ", time: " + format_model_duration(t.eval_time);
  auto res = query_vector(run, t.expr, t.eval_time);
  if (!res) {
    run.errors.push_back(head + ", err: " + res.error().message());
    return;
  }
  std::vector<expected_sample> exp = t.exp_samples, got;
  for (auto& s : *res) got.push_back({std::move(s.lbls), s.value});
  auto by_labels = [](const expected_sample& a, const expected_sample& b) { return a.lbls < b.lbls; };
  std::stable_sort(exp.begin(), exp.end(), by_labels);
  std::stable_sort(got.begin(), got.end(), by_labels);
  // Exact comparison, as promtool 2.42's reflect.DeepEqual (NaN never matches).
  auto same = [](const expected_sample& a, const expected_sample& b) { return a.lbls == b.lbls && a.value == b.value; };
  if (std::equal(exp.begin(), exp.end(), got.begin(), got.end(), same)) return;
  run.errors.push_back(head + ",\n        exp: " + samples_string(exp) + "\n        got: " + samples_string(got));
}

void expand_inputs(group_run& run, timestamp_ms interval) {
  for (const auto& in : run.tg.inputs) {
    series s{in.lbls, {}};
    for (std::size_t k = 0; k < in.values.size(); ++k)
      if (in.values[k]) s.samples.push_back({static_cast<timestamp_ms>(k) * interval, *in.values[k]});
    run.inputs.push_back(std::move(s));
  }
  run.loaded.assign(run.inputs.size(), 0);
}

/// Every rule of `groups`, in evaluation order, in its initial state.
std::vector<rule_state> rule_states(const std::vector<const loaded_group*>& groups) {
  std::vector<rule_state> out;
  for (const auto* g : groups)
    for (const auto& r : g->group.rules) {
      rule_state st{&r, g->group.limit, {}, {}, {}};
      if (r.is_alert()) st.sm.emplace(r.alert().for_ms, r.alert().keep_firing_for_ms);
      out.push_back(std::move(st));
    }
  return out;
}

/// Runs one test group: evaluates every rule from 0 to the largest eval_time
/// at the evaluation interval, checking alert tests on the way and promql
/// tests at the end. Returns the failures; an evaluation error ends the run.
std::vector<std::string> run_group(const test_group& tg, timestamp_ms eval_interval,
                                   const std::vector<const loaded_group*>& groups) {
  for (const auto& a : tg.alert_tests)
    if (a.alertname.empty())
      return {"an item under alert_rule_test misses required attribute alertname at eval_time " +
              format_model_duration(a.eval_time) + (tg.name.empty() ? "" : " (in TestGroup " + tg.name + ")")};
  group_run run{tg, eval_interval, {}, {}, rule_states(groups), {}, {}, {}};
  run.opts.default_subquery_step = eval_interval; // promtool: the subquery step is the evaluation interval
  expand_inputs(run, tg.interval > 0 ? tg.interval : eval_interval);
  timestamp_ms maxt = 0;
  for (const auto& a : tg.alert_tests) maxt = std::max(maxt, a.eval_time);
  for (const auto& e : tg.expr_tests) maxt = std::max(maxt, e.eval_time);
  auto alert_tests = tg.alert_tests;
  std::stable_sort(alert_tests.begin(), alert_tests.end(),
                   [](const alert_test& a, const alert_test& b) { return a.eval_time < b.eval_time; });
  std::size_t next = 0;
  for (timestamp_ms ts = 0; ts <= maxt; ts += eval_interval) {
    load_inputs(run, ts);
    if (!eval_all(run, ts)) return std::move(run.errors);
    // Alerts asked for at ts <= eval_time < ts + interval are those of this evaluation.
    for (; next < alert_tests.size() && alert_tests[next].eval_time < ts + eval_interval; ++next)
      check_alert_test(run, alert_tests[next]);
  }
  for (const auto& e : tg.expr_tests) check_expr_test(run, e);
  return std::move(run.errors);
}

/// Groups named in group_eval_order first, in that order; the rest in file order.
std::vector<const loaded_group*> ordered(const std::vector<loaded_group>& groups,
                                         const std::vector<std::string>& order) {
  std::vector<const loaded_group*> out;
  for (const auto& g : groups) out.push_back(&g);
  auto rank = [&](const loaded_group* g) {
    return std::find(order.begin(), order.end(), g->group.name) - order.begin();
  };
  std::stable_sort(out.begin(), out.end(), [&](auto* a, auto* b) { return rank(a) < rank(b); });
  return out;
}

} // namespace

test_report run_tests(const test_file& f, const std::vector<loaded_group>& groups) {
  test_report rep;
  std::set<std::string> names;
  for (const auto& n : f.group_eval_order)
    if (!names.insert(n).second) {
      rep.errors.push_back("group name repeated in evaluation order: " + n);
      return rep;
    }
  auto order = ordered(groups, f.group_eval_order);
  for (const auto& tg : f.tests)
    for (auto& e : run_group(tg, f.evaluation_interval, order)) rep.errors.push_back(std::move(e));
  return rep;
}

} // namespace vigil::alert

