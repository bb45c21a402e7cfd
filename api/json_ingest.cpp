#include "api/json_ingest.hpp"

#include <cmath>
#include <string>
#include <vector>

#include <simdjson.h>

#include "api/codec_util.hpp"

namespace vigil::api {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

const char* type_name(element_type t) {
  switch (t) {
    case element_type::ARRAY: return "an array";
    case element_type::OBJECT: return "an object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE: return "a number";
    case element_type::STRING: return "a string";
    case element_type::BOOL: return "a boolean";
    case element_type::NULL_VALUE: return "null";
  }
  return "an unknown value";
}

/// Builds error messages with the item prefix ("item 3: " or "").
struct context {
  std::string prefix;
  status field_error(std::string_view field, const std::string& what) const {
    return invalid_argument(prefix + "field \"" + std::string(field) + "\": " + what);
  }
  status expected(std::string_view field, const char* want, element e) const {
    return field_error(field, std::string("expected ") + want + ", got " + type_name(e.type()));
  }
};

result<double> read_value(const context& cx, element e) {
  switch (e.type()) {
    case element_type::INT64: return static_cast<double>(e.get_int64().value_unsafe());
    case element_type::UINT64: return static_cast<double>(e.get_uint64().value_unsafe());
    case element_type::DOUBLE: return e.get_double().value_unsafe();
    case element_type::STRING: {
      std::string_view s = e.get_string().value_unsafe();
      if (auto v = parse_go_float(s)) return *v;
      return cx.field_error("value", "expected a number, got the string " + quoted(s));
    }
    default: return cx.expected("value", "a number", e);
  }
}

result<timestamp_ms> read_timestamp(const context& cx, element e) {
  constexpr const char* want = "integer milliseconds or an RFC 3339 string";
  switch (e.type()) {
    case element_type::INT64: return e.get_int64().value_unsafe();
    case element_type::DOUBLE: {
      double d = e.get_double().value_unsafe();
      // 2^63 is exactly representable; anything at or above it overflows.
      if (std::trunc(d) == d && d >= -9223372036854775808.0 && d < 9223372036854775808.0)
        return static_cast<timestamp_ms>(d);
      return cx.field_error("timestamp", std::string("expected ") + want + ", got a fractional or out-of-range number");
    }
    case element_type::UINT64:
      return cx.field_error("timestamp", "integer milliseconds out of range");
    case element_type::STRING: {
      std::string_view s = e.get_string().value_unsafe();
      if (auto t = parse_rfc3339_ms(s)) return *t;
      return cx.field_error("timestamp", "invalid RFC 3339 time " + quoted(s));
    }
    default: return cx.expected("timestamp", want, e);
  }
}

/// Appends the pairs of the "labels" object to `out`.
status read_labels(const context& cx, element e, std::vector<label>& out) {
  if (e.type() == element_type::NULL_VALUE) return status::ok();
  simdjson::dom::object obj;
  if (e.get(obj)) return cx.expected("labels", "an object", e);
  std::size_t first = out.size();
  for (auto [key, value] : obj) {
    if (key == metric_name_label)
      return cx.field_error("labels", "label \"__name__\" is not allowed here (use field \"name\")");
    if (!is_valid_label_name(key)) return cx.field_error("labels", "invalid label name " + quoted(key));
    for (std::size_t i = first; i < out.size(); ++i)
      if (out[i].name == key) return cx.field_error("labels", "duplicate label name " + quoted(key));
    std::string_view v;
    if (value.get(v))
      return cx.field_error("labels", "label " + quoted(key) + ": expected a string value, got " +
                                          type_name(value.type()));
    out.push_back({std::string(key), std::string(v)});
  }
  return status::ok();
}

status decode_item(const context& cx, element item, timestamp_ms now, batch_builder& out) {
  simdjson::dom::object obj;
  if (item.get(obj))
    return invalid_argument(cx.prefix + "expected an object, got " + type_name(item.type()));
  std::vector<label> pairs;
  bool seen_name = false, seen_value = false, seen_labels = false, seen_ts = false;
  double value = 0;
  timestamp_ms t = now;
  for (auto [key, field] : obj) {
    bool* seen = key == "name" ? &seen_name
               : key == "value" ? &seen_value
               : key == "labels" ? &seen_labels
               : key == "timestamp" ? &seen_ts
               : nullptr;
    if (seen == nullptr) continue; // unknown fields are ignored
    if (*seen) return cx.field_error(key, "given twice");
    *seen = true;
    if (key == "name") {
      std::string_view name;
      if (field.get(name)) return cx.expected("name", "a string", field);
      if (name.empty()) return cx.field_error("name", "must not be empty");
      if (!is_valid_metric_name(name))
        return cx.field_error("name", "invalid metric name " + quoted(name) +
                                          " (want [a-zA-Z_:.][a-zA-Z0-9_:.]*)");
      pairs.push_back({std::string(metric_name_label), std::string(name)});
    } else if (key == "value") {
      auto v = read_value(cx, field);
      if (!v) return std::move(v).error();
      value = *v;
    } else if (key == "labels") {
      VIGIL_TRY(read_labels(cx, field, pairs));
    } else if (field.type() != element_type::NULL_VALUE) {
      auto ts = read_timestamp(cx, field);
      if (!ts) return std::move(ts).error();
      t = *ts;
    }
  }
  if (!seen_name) return invalid_argument(cx.prefix + "missing field \"name\"");
  if (!seen_value) return invalid_argument(cx.prefix + "missing field \"value\"");
  out.add(labels(std::move(pairs)), sample{t, value});
  return status::ok();
}

} // namespace

result<write_batch> decode_json_metrics(std::string_view body, timestamp_ms now) {
  simdjson::dom::parser parser;
  element root;
  if (auto err = parser.parse(body.data(), body.size(), true).get(root))
    return invalid_argument(std::string("invalid JSON: ") + simdjson::error_message(err));
  batch_builder out;
  if (simdjson::dom::array items; !root.get(items)) {
    std::size_t i = 0;
    for (element item : items) {
      VIGIL_TRY(decode_item(context{"item " + std::to_string(i) + ": "}, item, now, out));
      ++i;
    }
  } else if (root.type() == element_type::OBJECT) {
    VIGIL_TRY(decode_item(context{}, root, now, out));
  } else {
    return invalid_argument(std::string("expected an object or an array of objects, got ") +
                            type_name(root.type()));
  }
  return std::move(out).finish();
}

} // namespace vigil::api
