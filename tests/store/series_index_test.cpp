#include "store/series_index.hpp"

#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tests/store/store_test_util.hpp"

using namespace vigil;
using namespace vigil::store;
using namespace vigil::store::testing;

namespace {

struct fixture : env_with_schema {
  std::optional<series_index> idx;

  fixture() { load(); }

  void load() {
    idx.emplace(db);
    auto t = begin(true);
    BOOST_REQUIRE(idx->load(t).is_ok());
  }
  void reopen() {
    idx.reset();
    close();
    open();
    load();
  }
  series_ref add(const labels& ls) {
    auto t = begin(false);
    auto found = idx->find(t, ls, ls.hash());
    if (found) return *found;
    BOOST_REQUIRE(found.error().code() == errc::not_found);
    auto ref = idx->create(t, ls, ls.hash());
    BOOST_REQUIRE_MESSAGE(ref.has_value(), (ref ? std::string() : ref.error().to_string()));
    BOOST_REQUIRE(idx->flush(t).is_ok());
    BOOST_REQUIRE(t.commit().is_ok());
    idx->on_commit();
    return *ref;
  }
  postings_list select(const matchers& ms) {
    auto t = begin(true);
    auto r = idx->select(t, ms);
    BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().to_string()));
    return *r;
  }
};

/// Refs 1..6 in creation order.
void add_fleet(fixture& f) {
  f.add({{"__name__", "up"}, {"job", "api"}, {"env", "prod"}});     // 1
  f.add({{"__name__", "up"}, {"job", "api"}, {"env", "dev"}});      // 2
  f.add({{"__name__", "up"}, {"job", "db"}});                       // 3 (no env)
  f.add({{"__name__", "cpu"}, {"job", "api"}, {"env", "prod"}});    // 4
  f.add({{"__name__", "cpu"}, {"job", "web"}, {"env", "staging"}}); // 5
  f.add({{"__name__", "mem"}, {"job", "db"}});                      // 6 (no env)
}

} // namespace

BOOST_AUTO_TEST_SUITE(series_index)

BOOST_AUTO_TEST_CASE(assigns_sequential_refs_and_finds_existing_series) {
  fixture f;
  const labels a{{"__name__", "up"}, {"job", "a"}};
  const labels b{{"__name__", "up"}, {"job", "b"}};
  BOOST_TEST(f.add(a) == 1u);
  BOOST_TEST(f.add(b) == 2u);
  BOOST_TEST(f.add(a) == 1u);
  auto t = f.begin(true);
  BOOST_TEST(*f.idx->count(t) == 2u);
  BOOST_TEST(*f.idx->labels_of(t, 2) == b);
  BOOST_TEST(f.idx->labels_of(t, 3).error().code() == errc::not_found);
}

BOOST_AUTO_TEST_CASE(readers_remember_label_sets_only_as_committed) {
  fixture f, other;
  const labels a{{"__name__", "up"}, {"job", "a"}};
  BOOST_TEST(f.add(a) == 1u);
  {
    auto t = f.begin(true);
    BOOST_TEST(*f.idx->labels_of(t, 1) == a);
    BOOST_TEST(*f.idx->labels_of(t, 1) == a); // remembered: the same answer
  }
  // Another index (another shard) has its own ref 1.
  const labels o{{"__name__", "other"}};
  BOOST_TEST(other.add(o) == 1u);
  {
    auto t = other.begin(true);
    BOOST_TEST(*other.idx->labels_of(t, 1) == o);
  }
  // A ref handed out in an aborted write txn goes to the next series; what
  // the write txn saw under it is not remembered.
  const labels gone{{"__name__", "up"}, {"job", "aborted"}};
  {
    auto t = f.begin(false);
    auto ref = f.idx->create(t, gone, gone.hash());
    BOOST_TEST_REQUIRE(ref.has_value());
    BOOST_TEST(*ref == 2u);
    BOOST_TEST(*f.idx->labels_of(t, 2) == gone);
    t.abort();
    f.idx->on_abort();
  }
  const labels kept{{"__name__", "up"}, {"job", "kept"}};
  BOOST_TEST(f.add(kept) == 2u);
  auto t = f.begin(true);
  BOOST_TEST(*f.idx->labels_of(t, 2) == kept);
  BOOST_TEST(*f.idx->labels_of(t, 1) == a);
}

