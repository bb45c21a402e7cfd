#include "api/json_ingest.hpp"

#include <cmath>

#include <random>

#include <boost/test/unit_test.hpp>

using namespace vigil;
using namespace vigil::api;

namespace {

constexpr timestamp_ms now = 1700000000000;

write_batch ok(std::string_view body) {
  auto r = decode_json_metrics(body, now);
  BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().to_string()));
  return std::move(r).value();
}

std::string error(std::string_view body) {
  auto r = decode_json_metrics(body, now);
  BOOST_REQUIRE_MESSAGE(!r.has_value(), "expected an error for " << body);
  BOOST_TEST((r.error().code() == errc::invalid_argument));
  return r.error().message();
}

} // namespace

BOOST_AUTO_TEST_SUITE(json_ingest)

BOOST_AUTO_TEST_CASE(decodes_a_single_object) {
  auto b = ok(R"({"name": "api.latency", "value": 500, "labels": {"endpoint": "/users"}, "timestamp": 1714564800123})");
  BOOST_REQUIRE(b.items.size() == 1u);
  BOOST_TEST((b.items[0].lbls == labels{{"__name__", "api.latency"}, {"endpoint", "/users"}}));
  BOOST_TEST((b.items[0].samples == std::vector<sample>{{1714564800123, 500}}));
}

BOOST_AUTO_TEST_CASE(defaults_timestamp_to_now_and_labels_to_none) {
  auto b = ok(R"({"name": "up", "value": 1.5})");
  BOOST_TEST((b == write_batch{{series{labels{{"__name__", "up"}}, {{now, 1.5}}}}}));
  auto c = ok(R"({"name": "up", "value": 1, "timestamp": null, "labels": null})");
  BOOST_TEST(c.items[0].samples[0].t == now);
}

BOOST_AUTO_TEST_CASE(decodes_an_array_and_merges_equal_series) {
  auto b = ok(R"([
    {"name": "a", "value": 1, "labels": {"k": "x"}, "timestamp": 30},
    {"name": "b", "value": 2},
    {"name": "a", "value": 3, "labels": {"k": "x"}, "timestamp": 10}
  ])");
  BOOST_REQUIRE(b.items.size() == 2u);
  BOOST_TEST(b.items[0].lbls.metric_name() == "a");
  BOOST_TEST((b.items[0].samples == std::vector<sample>{{10, 3}, {30, 1}}));
  BOOST_TEST(b.items[1].lbls.metric_name() == "b");
  BOOST_TEST(ok("[]").items.empty());
}

BOOST_AUTO_TEST_CASE(accepts_rfc3339_and_ms_timestamps) {
  auto t = [](std::string_view ts) {
    auto b = ok(R"({"name":"m","value":1,"timestamp":)" + std::string(ts) + "}");
    return b.items[0].samples[0].t;
  };
  BOOST_TEST(t("1714564800123") == 1714564800123);
  BOOST_TEST(t("-5") == -5);
  BOOST_TEST(t("1714564800123.0") == 1714564800123);
  BOOST_TEST(t(R"("2024-05-01T12:00:00Z")") == 1714564800000);
  BOOST_TEST(t(R"("2024-05-01T12:00:00.123+02:00")") == 1714557600123);
}

BOOST_AUTO_TEST_CASE(accepts_special_values_as_strings) {
  auto v = [](std::string_view val) {
    return ok(R"({"name":"m","value":)" + std::string(val) + "}").items[0].samples[0].v;
  };
  BOOST_TEST(std::isnan(v(R"("NaN")")));
  BOOST_TEST(v(R"("+Inf")") == INFINITY);
  BOOST_TEST(v(R"("Inf")") == INFINITY);
  BOOST_TEST(v(R"("-Inf")") == -INFINITY);
  BOOST_TEST(v(R"("2.5")") == 2.5);
  BOOST_TEST(v("-1e3") == -1000);
  BOOST_TEST(v("18446744073709551615") == 18446744073709551615.0);
}

BOOST_AUTO_TEST_CASE(ignores_unknown_fields_and_drops_empty_label_values) {
  auto b = ok(R"({"name":"m","value":1,"unit":"ms","extra":{"x":[1,2]},"labels":{"a":"","b":"x"}})");
  BOOST_TEST((b.items[0].lbls == labels{{"__name__", "m"}, {"b", "x"}}));
}

