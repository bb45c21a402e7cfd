#include "api/prom_json.hpp"

#include <charconv>
#include <cmath>

#include "api/codec_util.hpp"
#include "core/json.hpp"

namespace vigil::api {

namespace {

void append_success_head(std::string& out) { out += R"({"status":"success","data":)"; }

void append_tail(std::string& out, std::span<const std::string> warnings) {
  if (!warnings.empty()) {
    out += R"(,"warnings":[)";
    for (std::size_t i = 0; i < warnings.size(); ++i) {
      if (i) out += ',';
      append_json_string(out, warnings[i]);
    }
    out += ']';
  }
  out += '}';
}

void append_point(std::string& out, sample s) {
  out += '[';
  append_json_timestamp(out, s.t);
  out += ',';
  append_json_value(out, s.v);
  out += ']';
}

std::size_t estimate(const query::query_result& r) {
  std::size_t n = 96;
  for (const auto& s : r.items) {
    n += 32 + s.samples.size() * 32;
    for (const auto& l : s.lbls) n += l.name.size() + l.value.size() + 6;
  }
  return n;
}

const char* result_type(query::value_type t) {
  switch (t) {
    case query::value_type::scalar: return "scalar";
    case query::value_type::string: return "string";
    case query::value_type::vector: return "vector";
    case query::value_type::matrix: return "matrix";
  }
  return "vector";
}

/// The "result" list of a vector or matrix.
void append_series_items(std::string& out, const query::query_result& r) {
  const bool vec = r.type == query::value_type::vector;
  out += '[';
  bool first = true;
  for (const auto& s : r.items) {
    if (vec && s.samples.empty()) continue;
    if (!first) out += ',';
    first = false;
    out += R"({"metric":)";
    append_json_labels(out, s.lbls);
    if (vec) {
      out += R"(,"value":)";
      append_point(out, s.samples.back());
    } else {
      out += R"(,"values":[)";
      for (std::size_t i = 0; i < s.samples.size(); ++i) {
        if (i) out += ',';
        append_point(out, s.samples[i]);
      }
      out += ']';
    }
    out += '}';
  }
  out += ']';
}

} // namespace

error_info error_info_for(errc code) noexcept {
  switch (code) {
    case errc::invalid_argument:
    case errc::out_of_order: return {"bad_data", 400};
    case errc::resource_exhausted: return {"execution", 422};
    case errc::not_found: return {"not_found", 404};
    case errc::timeout: return {"timeout", 503};
    case errc::canceled: return {"canceled", 499};
    case errc::unavailable: return {"unavailable", 503};
    case errc::ok:
    case errc::corruption:
    case errc::io_error: break;
  }
  return {"internal", 500};
}

int http_status_for(std::string_view type) noexcept {
  if (type == "bad_data") return 400;
  if (type == "execution") return 422;
  if (type == "canceled") return 499;
  if (type == "timeout" || type == "unavailable") return 503;
  if (type == "not_found") return 404;
  if (type == "not_acceptable") return 406;
  return 500;
}

void append_json_timestamp(std::string& out, timestamp_ms t) {
  // Unsigned magnitude so that INT64_MIN does not overflow.
  std::uint64_t mag = t < 0 ? 0 - static_cast<std::uint64_t>(t) : static_cast<std::uint64_t>(t);
  char buf[32];
  char* w = buf;
  if (t < 0) *w++ = '-';
  w = std::to_chars(w, buf + sizeof buf, mag / 1000).ptr;
  if (auto frac = static_cast<unsigned>(mag % 1000); frac != 0) {
    *w++ = '.';
    *w++ = static_cast<char>('0' + frac / 100);
    *w++ = static_cast<char>('0' + frac / 10 % 10);
    *w++ = static_cast<char>('0' + frac % 10);
  }
  out.append(buf, w);
}

void append_json_value(std::string& out, double v) {
  out += '"';
  double a = std::fabs(v);
  if (a != 0 && std::isfinite(a) && (a < 1e-6 || a >= 1e21)) append_go_float_e(out, v);
  else append_go_float_f(out, v);
  out += '"';
}

void append_json_labels(std::string& out, const labels& ls) {
  out += '{';
  bool first = true;
  for (const auto& l : ls) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, l.name);
    out += ':';
    append_json_string(out, l.value);
  }
  out += '}';
}

