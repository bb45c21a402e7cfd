#include <boost/test/unit_test.hpp>

#include "alert/rule_source.hpp"
#include "alert/rule_store.hpp"
#include "tests/support/temp_dir.hpp"

using namespace vigil;
using namespace vigil::alert;

namespace {

const char* rules_yaml = R"(groups:
  - name: api
    interval: 30s
    rules:
      - alert: HighLatency
        expr: avg(api.latency) > 400
        for: 5m
        keep_firing_for: 1m
        labels: {severity: page}
        annotations:
          summary: "latency {{ $value }}"
      - record: job:latency:avg
        expr: avg(api.latency)
      - alert: HighLatency
        expr: max(api.latency) > 900
  - name: other
    rules:
      - alert: Down
        expr: up == 0
)";

std::vector<stored_group> sample_groups() {
  auto gs = split_rule_file(rules_yaml);
  BOOST_REQUIRE_MESSAGE(gs.has_value(), (gs ? std::string() : gs.error().to_string()));
  return std::move(*gs);
}

rule_state sample_state() {
  alert_instance a;
  a.lbls = labels{{"alertname", "HighLatency"}, {"severity", "page"}};
  a.state = alert_state::firing;
  a.value = 512.5;
  a.active_at = 1000;
  a.fired_at = 301000;
  a.last_seen = 400000;
  return {{a}, 400000};
}

} // namespace

BOOST_AUTO_TEST_SUITE(rule_store)

BOOST_AUTO_TEST_CASE(groups_and_states_survive_reopen) {
  test::temp_dir dir;
  auto groups = sample_groups();
  {
    auto s = vigil::alert::rule_store::open(dir.str(), false);
    BOOST_REQUIRE(s);
    for (const auto& g : groups) BOOST_REQUIRE(s->put_group(g));
    BOOST_REQUIRE(s->put_states("api", {{{"HighLatency", 0}, sample_state()}, {{"HighLatency", 1}, {}}}));
  }
  auto s = vigil::alert::rule_store::open(dir.str(), false);
  BOOST_REQUIRE(s);
  auto got = s->groups();
  BOOST_REQUIRE(got);
  BOOST_REQUIRE_EQUAL(got->size(), 2u);
  BOOST_CHECK((*got)[0] == groups[0]);
  BOOST_CHECK((*got)[1] == groups[1]);
  BOOST_CHECK_EQUAL((*got)[0].group.interval_ms, 30000);
  BOOST_CHECK_NE((*got)[0].source.find("HighLatency"), std::string::npos);
  auto st = s->states("api");
  BOOST_REQUIRE(st);
  BOOST_REQUIRE_EQUAL(st->size(), 2u);
  BOOST_CHECK(st->at({"HighLatency", 0}) == sample_state());
  BOOST_CHECK(s->states("other")->empty());
}

BOOST_AUTO_TEST_CASE(replacing_a_group_drops_states_of_removed_rules_only) {
  test::temp_dir dir;
  auto s = vigil::alert::rule_store::open(dir.str(), false);
  BOOST_REQUIRE(s);
  auto g = sample_groups()[0];
  BOOST_REQUIRE(s->put_group(g));
  BOOST_REQUIRE(s->put_states("api", {{{"HighLatency", 0}, sample_state()}, {{"HighLatency", 1}, sample_state()}}));
  g.group.rules.pop_back(); // the second HighLatency goes
  BOOST_REQUIRE(s->put_group(g));
  auto st = s->states("api");
  BOOST_REQUIRE(st);
  BOOST_CHECK_EQUAL(st->size(), 1u);
  BOOST_CHECK(st->contains({"HighLatency", 0}));
}

BOOST_AUTO_TEST_CASE(deleting_a_group_drops_its_states_and_keeps_others) {
  test::temp_dir dir;
  auto s = vigil::alert::rule_store::open(dir.str(), false);
  BOOST_REQUIRE(s);
  for (const auto& g : sample_groups()) BOOST_REQUIRE(s->put_group(g));
  BOOST_REQUIRE(s->put_states("api", {{{"HighLatency", 0}, sample_state()}}));
  BOOST_REQUIRE(s->put_states("other", {{{"Down", 0}, sample_state()}}));
  BOOST_REQUIRE(s->delete_group("api"));
  BOOST_CHECK(s->states("api")->empty());
  BOOST_CHECK_EQUAL(s->states("other")->size(), 1u);
  BOOST_CHECK_EQUAL(s->groups()->size(), 1u);
  BOOST_CHECK(s->delete_group("api").code() == errc::not_found);
}

BOOST_AUTO_TEST_CASE(rule_keys_number_same_named_rules) {
  auto keys = rule_keys(sample_groups()[0].group);
  BOOST_REQUIRE_EQUAL(keys.size(), 3u);
  BOOST_CHECK(keys[0] == (rule_key{"HighLatency", 0}));
  BOOST_CHECK(keys[1] == (rule_key{"job:latency:avg", 0}));
  BOOST_CHECK(keys[2] == (rule_key{"HighLatency", 1}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rule_codec)

BOOST_AUTO_TEST_CASE(state_round_trips_and_starts_with_the_version_byte) {
  std::vector<std::uint8_t> out{0xAB}; // appends after existing bytes
  encode_rule_state(sample_state(), out);
  BOOST_CHECK_EQUAL(out[0], 0xAB);
  BOOST_CHECK_EQUAL(out[1], rule_codec_version);
  std::string_view bytes(reinterpret_cast<const char*>(out.data()) + 1, out.size() - 1);
  auto back = decode_rule_state(bytes, "x");
  BOOST_REQUIRE(back);
  BOOST_CHECK(*back == sample_state());
}

BOOST_AUTO_TEST_CASE(truncated_or_unknown_version_is_corruption) {
  std::vector<std::uint8_t> out;
  encode_group(sample_groups()[0], out);
  std::string bytes(out.begin(), out.end());
  for (std::size_t n = 0; n < bytes.size(); n += 7) {
    auto r = decode_group(std::string_view(bytes).substr(0, n), "alerts/groups[api]");
    BOOST_REQUIRE(!r);
    BOOST_CHECK(r.error().code() == errc::corruption);
  }
  bytes[0] = 9;
  auto r = decode_group(bytes, "alerts/groups[api]");
  BOOST_REQUIRE(!r);
  BOOST_CHECK_NE(r.error().message().find("alerts/groups[api]"), std::string::npos);
  BOOST_CHECK(decode_rule_state("", "s").error().code() == errc::corruption);
}

BOOST_AUTO_TEST_SUITE_END()
