// vigil query: runs one PromQL query against a node and prints a table.
#include <cstdio>
#include <iostream>

#include <simdjson.h>

#include "cli/commands.hpp"
#include "cli/http_client.hpp"

namespace vigil::cli {

namespace {

int fail(const std::string& msg) {
  std::fprintf(stderr, "vigil query: %s\n", msg.c_str());
  return 1;
}

std::string metric_text(simdjson::dom::object metric) {
  std::string name, rest;
  for (auto [k, v] : metric) {
    std::string_view val = v.get_string().value_unsafe();
    if (k == "__name__") {
      name = std::string(val);
      continue;
    }
    if (!rest.empty()) rest += ", ";
    rest += std::string(k) + "=\"" + std::string(val) + "\"";
  }
  return name + "{" + rest + "}";
}

std::string point_text(simdjson::dom::array p) {
  double t = 0;
  std::string_view v;
  auto it = p.begin();
  auto tv = *it;
  t = tv.is_double() ? tv.get_double().value_unsafe() : double(tv.get_int64().value_unsafe());
  ++it;
  v = (*it).get_string().value_unsafe();
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.3f", t);
  return std::string(buf) + "  " + std::string(v);
}

int print_table(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc)) return fail("server answered with invalid JSON");
  std::string_view status;
  if (doc["status"].get(status) || status != "success") {
    std::string_view err = "unknown error";
    if (doc["error"].get(err) != simdjson::SUCCESS) err = "unknown error";
    return fail(std::string(err));
  }
  auto data = doc["data"];
  std::string_view type = data["resultType"].get_string().value_unsafe();
  if (type == "scalar" || type == "string") {
    std::printf("%s\n", point_text(data["result"].get_array().value_unsafe()).c_str());
    return 0;
  }
  simdjson::dom::array result = data["result"].get_array().value_unsafe();
  if (result.size() == 0) std::printf("(no data)\n");
  for (auto item : result) {
    auto metric = metric_text(item["metric"].get_object().value_unsafe());
    if (type == "vector") {
      std::printf("%-60s %s\n", metric.c_str(),
                  point_text(item["value"].get_array().value_unsafe()).c_str());
    } else {
      std::printf("%s\n", metric.c_str());
      for (auto p : item["values"].get_array().value_unsafe())
        std::printf("  %s\n", point_text(p.get_array().value_unsafe()).c_str());
    }
  }
  return 0;
}

} // namespace

int cmd_query(const query_flags& f) {
  std::string url = f.server;
  if (f.range.empty()) {
    url += "/api/v1/query?query=" + url_encode(f.expr);
    if (!f.time.empty()) url += "&time=" + url_encode(f.time);
  } else {
    if (f.range.size() != 3) return fail("--range takes START END STEP");
    url += "/api/v1/query_range?query=" + url_encode(f.expr) + "&start=" + url_encode(f.range[0]) +
           "&end=" + url_encode(f.range[1]) + "&step=" + url_encode(f.range[2]);
  }
  auto r = http_get(url);
  if (!r) return fail(r.error().message());
  if (f.json) {
    std::cout << r->body << "\n";
    return r->status == 200 ? 0 : 1;
  }
  return print_table(r->body);
}

} // namespace vigil::cli