void append_json_number(std::string& out, double v) {
  if (!std::isfinite(v)) v = 0;
  double a = std::fabs(v);
  if (a == 0 || (a >= 1e-6 && a < 1e21)) return append_go_float_f(out, v);
  std::size_t from = out.size();
  append_go_float_e(out, v);
  // Go's encoding/json: "e-09" -> "e-9".
  std::size_t n = out.size() - from;
  if (n >= 4 && out[out.size() - 4] == 'e' && out[out.size() - 3] == '-' && out[out.size() - 2] == '0')
    out.erase(out.size() - 2, 1);
}

void append_query_stats(std::string& out, const query_stats& s) {
  auto field = [&out](const char* name, double v) {
    out += '"';
    out += name;
    out += "\":";
    append_json_number(out, v);
  };
  out += R"({"timings":{)";
  field("evalTotalTime", s.eval_total_seconds);
  out += ',';
  field("resultSortTime", s.result_sort_seconds);
  out += ',';
  field("queryPreparationTime", s.preparation_seconds);
  out += ',';
  field("innerEvalTime", s.inner_eval_seconds);
  out += ',';
  field("execQueueTime", s.queue_seconds);
  out += ',';
  field("execTotalTime", s.exec_total_seconds);
  out += R"(},"samples":{"totalQueryableSamples":)";
  out += std::to_string(s.total_queryable_samples);
  out += R"(,"peakSamples":)";
  out += std::to_string(s.peak_samples);
  out += "}}";
}

std::string render_query_result(const query::query_result& r, const query_stats* stats) {
  std::string out;
  out.reserve(estimate(r));
  append_success_head(out);
  out += R"({"resultType":")";
  out += result_type(r.type);
  out += R"(","result":)";
  switch (r.type) {
    case query::value_type::scalar: append_point(out, r.scalar); break;
    case query::value_type::string:
      out += '[';
      append_json_timestamp(out, r.scalar.t);
      out += ',';
      append_json_string(out, r.str);
      out += ']';
      break;
    case query::value_type::vector:
    case query::value_type::matrix: append_series_items(out, r); break;
  }
  if (stats) {
    out += R"(,"stats":)";
    append_query_stats(out, *stats);
  }
  out += '}';
  append_tail(out, r.warnings);
  return out;
}

std::string render_series_list(std::span<const labels> sets, std::span<const std::string> warnings) {
  std::string out;
  append_success_head(out);
  out += '[';
  for (std::size_t i = 0; i < sets.size(); ++i) {
    if (i) out += ',';
    append_json_labels(out, sets[i]);
  }
  out += ']';
  append_tail(out, warnings);
  return out;
}

std::string render_string_list(std::span<const std::string> values, std::span<const std::string> warnings) {
  std::string out;
  append_success_head(out);
  out += '[';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    append_json_string(out, values[i]);
  }
  out += ']';
  append_tail(out, warnings);
  return out;
}

std::string render_success_raw(std::string_view data_json, std::span<const std::string> warnings) {
  std::string out;
  out.reserve(data_json.size() + 32);
  append_success_head(out);
  out += data_json;
  append_tail(out, warnings);
  return out;
}

std::string render_error(std::string_view error_type, std::string_view message) {
  std::string out = R"({"status":"error","errorType":)";
  append_json_string(out, error_type);
  out += R"(,"error":)";
  append_json_string(out, message);
  out += '}';
  return out;
}

std::string render_error(errc code, std::string_view message) {
  return render_error(error_info_for(code).type, message);
}

std::string render_error(const status& st) { return render_error(st.code(), st.message()); }

} // namespace vigil::api
