#include "alert/rule_store.hpp"

#include <algorithm>

namespace vigil::alert {

namespace lm = store::lmdb;

namespace {

std::string state_prefix(const std::string& group) { return group + std::string(1, '\0'); }

std::string state_key(const std::string& group, const rule_key& k) {
  auto s = state_prefix(group) + k.rule + std::string(1, '\0');
  for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<char>((k.occurrence >> shift) & 0xff));
  return s;
}

/// Parses the rule part of a state key (after the group prefix).
result<rule_key> parse_rule_key(std::string_view rest) {
  auto zero = rest.find('\0');
  if (zero == std::string_view::npos || rest.size() - zero - 1 != 4)
    return corruption("alerts/states: malformed key");
  rule_key k{std::string(rest.substr(0, zero)), 0};
  for (std::size_t i = zero + 1; i < rest.size(); ++i)
    k.occurrence = (k.occurrence << 8) | static_cast<unsigned char>(rest[i]);
  return k;
}

std::string_view as_view(lm::bytes b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

status put_value(lm::txn& t, MDB_dbi dbi, std::string_view key, const std::vector<std::uint8_t>& v) {
  return t.put(dbi, lm::as_bytes(key), lm::bytes(v.data(), v.size()));
}

/// Calls f(key, value) for every entry of `dbi` whose key starts with `prefix`.
template <class F>
status scan(const lm::txn& t, MDB_dbi dbi, std::string_view prefix, F f) {
  auto c = lm::cursor::open(t, dbi);
  if (!c) return c.error();
  auto at = prefix.empty() ? c->move(MDB_FIRST) : c->seek(lm::as_bytes(prefix));
  for (; at && *at; at = c->move(MDB_NEXT)) {
    auto key = as_view(c->key());
    if (!key.starts_with(prefix)) break;
    VIGIL_TRY(f(key, as_view(c->value())));
  }
  return at ? status::ok() : at.error();
}

} // namespace

result<rule_store> rule_store::open(const std::string& dir, bool fsync) {
  lm::env_options o;
  o.map_size = std::uint64_t{1} << 30;
  o.max_dbs = 4;
  o.no_sync = !fsync;
  auto e = lm::env::open(dir, o);
  if (!e) return e.error();
  rule_store s;
  s.env_ = std::move(*e);
  auto t = lm::txn::begin(s.env_, false);
  if (!t) return t.error();
  auto g = t->open_dbi("groups", 0);
  if (!g) return g.error();
  auto st = t->open_dbi("states", 0);
  if (!st) return st.error();
  s.groups_ = *g;
  s.states_ = *st;
  VIGIL_TRY(t->commit());
  return s;
}

status rule_store::drop_states(lm::txn& t, const std::string& group, const std::vector<rule_key>& keep) {
  const auto prefix = state_prefix(group);
  std::vector<std::string> doomed;
  VIGIL_TRY(scan(t, states_, prefix, [&](std::string_view key, std::string_view) -> status {
    auto k = parse_rule_key(key.substr(prefix.size()));
    if (!k) return k.error();
    if (std::find(keep.begin(), keep.end(), *k) == keep.end()) doomed.emplace_back(key);
    return status::ok();
  }));
  for (const auto& key : doomed) VIGIL_TRY(t.del(states_, lm::as_bytes(key)));
  return status::ok();
}

status rule_store::put_group(const stored_group& g) {
  if (g.group.name.empty() || g.group.name.find('\0') != std::string::npos)
    return invalid_argument("group name must be non-empty and must not contain NUL");
  std::vector<std::uint8_t> v;
  encode_group(g, v);
  auto t = lm::txn::begin(env_, false);
  if (!t) return t.error();
  VIGIL_TRY(put_value(*t, groups_, g.group.name, v));
  VIGIL_TRY(drop_states(*t, g.group.name, rule_keys(g.group)));
  return t->commit();
}

status rule_store::delete_group(const std::string& name) {
  auto t = lm::txn::begin(env_, false);
  if (!t) return t.error();
  auto st = t->del(groups_, lm::as_bytes(name));
  if (st.code() == errc::not_found) return not_found("no rule group named \"" + name + "\"");
  VIGIL_TRY(st);
  VIGIL_TRY(drop_states(*t, name, {}));
  return t->commit();
}

result<std::vector<stored_group>> rule_store::groups() const {
  auto t = lm::txn::begin(env_, true);
  if (!t) return t.error();
  std::vector<stored_group> out;
  auto st = scan(*t, groups_, "", [&](std::string_view key, std::string_view value) -> status {
    auto g = decode_group(value, "alerts/groups[" + std::string(key) + "]");
    if (!g) return g.error();
    out.push_back(std::move(*g));
    return status::ok();
  });
  if (!st) return st;
  return out;
}

status rule_store::put_states(const std::string& group,
                              const std::vector<std::pair<rule_key, rule_state>>& states) {
  auto t = lm::txn::begin(env_, false);
  if (!t) return t.error();
  std::vector<std::uint8_t> v;
  for (const auto& [k, s] : states) {
    v.clear();
    encode_rule_state(s, v);
    VIGIL_TRY(put_value(*t, states_, state_key(group, k), v));
  }
  return t->commit();
}

result<std::map<rule_key, rule_state>> rule_store::states(const std::string& group) const {
  auto t = lm::txn::begin(env_, true);
  if (!t) return t.error();
  const auto prefix = state_prefix(group);
  std::map<rule_key, rule_state> out;
  auto st = scan(*t, states_, prefix, [&](std::string_view key, std::string_view value) -> status {
    auto k = parse_rule_key(key.substr(prefix.size()));
    if (!k) return k.error();
    auto s = decode_rule_state(value, "alerts/states[" + group + "/" + k->rule + "]");
    if (!s) return s.error();
    out.emplace(std::move(*k), std::move(*s));
    return status::ok();
  });
  if (!st) return st;
  return out;
}

} // namespace vigil::alert