BOOST_AUTO_TEST_CASE(a_removed_series_is_not_found_by_readers_that_remembered_it) {
  fixture f;
  const labels a{{"__name__", "up"}, {"job", "a"}};
  const labels b{{"__name__", "up"}, {"job", "b"}};
  f.add(a);
  f.add(b);
  {
    auto r = f.begin(true);
    BOOST_TEST(*f.idx->labels_of(r, 1) == a); // remembered
    BOOST_TEST(*f.idx->labels_of(r, 2) == b);
  }
  auto old_snapshot = f.begin(true);
  {
    auto w = f.begin(false);
    BOOST_TEST_REQUIRE(f.idx->remove(w, 1, a).is_ok());
    // While the removal is open, a reader still sees its own snapshot.
    BOOST_TEST(*f.idx->labels_of(old_snapshot, 1) == a);
    BOOST_TEST_REQUIRE(w.commit().is_ok());
    f.idx->on_commit();
  }
  BOOST_TEST(*f.idx->labels_of(old_snapshot, 1) == a); // that snapshot still holds the series
  old_snapshot.abort();
  auto r = f.begin(true);
  BOOST_TEST(f.idx->labels_of(r, 1).error().code() == errc::not_found);
  BOOST_TEST(*f.idx->labels_of(r, 2) == b);
  // An aborted removal changes nothing.
  {
    auto w = f.begin(false);
    BOOST_TEST_REQUIRE(f.idx->remove(w, 2, b).is_ok());
    w.abort();
    f.idx->on_abort();
  }
  auto r2 = f.begin(true);
  BOOST_TEST(*f.idx->labels_of(r2, 2) == b);
}

