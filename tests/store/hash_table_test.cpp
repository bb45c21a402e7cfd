#include "store/hash_table.hpp"

#include <map>
#include <random>
#include <vector>

#include <boost/test/unit_test.hpp>

using namespace vigil::store;

namespace {

struct item {
  int id;
};

} // namespace

BOOST_AUTO_TEST_SUITE(hash_table)

BOOST_AUTO_TEST_CASE(finds_values_sharing_a_hash_by_predicate) {
  vigil::store::hash_table<item> t;
  t.insert(7, std::make_unique<item>(item{1}));
  t.insert(7, std::make_unique<item>(item{2}));
  t.insert(23, std::make_unique<item>(item{3})); // same slot as 7 when 16 slots
  BOOST_TEST(t.find(7, [](const item& i) { return i.id == 2; })->id == 2);
  BOOST_TEST(t.find(23, [](const item&) { return true; })->id == 3);
  BOOST_TEST(t.find(7, [](const item& i) { return i.id == 3; }) == nullptr);
  BOOST_TEST(t.find(8, [](const item&) { return true; }) == nullptr);
}

BOOST_AUTO_TEST_CASE(erase_keeps_later_probe_entries_reachable) {
  vigil::store::hash_table<item> t;
  item* a = t.insert(5, std::make_unique<item>(item{1}));
  t.insert(5, std::make_unique<item>(item{2}));
  t.erase(5, a);
  BOOST_TEST(t.size() == 1u);
  BOOST_TEST(t.find(5, [](const item& i) { return i.id == 2; }) != nullptr);
  BOOST_TEST(t.find(5, [](const item& i) { return i.id == 1; }) == nullptr);
}

BOOST_AUTO_TEST_CASE(agrees_with_a_multimap_under_random_operations) {
  std::mt19937_64 rng(41);
  vigil::store::hash_table<item> t;
  std::multimap<std::uint64_t, item*> model;
  int next_id = 0;
  for (int op = 0; op < 50000; ++op) {
    const std::uint64_t h = rng() % 3 == 0 ? rng() % 64 : rng(); // many collisions too
    if (rng() % 3 != 0 || model.empty()) {
      model.emplace(h, t.insert(h, std::make_unique<item>(item{next_id++})));
    } else {
      auto it = model.begin();
      std::advance(it, static_cast<long>(rng() % model.size()));
      t.erase(it->first, it->second);
      model.erase(it);
    }
  }
  BOOST_REQUIRE_EQUAL(t.size(), model.size());
  for (const auto& [h, p] : model) {
    const int id = p->id;
    BOOST_REQUIRE(t.find(h, [id](const item& i) { return i.id == id; }) == p);
  }
}

BOOST_AUTO_TEST_SUITE_END()
