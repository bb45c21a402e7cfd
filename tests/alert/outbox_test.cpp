#include <boost/test/unit_test.hpp>

#include "alert/outbox.hpp"
#include "tests/support/temp_dir.hpp"

using namespace vigil;
using namespace vigil::alert;

namespace {

outbox_entry entry(std::string channel, std::string instance, bool firing = true) {
  outbox_entry e;
  e.channel = std::move(channel);
  e.n.receiver = "ops";
  e.n.group_key = "ops\x1fjob=api\x1f";
  e.n.group_labels = labels{{"job", "api"}};
  e.n.alerts.push_back({labels{{"alertname", "Down"}, {"instance", std::move(instance)}, {"job", "api"}},
                        {{"summary", "down"}}, firing, 1000, firing ? 0 : 2000, 1.5});
  e.next_attempt = 5000;
  e.created = 4000;
  return e;
}

silence make_silence(std::string id) {
  silence s;
  s.id = std::move(id);
  s.match = {*matcher::make(match_type::equal, "job", "api"), *matcher::make(match_type::regex, "i", "a.*")};
  s.starts_at = 10;
  s.ends_at = 20;
  s.created_by = "alice";
  s.comment = "maintenance";
  return s;
}

} // namespace

BOOST_AUTO_TEST_SUITE(outbox_suite)

BOOST_AUTO_TEST_CASE(entries_survive_reopen_and_ids_keep_growing) {
  test::temp_dir dir;
  std::vector<outbox_entry> batch{entry("mail", "a"), entry("hook", "b")};
  {
    auto o = outbox::open(dir.str());
    BOOST_REQUIRE(o);
    BOOST_REQUIRE(o->enqueue(batch, {}));
    BOOST_CHECK_EQUAL(batch[0].id, 1u);
    BOOST_CHECK_EQUAL(batch[1].id, 2u);
    batch[1].attempts = 3;
    batch[1].fallback_sent = true;
    BOOST_REQUIRE(o->update(batch[1]));
  }
  auto o = outbox::open(dir.str());
  BOOST_REQUIRE(o);
  auto p = o->pending();
  BOOST_REQUIRE(p);
  BOOST_REQUIRE_EQUAL(p->size(), 2u);
  BOOST_CHECK_EQUAL((*p)[0].channel, "mail");
  BOOST_CHECK((*p)[0].n.alerts == batch[0].n.alerts);
  BOOST_CHECK((*p)[0].n.group_labels == batch[0].n.group_labels);
  BOOST_CHECK_EQUAL((*p)[0].n.group_key, batch[0].n.group_key);
  BOOST_CHECK_EQUAL((*p)[1].attempts, 3u);
  BOOST_CHECK((*p)[1].fallback_sent);
  BOOST_CHECK_EQUAL((*p)[1].next_attempt, 5000);
  std::vector<outbox_entry> more{entry("mail", "c")};
  BOOST_REQUIRE(o->enqueue(more, {}));
  BOOST_CHECK_EQUAL(more[0].id, 3u);
}

BOOST_AUTO_TEST_CASE(delivery_removes_the_entry_and_sets_the_notified_flag) {
  test::temp_dir dir;
  auto o = outbox::open(dir.str());
  BOOST_REQUIRE(o);
  std::vector<outbox_entry> batch{entry("mail", "a")};
  BOOST_REQUIRE(o->enqueue(batch, {}));
  auto before = o->notified("mail", batch[0].n.alerts[0].lbls);
  BOOST_REQUIRE(before);
  BOOST_CHECK(!before->has_value());
  BOOST_REQUIRE(o->delivered(batch[0], 7000));
  BOOST_CHECK(o->pending()->empty());
  auto flag = o->notified("mail", batch[0].n.alerts[0].lbls);
  BOOST_REQUIRE(flag && flag->has_value());
  BOOST_CHECK((*flag)->firing);
  BOOST_CHECK_EQUAL((*flag)->at, 7000);
  BOOST_CHECK(!o->notified("hook", batch[0].n.alerts[0].lbls)->has_value());
}

BOOST_AUTO_TEST_CASE(group_records_are_written_with_the_entries_and_deleted_when_empty) {
  test::temp_dir dir;
  labels a{{"instance", "a"}};
  {
    auto o = outbox::open(dir.str());
    std::vector<outbox_entry> batch{entry("mail", "a")};
    BOOST_REQUIRE(o->enqueue(batch, {group_record{"g1", 100, {a}}, group_record{"g2", 200, {a}}}));
    std::vector<outbox_entry> none;
    BOOST_REQUIRE(o->enqueue(none, {group_record{"g2", 300, {}}}));
  }
  auto o = outbox::open(dir.str());
  auto g = o->groups();
  BOOST_REQUIRE(g);
  BOOST_REQUIRE_EQUAL(g->size(), 1u);
  BOOST_CHECK((*g)[0] == (group_record{"g1", 100, {a}}));
}

BOOST_AUTO_TEST_CASE(silences_persist) {
  test::temp_dir dir;
  {
    auto o = outbox::open(dir.str());
    BOOST_REQUIRE(o->put_silence(make_silence("s1")));
    auto s2 = make_silence("s2");
    BOOST_REQUIRE(o->put_silence(s2));
    s2.ends_at = 15; // expire
    BOOST_REQUIRE(o->put_silence(s2));
  }
  auto o = outbox::open(dir.str());
  auto s = o->silences();
  BOOST_REQUIRE(s);
  BOOST_REQUIRE_EQUAL(s->size(), 2u);
  BOOST_CHECK_EQUAL((*s)[1].ends_at, 15);
  BOOST_CHECK((*s)[0].match == make_silence("s1").match);
  BOOST_CHECK_EQUAL((*s)[0].comment, "maintenance");
  BOOST_CHECK((*s)[0].silences(labels{{"job", "api"}, {"i", "ab"}}, 12));
}

BOOST_AUTO_TEST_CASE(rejects_unknown_versions_and_truncation) {
  auto bytes = encode_entry(entry("mail", "a"));
  BOOST_CHECK(decode_entry(1, bytes));
  auto bad = bytes;
  bad[0] = 9;
  BOOST_CHECK(decode_entry(1, bad).error().code() == errc::corruption);
  for (std::size_t cut = 1; cut < bytes.size(); cut += 3) {
    byte_buffer part(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut));
    BOOST_CHECK(!decode_entry(1, part));
  }
  auto trailing = bytes;
  trailing.push_back(0);
  BOOST_CHECK(!decode_entry(1, trailing));
}

BOOST_AUTO_TEST_SUITE_END()