BOOST_AUTO_TEST_CASE(persists_across_reopen) {
  fixture f;
  add_fleet(f);
  f.reopen();
  BOOST_TEST(f.add({{"__name__", "cpu"}, {"job", "web"}, {"env", "staging"}}) == 5u);
  BOOST_TEST(f.add({{"__name__", "new"}}) == 7u); // counter survived
  BOOST_TEST(f.select({eq("job", "db")}) == postings_list({3, 6}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(selects_with_all_four_matcher_types) {
  fixture f;
  add_fleet(f);
  BOOST_TEST(f.select({eq("__name__", "up")}) == postings_list({1, 2, 3}), boost::test_tools::per_element());
  BOOST_TEST(f.select({eq("__name__", "up"), neq("job", "api")}) == postings_list({3}),
             boost::test_tools::per_element());
  BOOST_TEST(f.select({re("job", "a.*|w.b")}) == postings_list({1, 2, 4, 5}), boost::test_tools::per_element());
  BOOST_TEST(f.select({re("__name__", ".+"), nre("env", "prod|dev")}) == postings_list({3, 5, 6}),
             boost::test_tools::per_element());
  BOOST_TEST(f.select({eq("__name__", "nope")}).empty());
  BOOST_TEST(f.select({re("job", "ap")}).empty()); // anchored
}

BOOST_AUTO_TEST_CASE(empty_matching_matchers_select_series_lacking_the_label) {
  fixture f;
  add_fleet(f);
  // env="" selects series without env; env=~"prod|" those with prod or none.
  BOOST_TEST(f.select({re("job", ".+"), eq("env", "")}) == postings_list({3, 6}), boost::test_tools::per_element());
  BOOST_TEST(f.select({re("job", ".+"), re("env", "prod|")}) == postings_list({1, 3, 4, 6}),
             boost::test_tools::per_element());
  BOOST_TEST(f.select({eq("job", "db"), neq("env", "prod")}) == postings_list({3, 6}),
             boost::test_tools::per_element());
  BOOST_TEST(f.select({re("job", ".+"), neq("env", "")}) == postings_list({1, 2, 4, 5}),
             boost::test_tools::per_element());
  BOOST_TEST(f.select({neq("env", ""), eq("absent", "")}) == postings_list({1, 2, 4, 5}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(matchers_on_unindexable_names_act_as_absent_labels) {
  fixture f;
  add_fleet(f);
  const std::string long_name(300, 'n');
  BOOST_TEST(f.select({eq(long_name, "x")}).empty());
  BOOST_TEST(f.select({re(std::string("a\x01b", 3), ".+")}).empty());
  BOOST_TEST(f.select({eq("job", "db"), neq(long_name, "x")}) == postings_list({3, 6}),
             boost::test_tools::per_element());
  BOOST_TEST(f.select({eq("job", "db"), nre(long_name, "x")}) == postings_list({3, 6}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(rejects_selectors_without_a_non_empty_matcher) {
  fixture f;
  add_fleet(f);
  auto t = f.begin(true);
  for (const matchers& ms : {matchers{}, matchers{eq("env", "")}, matchers{re("job", ".*")},
                             matchers{neq("job", "api"), nre("env", "x")}}) {
    auto r = f.idx->select(t, ms);
    BOOST_REQUIRE(!r.has_value());
    BOOST_TEST(r.error().code() == errc::invalid_argument);
  }
}

BOOST_AUTO_TEST_CASE(lists_label_names_and_values) {
  fixture f;
  add_fleet(f);
  auto t = f.begin(true);
  BOOST_TEST(*f.idx->names(t) == std::vector<std::string>({"__name__", "env", "job"}),
             boost::test_tools::per_element());
  BOOST_TEST(*f.idx->values(t, "env") == std::vector<std::string>({"dev", "prod", "staging"}),
             boost::test_tools::per_element());
  BOOST_TEST(f.idx->values(t, "nope")->empty());
}

BOOST_AUTO_TEST_CASE(indexes_values_longer_than_an_lmdb_key) {
  fixture f;
  const std::string long_a = std::string(2000, 'a') + "1";
  const std::string long_b = std::string(2000, 'a') + "2"; // same key prefix
  const series_ref a = f.add({{"__name__", "x"}, {"blob", long_a}});
  const series_ref b = f.add({{"__name__", "x"}, {"blob", long_b}});
  f.reopen();
  BOOST_TEST(f.add({{"__name__", "x"}, {"blob", long_a}}) == a);
  BOOST_TEST(f.select({eq("blob", long_a)}) == postings_list({a}), boost::test_tools::per_element());
  BOOST_TEST(f.select({re("blob", "a+2")}) == postings_list({b}), boost::test_tools::per_element());
  auto t = f.begin(true);
  BOOST_TEST(*f.idx->values(t, "blob") == std::vector<std::string>({long_a, long_b}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(distinguishes_label_sets_with_colliding_hashes) {
  fixture f;
  const labels a{{"__name__", "a"}}, b{{"__name__", "b"}};
  auto t = f.begin(false);
  const series_ref ra = *f.idx->create(t, a, 77);
  BOOST_TEST(f.idx->find(t, b, 77).error().code() == errc::not_found);
  const series_ref rb = *f.idx->create(t, b, 77);
  BOOST_TEST(*f.idx->find(t, a, 77) == ra);
  BOOST_TEST(*f.idx->find(t, b, 77) == rb);
}

BOOST_AUTO_TEST_CASE(abort_rolls_the_ref_counter_back) {
  fixture f;
  f.add({{"__name__", "a"}});
  {
    auto t = f.begin(false);
    BOOST_TEST(*f.idx->create(t, labels{{"__name__", "b"}}, 1) == 2u);
    BOOST_REQUIRE(f.idx->flush(t).is_ok());
  } // aborted
  f.idx->on_abort();
  BOOST_TEST(f.add({{"__name__", "c"}}) == 2u);
  f.reopen();
  BOOST_TEST(f.add({{"__name__", "d"}}) == 3u);
}

BOOST_AUTO_TEST_CASE(validates_label_names) {
  BOOST_TEST(store::series_index::validate(labels{}).code() == errc::invalid_argument);
  BOOST_TEST(store::series_index::validate(labels{{"", "x"}}).code() == errc::invalid_argument);
  BOOST_TEST(store::series_index::validate(labels{{std::string("a\0b", 3), "x"}}).code() == errc::invalid_argument);
  BOOST_TEST(store::series_index::validate(labels{{std::string(300, 'n'), "x"}}).code() == errc::invalid_argument);
  BOOST_TEST(store::series_index::validate(labels{{"ok", std::string(5000, 'v')}}).is_ok());
}

BOOST_AUTO_TEST_SUITE_END()
