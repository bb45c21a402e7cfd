#include "alert/outbox.hpp"

#include "alert/payloads.hpp"

namespace vigil::alert {

namespace lm = store::lmdb;

namespace {

std::array<std::uint8_t, 8> be64(std::uint64_t v) {
  std::array<std::uint8_t, 8> k{};
  for (int i = 7; i >= 0; --i, v >>= 8) k[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v);
  return k;
}

std::uint64_t from_be64(lm::bytes b) {
  std::uint64_t v = 0;
  for (auto c : b) v = v << 8 | c;
  return v;
}

std::string flag_key(const std::string& channel, const labels& alert) {
  return channel + "\x1f" + fingerprint(alert);
}

std::string to_string(lm::bytes b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

/// Calls f(key, value) for every record of `dbi`; stops at f's first error.
template <class F>
status scan(const lm::env& env, MDB_dbi dbi, F f) {
  auto t = lm::txn::begin(env, true);
  if (!t) return t.error();
  auto c = lm::cursor::open(*t, dbi);
  if (!c) return c.error();
  for (auto more = c->move(MDB_FIRST);; more = c->move(MDB_NEXT)) {
    if (!more) return more.error();
    if (!*more) return status::ok();
    VIGIL_TRY(f(c->key(), c->value()));
  }
}

} // namespace

result<outbox> outbox::open(const std::string& dir, std::uint64_t map_size) {
  auto env = lm::env::open(dir, lm::env_options{map_size, 8, false});
  if (!env) return env.error();
  outbox o;
  o.env_ = std::move(*env);
  auto t = lm::txn::begin(o.env_, false);
  if (!t) return t.error();
  MDB_dbi* dbis[] = {&o.entries_, &o.groups_, &o.silences_, &o.notified_};
  const char* names[] = {"entries", "groups", "silences", "notified"};
  for (int i = 0; i < 4; ++i) {
    auto d = t->open_dbi(names[i], MDB_CREATE);
    if (!d) return d.error();
    *dbis[i] = *d;
  }
  VIGIL_TRY(t->commit());
  auto last = o.pending();
  if (!last) return last.error();
  if (!last->empty()) o.next_id_ = last->back().id + 1;
  return o;
}

result<std::vector<outbox_entry>> outbox::pending() const {
  std::vector<outbox_entry> out;
  auto st = scan(env_, entries_, [&](lm::bytes k, lm::bytes v) {
    auto e = decode_entry(from_be64(k), v);
    if (!e) return e.error();
    out.push_back(std::move(*e));
    return status::ok();
  });
  if (!st) return st;
  return out;
}

status outbox::put_entry(lm::txn& t, const outbox_entry& e) {
  auto key = be64(e.id);
  auto val = encode_entry(e);
  return t.put(entries_, key, val);
}

status outbox::enqueue(std::vector<outbox_entry>& entries, const std::vector<group_record>& groups) {
  auto t = lm::txn::begin(env_, false);
  if (!t) return t.error();
  std::uint64_t id = next_id_;
  for (auto& e : entries) {
    e.id = id++;
    VIGIL_TRY(put_entry(*t, e));
  }
  for (const auto& g : groups) {
    if (g.sent_firing.empty()) {
      auto st = t->del(groups_, lm::as_bytes(g.key));
      if (!st && st.code() != errc::not_found) return st;
      continue;
    }
    auto val = encode_group(g);
    VIGIL_TRY(t->put(groups_, lm::as_bytes(g.key), val));
  }
  VIGIL_TRY(t->commit());
  next_id_ = id;
  return status::ok();
}

status outbox::update(const outbox_entry& e) {
  auto t = lm::txn::begin(env_, false);
  if (!t) return t.error();
  VIGIL_TRY(put_entry(*t, e));
  return t->commit();
}

status outbox::delivered(const outbox_entry& e, timestamp_ms now) {
  return delivered(std::vector<outbox_entry>{e}, now);
}

status outbox::delivered(const std::vector<outbox_entry>& es, timestamp_ms now) {
  auto t = lm::txn::begin(env_, false);
  if (!t) return t.error();
  for (const auto& e : es) {
    auto key = be64(e.id);
    auto st = t->del(entries_, key);
    if (!st && st.code() != errc::not_found) return st;
    for (const auto& a : e.n.alerts) {
      auto val = encode_flag({a.firing, now});
      VIGIL_TRY(t->put(notified_, lm::as_bytes(flag_key(e.channel, a.lbls)), val));
    }
  }
  return t->commit();
}

status outbox::drop(std::uint64_t id) {
  auto t = lm::txn::begin(env_, false);
  if (!t) return t.error();
  auto key = be64(id);
  auto st = t->del(entries_, key);
  if (!st && st.code() != errc::not_found) return st;
  return t->commit();
}

result<std::optional<notified_flag>> outbox::notified(const std::string& channel, const labels& alert) const {
  auto t = lm::txn::begin(env_, true);
  if (!t) return t.error();
  lm::bytes v;
  auto key = flag_key(channel, alert);
  auto st = t->get(notified_, lm::as_bytes(key), &v);
  if (st.code() == errc::not_found) return std::optional<notified_flag>{};
  if (!st) return st;
  auto f = decode_flag(v);
  if (!f) return f.error();
  return std::optional<notified_flag>{*f};
}

result<std::vector<group_record>> outbox::groups() const {
  std::vector<group_record> out;
  auto st = scan(env_, groups_, [&](lm::bytes k, lm::bytes v) {
    auto g = decode_group(to_string(k), v);
    if (!g) return g.error();
    out.push_back(std::move(*g));
    return status::ok();
  });
  if (!st) return st;
  return out;
}

status outbox::put_silence(const silence& s) {
  auto t = lm::txn::begin(env_, false);
  if (!t) return t.error();
  auto val = encode_silence(s);
  VIGIL_TRY(t->put(silences_, lm::as_bytes(s.id), val));
  return t->commit();
}

result<std::vector<silence>> outbox::silences() const {
  std::vector<silence> out;
  auto st = scan(env_, silences_, [&](lm::bytes, lm::bytes v) {
    auto s = decode_silence(v);
    if (!s) return s.error();
    out.push_back(std::move(*s));
    return status::ok();
  });
  if (!st) return st;
  return out;
}

} // namespace vigil::alert
