#include "api/text_import.hpp"

#include <cmath>

#include <random>

#include <boost/test/unit_test.hpp>

using namespace vigil;
using namespace vigil::api;

namespace {

constexpr timestamp_ms now = 1700000000000;

write_batch ok(std::string_view body, std::vector<metric_metadata>* md = nullptr) {
  auto r = decode_prometheus_text(body, now, md);
  BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().to_string()));
  return std::move(r).value();
}

std::string error(std::string_view body) {
  auto r = decode_prometheus_text(body, now);
  BOOST_REQUIRE_MESSAGE(!r.has_value(), "expected an error for " << body);
  BOOST_TEST((r.error().code() == errc::invalid_argument));
  return r.error().message();
}

} // namespace

BOOST_AUTO_TEST_SUITE(text_import)

BOOST_AUTO_TEST_CASE(parses_every_construct) {
  std::vector<metric_metadata> md;
  auto b = ok("# HELP http_requests_total The total number\\nof requests \\\\ \\x.\n"
              "# TYPE http_requests_total counter\n"
              "# just a comment\n"
              "\n"
              "   \t\n"
              "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
              "http_requests_total{method=\"post\",code=\"400\",}    3 1395066363000\r\n"
              "  api.latency { endpoint = \"/users\" } 0.5\n"
              "no_labels{} -Inf\n"
              "plain NaN\n"
              "up +Inf -5\n"
              "hexy 0x1p-2",
              &md);
  BOOST_REQUIRE(b.items.size() == 7u);
  BOOST_TEST((b.items[0].lbls == labels{{"__name__", "http_requests_total"}, {"code", "200"}, {"method", "post"}}));
  BOOST_TEST((b.items[0].samples == std::vector<sample>{{1395066363000, 1027}}));
  BOOST_TEST((b.items[1].samples == std::vector<sample>{{1395066363000, 3}}));
  BOOST_TEST((b.items[2].lbls == labels{{"__name__", "api.latency"}, {"endpoint", "/users"}}));
  BOOST_TEST((b.items[2].samples == std::vector<sample>{{now, 0.5}}));
  BOOST_TEST(b.items[3].samples[0].v == -INFINITY);
  BOOST_TEST(std::isnan(b.items[4].samples[0].v));
  BOOST_TEST((b.items[5].samples == std::vector<sample>{{-5, INFINITY}}));
  BOOST_TEST(b.items[6].samples[0].v == 0.25);
  BOOST_REQUIRE(md.size() == 1u);
  BOOST_TEST(md[0].name == "http_requests_total");
  BOOST_TEST(std::string(to_string(md[0].type)) == "counter");
  BOOST_TEST(md[0].help == "The total number\nof requests \\ \\x.");
}

BOOST_AUTO_TEST_CASE(unescapes_label_values) {
  auto b = ok(R"(m{a="x\\y",b="q\"uote",c="new\nline",d="keep\t"} 1)");
  BOOST_TEST(b.items[0].lbls.get("a") == "x\\y");
  BOOST_TEST(b.items[0].lbls.get("b") == "q\"uote");
  BOOST_TEST(b.items[0].lbls.get("c") == "new\nline");
  BOOST_TEST(b.items[0].lbls.get("d") == "keep\\t");
}

BOOST_AUTO_TEST_CASE(merges_repeated_series_and_sorts_samples) {
  auto b = ok("m{a=\"1\"} 3 30\nm{a=\"2\"} 9 10\nm{a=\"1\"} 1 10\nm{a=\"1\",b=\"\"} 2 20\n");
  BOOST_REQUIRE(b.items.size() == 2u);
  BOOST_TEST((b.items[0].samples == std::vector<sample>{{10, 1}, {20, 2}, {30, 3}}));
}

BOOST_AUTO_TEST_CASE(accepts_go_float_forms) {
  auto v = [](std::string_view text) { return ok("m " + std::string(text)).items[0].samples[0].v; };
  BOOST_TEST(v("1e3") == 1000);
  BOOST_TEST(v("-.5") == -0.5);
  BOOST_TEST(v("1_000") == 1000);
  BOOST_TEST(v("Inf") == INFINITY);
  BOOST_TEST(v("-inf") == -INFINITY);
}

