// tests/store/store_test_util.hpp - helpers shared by the store tests.
#pragma once

#include <optional>
#include <string>

#include <boost/test/unit_test.hpp>

#include "core/labels.hpp"
#include "store/lmdb.hpp"
#include "store/schema.hpp"
#include "tests/store/test_print.hpp"
#include "tests/support/temp_dir.hpp"

namespace vigil::store::testing {

inline matcher make_matcher(match_type type, std::string name, std::string value) {
  auto m = matcher::make(type, std::move(name), std::move(value));
  BOOST_REQUIRE_MESSAGE(m.has_value(), (m ? std::string() : m.error().to_string()));
  return *m;
}
inline matcher eq(std::string n, std::string v) { return make_matcher(match_type::equal, std::move(n), std::move(v)); }
inline matcher neq(std::string n, std::string v) {
  return make_matcher(match_type::not_equal, std::move(n), std::move(v));
}
inline matcher re(std::string n, std::string v) { return make_matcher(match_type::regex, std::move(n), std::move(v)); }
inline matcher nre(std::string n, std::string v) {
  return make_matcher(match_type::not_regex, std::move(n), std::move(v));
}

/// An LMDB environment with the shard schema in a temporary directory, which
/// can be closed and reopened.
struct env_with_schema {
  test::temp_dir dir;
  std::optional<lmdb::env> env;
  schema db;

  env_with_schema() { open(); }

  void open() {
    auto e = lmdb::env::open(dir.str(), {});
    BOOST_REQUIRE_MESSAGE(e.has_value(), (e ? std::string() : e.error().to_string()));
    env.emplace(std::move(*e));
    auto s = open_schema(*env);
    BOOST_REQUIRE_MESSAGE(s.has_value(), (s ? std::string() : s.error().to_string()));
    db = *s;
  }
  void close() { env.reset(); }

  lmdb::txn begin(bool read_only) {
    auto t = lmdb::txn::begin(*env, read_only);
    BOOST_REQUIRE(t.has_value());
    return std::move(*t);
  }
};

} // namespace vigil::store::testing