BOOST_AUTO_TEST_CASE(errors_name_the_item_and_field) {
  BOOST_TEST(error(R"([{"name":"a","value":1},{"value":1}])") == R"(item 1: missing field "name")");
  BOOST_TEST(error(R"({"name":"a"})") == R"(missing field "value")");
  BOOST_TEST(error(R"([{"name":"a","value":1},{"name":"a","value":1},{"name":"a","value":1},{"name":"a","value":true}])") ==
             R"(item 3: field "value": expected a number, got a boolean)");
  BOOST_TEST(error(R"({"name":"a","value":"abc"})") == R"(field "value": expected a number, got the string "abc")");
  BOOST_TEST(error(R"({"name":"a","value":null})") == R"(field "value": expected a number, got null)");
  BOOST_TEST(error(R"({"name":5,"value":1})") == R"(field "name": expected a string, got a number)");
  BOOST_TEST(error(R"({"name":"","value":1})") == R"(field "name": must not be empty)");
  BOOST_TEST(error(R"({"name":"1x","value":1})") ==
             R"(field "name": invalid metric name "1x" (want [a-zA-Z_:.][a-zA-Z0-9_:.]*))");
  BOOST_TEST(error(R"({"name":"a","name":"b","value":1})") == R"(field "name": given twice)");
}

BOOST_AUTO_TEST_CASE(errors_for_labels) {
  BOOST_TEST(error(R"({"name":"a","value":1,"labels":[]})") == R"(field "labels": expected an object, got an array)");
  BOOST_TEST(error(R"({"name":"a","value":1,"labels":{"a.b":"x"}})") == R"(field "labels": invalid label name "a.b")");
  BOOST_TEST(error(R"({"name":"a","value":1,"labels":{"__name__":"x"}})") ==
             R"(field "labels": label "__name__" is not allowed here (use field "name"))");
  BOOST_TEST(error(R"({"name":"a","value":1,"labels":{"k":"x","k":"y"}})") ==
             R"(field "labels": duplicate label name "k")");
  BOOST_TEST(error(R"([{"name":"a","value":1,"labels":{"k":200}}])") ==
             R"(item 0: field "labels": label "k": expected a string value, got a number)");
}

BOOST_AUTO_TEST_CASE(errors_for_timestamps) {
  BOOST_TEST(error(R"({"name":"a","value":1,"timestamp":"yesterday"})") ==
             R"(field "timestamp": invalid RFC 3339 time "yesterday")");
  BOOST_TEST(error(R"({"name":"a","value":1,"timestamp":1.5})") ==
             R"(field "timestamp": expected integer milliseconds or an RFC 3339 string, got a fractional or out-of-range number)");
  BOOST_TEST(error(R"({"name":"a","value":1,"timestamp":18446744073709551615})") ==
             R"(field "timestamp": integer milliseconds out of range)");
  BOOST_TEST(error(R"({"name":"a","value":1,"timestamp":true})") ==
             R"(field "timestamp": expected integer milliseconds or an RFC 3339 string, got a boolean)");
}

BOOST_AUTO_TEST_CASE(errors_for_the_document) {
  BOOST_TEST(error(R"([{"name":"a","value":1}, 5])") == "item 1: expected an object, got a number");
  BOOST_TEST(error(R"("hello")") == "expected an object or an array of objects, got a string");
  BOOST_TEST(error(R"({"name":)").starts_with("invalid JSON: "));
  BOOST_TEST(error("").starts_with("invalid JSON: "));
  BOOST_TEST(error("{\"name\":\"a\xff\",\"value\":1}").starts_with("invalid JSON: "));
}

BOOST_AUTO_TEST_CASE(survives_mutated_input) {
  const std::string valid = R"([{"name":"a.b","value":1.5,"labels":{"k":"v"},"timestamp":"2024-05-01T12:00:00Z"},)"
                            R"({"name":"c","value":"NaN","timestamp":17}])";
  std::mt19937_64 rng(7);
  for (int i = 0; i < 3000; ++i) {
    std::string junk = valid;
    for (int k = 0; k < 3; ++k) junk[rng() % junk.size()] = "{}[]\":,0a-.e\\ \xff"[rng() % 16];
    auto r = decode_json_metrics(junk, now); // must not crash
    if (r) BOOST_TEST(r->items.size() <= 2u);
  }
}

BOOST_AUTO_TEST_SUITE_END()