BOOST_AUTO_TEST_CASE(reports_line_and_column) {
  BOOST_TEST(error("up 1\n\n# c\nm{job} 1") ==
             R"(line 4, column 6: expected '=' after label name "job")");
  BOOST_TEST(error("m{job=x} 1") == R"(line 1, column 7: expected '"' to open the value of label "job")");
  BOOST_TEST(error("m{job=\"x\" a=\"b\"} 1") ==
             R"(line 1, column 11: expected ',' or '}' after the value of label "job")");
  BOOST_TEST(error("m{job=\"x} 1") == R"(line 1, column 7: unterminated value of label "job")");
  BOOST_TEST(error("m{job=\"\xff\"} 1") == R"(line 1, column 7: value of label "job" is not valid UTF-8)");
  BOOST_TEST(error("m{1a=\"x\"} 1") == R"(line 1, column 3: invalid label name "1a")");
  BOOST_TEST(error("m{a=\"x\",a=\"y\"} 1") == R"(line 1, column 9: duplicate label name "a")");
  BOOST_TEST(error("m{__name__=\"y\"} 1") == R"(line 1, column 3: label "__name__" is not allowed in braces)");
  BOOST_TEST(error("m{a=\"x\"") == R"(line 1, column 8: expected ',' or '}' after the value of label "a")");
  BOOST_TEST(error("m{a=\"x\",") == R"(line 1, column 9: expected a label name or '}')");
  BOOST_TEST(error("1m 2") == R"(line 1, column 1: invalid metric name "1m")");
  BOOST_TEST(error("{a=\"b\"} 2") == R"(line 1, column 1: expected a metric name, got "{a=\"b\"} 2")");
  BOOST_TEST(error("m") == R"(line 1, column 2: expected a value after "m")");
  BOOST_TEST(error("m abc") == R"(line 1, column 3: invalid value "abc")");
  BOOST_TEST(error("m 1 12.5") == R"(line 1, column 5: invalid timestamp "12.5" (want integer milliseconds))");
  BOOST_TEST(error("m 1 2 3") == R"(line 1, column 7: unexpected text after the timestamp)");
}

BOOST_AUTO_TEST_CASE(rejects_bad_metadata_lines) {
  BOOST_TEST(error("# TYPE m gauges") == R"(line 1, column 10: invalid metric type "gauges")");
  BOOST_TEST(error("# TYPE m gauge extra") == R"(line 1, column 16: unexpected text after the metric type)");
  BOOST_TEST(error("# HELP 1m text") == R"(line 1, column 8: invalid metric name in # HELP line)");
  BOOST_TEST(error("# TYPE") == R"(line 1, column 7: invalid metric name in # TYPE line)");
  BOOST_TEST(ok("# HELPER is a comment\n#TYPE_X too").items.empty());
}

BOOST_AUTO_TEST_CASE(writer_formats_like_expfmt) {
  text_writer w;
  w.family("http_requests_total", metric_type::counter, "Total requests.\nBy code \\ method.")
      .sample("http_requests_total", {{"code", "200"}, {"method", "get"}, {"skip", ""}}, 1027)
      .sample("http_requests_total", labels{{"__name__", "ignored"}, {"path", "a\"b"}}, 1e6, 1395066363000)
      .family("temp", metric_type::gauge)
      .sample("temp", labels{}, -0.25);
  const double bounds[] = {0.1, 1};
  const std::uint64_t counts[] = {2, 5, 7};
  w.family("lat", metric_type::histogram).histogram("lat", labels{{"job", "x"}}, bounds, counts, 3.5);
  BOOST_TEST(w.str() ==
             "# HELP http_requests_total Total requests.\\nBy code \\\\ method.\n"
             "# TYPE http_requests_total counter\n"
             "http_requests_total{code=\"200\",method=\"get\"} 1027\n"
             "http_requests_total{path=\"a\\\"b\"} 1e+06 1395066363000\n"
             "# TYPE temp gauge\n"
             "temp -0.25\n"
             "# TYPE lat histogram\n"
             "lat_bucket{job=\"x\",le=\"0.1\"} 2\n"
             "lat_bucket{job=\"x\",le=\"1\"} 5\n"
             "lat_bucket{job=\"x\",le=\"+Inf\"} 7\n"
             "lat_sum{job=\"x\"} 3.5\n"
             "lat_count{job=\"x\"} 7\n");
}

BOOST_AUTO_TEST_CASE(encode_round_trips) {
  write_batch b{{series{labels{{"__name__", "a.b"}, {"k", "v\n\"\\"}}, {{1, 0.1}, {2, 123456789}, {3, -INFINITY}}},
                 series{labels{{"__name__", "c"}}, {{-7, 1e-300}}}}};
  BOOST_TEST((ok(encode_prometheus_text(b)) == b));
  BOOST_TEST(encode_prometheus_text(b, false).starts_with("a.b{k=\"v\\n\\\"\\\\\"} 0.1\n"));
}

BOOST_AUTO_TEST_CASE(round_trips_random_batches) {
  std::mt19937_64 rng(11);
  const std::vector<std::string> pieces{"a", "b", "_", "\\", "\"", "\n", " ", "{", "}", "=", ",", "#", "\xC3\xA9"};
  for (int i = 0; i < 200; ++i) {
    write_batch b;
    for (int s = static_cast<int>(rng() % 8); s > 0; --s) {
      // append(), not "m" + std::string: GCC 12 warns falsely (-Wrestrict).
      std::vector<label> ls{{"__name__", std::string("m").append(std::to_string(b.items.size()))}};
      for (int j = static_cast<int>(rng() % 4); j > 0; --j) {
        std::string v;
        for (int k = static_cast<int>(rng() % 6); k > 0; --k) v += pieces[rng() % pieces.size()];
        ls.push_back({std::string("l").append(std::to_string(j)), v});
      }
      series sr{labels(std::move(ls)), {}};
      timestamp_ms t = static_cast<timestamp_ms>(rng() % 100000) - 50000;
      for (int k = 1 + static_cast<int>(rng() % 5); k > 0; --k) {
        double v = std::bit_cast<double>(rng());
        sr.samples.push_back({t += static_cast<timestamp_ms>(rng() % 1000), std::isnan(v) ? 0.0 : v});
      }
      b.items.push_back(std::move(sr));
    }
    auto back = decode_prometheus_text(encode_prometheus_text(b), now);
    BOOST_REQUIRE_MESSAGE(back.has_value(), (back ? std::string() : back.error().to_string()));
    BOOST_TEST((*back == b));
  }
}

BOOST_AUTO_TEST_CASE(survives_mutated_input) {
  const std::string valid = "# HELP m h\\n\n# TYPE m gauge\nm{a=\"x\\\"y\",b=\"z\"} 1.5e3 17\nn -Inf\n";
  std::mt19937_64 rng(7);
  for (int i = 0; i < 3000; ++i) {
    std::string junk = valid;
    for (int k = 0; k < 3; ++k) junk[rng() % junk.size()] = "{}=\",# \n\\.0e+x\xff"[rng() % 15];
    auto r = decode_prometheus_text(junk, now); // must not crash
    if (r) BOOST_TEST(r->items.size() <= 4u);
  }
}

BOOST_AUTO_TEST_SUITE_END()
