// alert/rule_store.hpp - durable rule groups and alert state: one LMDB
// environment (normally <data_dir>/alerts/) with two sub-databases, laid out
// in alert/FORMAT.md:
//   groups  group name             -> encoded stored_group (definition + YAML)
//   states  group \0 rule \0 n     -> encoded rule_state (alerts + last evaluation)
// where n is the rule's occurrence among same-named rules of its group (a
// group may hold two alerting rules with one alert name).
//
// Pure and synchronous (no actors, no clock). Every change is one write
// transaction, fsynced before it returns unless opened with fsync = false.
// Threading (STYLE §2.10): one owner (the rules supervisor actor); every call
// begins and ends its transaction. Never open one directory twice in a
// process.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "alert/rule_codec.hpp"
#include "core/status.hpp"
#include "store/lmdb.hpp"

namespace vigil::alert {

class rule_store {
public:
  /// Opens (creating when missing) the environment in `dir`.
  /// @param fsync false: commits are not fsynced (tests only)
  /// Errors: io_error (directory, LMDB), corruption (a bad format version).
  static result<rule_store> open(const std::string& dir, bool fsync = true);

  rule_store() = default;
  rule_store(rule_store&&) noexcept = default;
  rule_store& operator=(rule_store&&) noexcept = default;

  /// Creates or replaces a group. States of rules it still has stay; states
  /// of rules it no longer has are dropped (same transaction).
  status put_group(const stored_group& g);

  /// Deletes a group and all its states; not_found when there is none.
  status delete_group(const std::string& name);

  /// Every stored group, by name.
  result<std::vector<stored_group>> groups() const;

  /// Replaces the states of one group's rules in one transaction.
  status put_states(const std::string& group, const std::vector<std::pair<rule_key, rule_state>>& states);

  /// The stored states of one group (rules never evaluated are absent).
  result<std::map<rule_key, rule_state>> states(const std::string& group) const;

private:
  status drop_states(store::lmdb::txn& t, const std::string& group, const std::vector<rule_key>& keep);

  store::lmdb::env env_;
  MDB_dbi groups_ = 0;
  MDB_dbi states_ = 0;
};

} // namespace vigil::alert
