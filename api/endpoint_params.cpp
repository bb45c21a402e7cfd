#include "api/endpoint_params.hpp"

#include <algorithm>

#include "api/codec_util.hpp"
#include "query/parser.hpp"
#include "query/printer.hpp"

namespace vigil::api {

namespace {

status invalid_param(std::string_view name, const status& why) {
  return invalid_argument("invalid parameter \"" + std::string(name) + "\": " + why.message());
}

status invalid_param(std::string_view name, std::string_view why) {
  return invalid_argument("invalid parameter \"" + std::string(name) + "\": " + std::string(why));
}

/// A time parameter; `fallback` when absent or empty.
result<timestamp_ms> time_param(const request_params& p, std::string_view name, timestamp_ms fallback) {
  auto s = p.get(name);
  if (s.empty()) return fallback;
  auto t = parse_time_param(s);
  if (!t) return invalid_param(name, t.error());
  return *t;
}

/// "11000" -> "11,000", as Prometheus writes the limit in its message.
std::string with_commas(std::int64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0 && digits[i - 1] != '-') out += ',';
    out += digits[i];
  }
  return out;
}

/// `query` must be present: the parser's own message for "" otherwise.
status require_query(std::string_view q) {
  if (!q.empty()) return status::ok();
  auto e = query::parse(q);
  return invalid_param("query", e ? status(invalid_argument("query is empty")) : e.error());
}

/// `timeout`, `stats` and `partial_response`, shared by both query kinds.
status eval_options(const request_params& p, const eval_limits& lim, eval_request& out) {
  out.timeout_ms = lim.default_timeout_ms;
  if (auto t = p.get("timeout"); !t.empty()) {
    auto d = parse_duration_param(t);
    if (!d) return invalid_param("timeout", d.error());
    if (*d > 0) out.timeout_ms = std::min<std::int64_t>(*d, lim.default_timeout_ms);
  }
  if (auto pr = p.get("partial_response"); !pr.empty()) {
    auto b = parse_go_bool(pr);
    if (!b) return invalid_param("partial_response", b.error());
    out.partial_response = *b;
  }
  if (auto nc = p.get("nocache"); !nc.empty()) {
    auto b = parse_go_bool(nc);
    if (!b) return invalid_param("nocache", b.error());
    out.no_cache = *b;
  }
  out.want_stats = !p.get("stats").empty();
  return status::ok();
}

result<std::size_t> limit_param(const request_params& p) {
  auto s = p.get("limit");
  if (s.empty()) return std::size_t{0};
  auto n = parse_go_int(s);
  if (!n) return invalid_param("limit", n.error());
  if (*n < 0) return invalid_param("limit", "limit must be non-negative");
  return static_cast<std::size_t>(*n);
}

} // namespace

result<eval_request> parse_instant_query(const request_params& p, const eval_limits& lim) {
  eval_request out;
  out.query = std::string(p.get("query"));
  VIGIL_TRY(require_query(out.query));
  auto t = time_param(p, "time", lim.now);
  if (!t) return std::move(t).error();
  out.start = out.end = *t;
  VIGIL_TRY(eval_options(p, lim, out));
  return out;
}

result<eval_request> parse_range_query(const request_params& p, const eval_limits& lim) {
  eval_request out;
  out.query = std::string(p.get("query"));
  VIGIL_TRY(require_query(out.query));
  auto start = parse_time_param(p.get("start"));
  if (!start) return invalid_param("start", start.error());
  auto end = parse_time_param(p.get("end"));
  if (!end) return invalid_param("end", end.error());
  if (*end < *start) return invalid_param("end", "end timestamp must not be before start time");
  auto step = parse_duration_param(p.get("step"));
  if (!step) return invalid_param("step", step.error());
  if (*step <= 0)
    return invalid_param("step", "zero or negative query resolution step widths are not accepted. "
                                 "Try a positive integer");
  // Unsigned: end - start may exceed INT64_MAX for the min/max time strings.
  if ((static_cast<std::uint64_t>(*end) - static_cast<std::uint64_t>(*start)) /
        static_cast<std::uint64_t>(*step) > static_cast<std::uint64_t>(lim.max_points))
    return invalid_argument("exceeded maximum resolution of " + with_commas(lim.max_points) +
                            " points per timeseries. Try decreasing the query resolution (?step=XX)");
  out.start = *start;
  out.end = *end;
  out.step = *step;
  VIGIL_TRY(eval_options(p, lim, out));
  return out;
}

result<selection_request> parse_selection(const request_params& p, bool match_required) {
  selection_request out;
  auto start = time_param(p, "start", out.range.min);
  if (!start) return std::move(start).error();
  auto end = time_param(p, "end", out.range.max);
  if (!end) return std::move(end).error();
  out.range = {*start, *end};
  for (const auto& m : p.get_all("match[]")) {
    auto ms = parse_series_selector(m);
    if (!ms) return invalid_param("match[]", ms.error());
    out.match.push_back(std::move(*ms));
  }
  if (match_required && out.match.empty()) return invalid_argument("no match[] parameter provided");
  auto limit = limit_param(p);
  if (!limit) return std::move(limit).error();
  out.limit = *limit;
  return out;
}

status check_label_name(std::string_view name) {
  if (is_valid_label_name(name)) return status::ok();
  return invalid_argument("invalid label name: " + quoted(name));
}

result<metadata_query> parse_metadata_query(const request_params& p) {
  metadata_query out;
  if (auto s = p.get("limit"); !s.empty()) {
    auto n = parse_go_int(s);
    if (!n) return invalid_argument("limit must be a number");
    out.limit = *n;
  }
  if (auto s = p.get("limit_per_metric"); !s.empty()) {
    auto n = parse_go_int(s);
    if (!n) return invalid_argument("limit_per_metric must be a number");
    out.limit_per_metric = *n;
  }
  out.metric = std::string(p.get("metric"));
  return out;
}

result<std::size_t> parse_tsdb_limit(const request_params& p) {
  auto s = p.get("limit");
  if (s.empty()) return std::size_t{10};
  auto n = parse_go_int(s);
  if (!n || *n < 1) return invalid_argument("limit must be a positive number");
  return static_cast<std::size_t>(*n);
}

status check_exemplar_query(const request_params& p) {
  auto start = time_param(p, "start", prometheus_min_time_ms);
  if (!start) return start.error();
  auto end = time_param(p, "end", prometheus_max_time_ms);
  if (!end) return end.error();
  if (*end < *start) return invalid_argument("end timestamp must not be before start timestamp");
  auto e = query::parse(p.get("query"));
  if (!e) return e.error();
  return status::ok();
}

result<std::string> format_query(const request_params& p) {
  auto e = query::parse(p.get("query"));
  if (!e) return invalid_param("query", e.error());
  return query::print(**e);
}

} // namespace vigil::api
