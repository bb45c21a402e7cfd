#include <boost/test/unit_test.hpp>

#include "alert/template.hpp"

using namespace vigil;
using namespace vigil::alert;

BOOST_AUTO_TEST_SUITE(template_suite)

BOOST_AUTO_TEST_CASE(expands_labels_and_value) {
  labels l{{"endpoint", "/users"}, {"instance", "a:9100"}};
  auto r = expand_template("Latency on {{ $labels.endpoint }} is {{ $value }} ms ({{.Labels.instance}}, {{ .Value }})",
                           {&l, 500, nullptr});
  BOOST_REQUIRE(r);
  BOOST_CHECK_EQUAL(*r, "Latency on /users is 500 ms (a:9100, 500)");
}

BOOST_AUTO_TEST_CASE(pipes) {
  labels l;
  auto x = [&](std::string_view t, double v) { return expand_template(t, {&l, v, nullptr}).value(); };
  BOOST_CHECK_EQUAL(x("{{ $value | humanize }}", 1234567), "1.235M");
  BOOST_CHECK_EQUAL(x("{{ $value | humanize }}", 0.4), "400m");
  BOOST_CHECK_EQUAL(x("{{ $value | humanize }}", 0.0000025), "2.5u");
  BOOST_CHECK_EQUAL(x("{{ $value | humanize1024 }}", 2048), "2ki");
  BOOST_CHECK_EQUAL(x("{{ $value | humanizePercentage }}", 0.256), "25.6%");
  BOOST_CHECK_EQUAL(x("{{ $value | humanizeDuration }}", 3725), "1h 2m 5s");
  BOOST_CHECK_EQUAL(x("{{ $value | humanizeDuration }}", 3600), "1h 0m 0s");        // as Prometheus
  BOOST_CHECK_EQUAL(x("{{ $value | humanizeDuration }}", 22.5), "22.5s");
  BOOST_CHECK_EQUAL(x("{{ $value | humanizeDuration }}", 0.0005), "500us");
  BOOST_CHECK_EQUAL(x("{{ $value | printf \"%.2f\" }}", 3.14159), "3.14");
  BOOST_CHECK_EQUAL(x("{{ $value }}", 0.1), "0.1");
  BOOST_CHECK_EQUAL(x("{{ $value }}", 1e21), "1e+21");
  BOOST_CHECK_EQUAL(x("{{ $value }}", 123456.75), "123456.75");
  BOOST_CHECK_EQUAL(x("{{ $value }}", 0.00001), "1e-05");
  BOOST_CHECK_EQUAL(x("no actions", 1), "no actions");
}

BOOST_AUTO_TEST_CASE(errors_name_the_action) {
  labels l;
  auto r = expand_template("{{ $foo }}", {&l, 0, nullptr});
  BOOST_REQUIRE(!r);
  BOOST_CHECK(r.error().message().find("$foo") != std::string::npos);
  BOOST_CHECK(!expand_template("{{ $value ", {&l, 0, nullptr}));
  BOOST_CHECK(!check_template("{{ $value | nosuchfn }}").is_ok());
  BOOST_CHECK(check_template("{{ $labels.x }} {{ $value | humanize }}").is_ok());
}

BOOST_AUTO_TEST_SUITE_END()
