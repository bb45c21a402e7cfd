// store/series_index_select.cpp - postings reads and selection by matchers.
#include <algorithm>
#include <string>

#include "store/keys.hpp"
#include "store/series_index.hpp"

namespace vigil::store {

status series_index::read_dups(lmdb::cursor& c, postings_list& out) const {
  auto n = c.count();
  if (!n) return std::move(n).error();
  if (*n == 1) { // no sub-page: LMDB 0.9.24's MDB_GET_MULTIPLE would return a stale one
    if (c.value().size() != ref_key_bytes) return corruption("postings: value not 8 bytes");
    out.push_back(get_u64_be(c.value().data()));
    return status::ok();
  }
  out.reserve(out.size() + *n);
  auto more = c.move(MDB_GET_MULTIPLE);
  while (more && *more) {
    const lmdb::bytes page = c.value();
    if (page.size() % ref_key_bytes != 0) return corruption("postings: value not a multiple of 8 bytes");
    for (std::size_t i = 0; i < page.size(); i += ref_key_bytes) out.push_back(get_u64_be(page.data() + i));
    more = c.move(MDB_NEXT_MULTIPLE);
  }
  if (!more) return std::move(more).error();
  return status::ok();
}

result<postings_list> series_index::postings(const lmdb::txn& t, std::string_view name,
                                             std::string_view value) const {
  if (!is_indexable_name(name)) return postings_list{}; // no series has such a label
  tls().key.clear();
  postings_key(tls().key, name, value);
  auto c = lmdb::cursor::open(t, db_.postings);
  if (!c) return std::move(c).error();
  postings_list out;
  auto found = c->find(tls().key);
  if (!found) return std::move(found).error();
  if (*found) VIGIL_TRY(read_dups(*c, out));
  return out;
}

status series_index::for_each_value(const lmdb::txn& t, std::string_view name, const value_fn& fn) const {
  if (!is_indexable_name(name)) return status::ok(); // no series has such a label
  auto c = lmdb::cursor::open(t, db_.postings);
  if (!c) return std::move(c).error();
  std::vector<std::uint8_t> end;
  append_postings_name_end(end, name);
  tls().key.clear();
  append_postings_name_begin(tls().key, name);
  std::string resolved;
  std::vector<std::uint8_t> plain;
  auto at = c->seek(tls().key);
  for (; at && *at; at = c->move(MDB_NEXT_NODUP)) {
    const lmdb::bytes key = c->key();
    if (!std::lexicographical_compare(key.begin(), key.end(), end.begin(), end.end())) return status::ok();
    if (db_.crypt) { // the key holds a token: the value is in `values`
      VIGIL_TRY(get_value(t, key, plain));
      VIGIL_TRY(fn(std::string_view(reinterpret_cast<const char*>(plain.data()), plain.size()), *c));
      continue;
    }
    postings_key_parts parts;
    if (!decode_postings_key(key, &parts)) return corruption("postings: malformed key");
    if (!parts.hashed) {
      VIGIL_TRY(fn(parts.value, *c));
      continue;
    }
    // The key holds only a prefix: the full value is in any series' labels.
    series_ref ref = 0;
    if (!decode_ref_key(c->value(), &ref)) return corruption("postings: malformed ref");
    auto ls = labels_of(t, ref);
    if (!ls) return std::move(ls).error();
    resolved.assign(ls->get(name));
    VIGIL_TRY(fn(resolved, *c));
  }
  if (!at) return std::move(at).error();
  return status::ok();
}

result<postings_list> series_index::postings_where(const lmdb::txn& t, std::string_view name,
                                                   const std::function<bool(std::string_view)>& pick) const {
  std::vector<postings_list> lists;
  status st = for_each_value(t, name, [&](std::string_view v, lmdb::cursor& c) {
    if (!pick(v)) return status::ok();
    lists.emplace_back();
    return read_dups(c, lists.back());
  });
  if (!st) return st;
  return merge_all(std::move(lists));
}

result<std::vector<std::string>> series_index::names(const lmdb::txn& t) const {
  auto c = lmdb::cursor::open(t, db_.postings);
  if (!c) return std::move(c).error();
  std::vector<std::string> out;
  std::vector<std::uint8_t> next;
  auto at = c->move(MDB_FIRST);
  for (; at && *at; at = c->seek(next)) {
    postings_key_parts parts;
    if (!decode_postings_key(c->key(), &parts)) return corruption("postings: malformed key");
    out.emplace_back(parts.name);
    next.clear();
    append_postings_name_end(next, parts.name); // skip the rest of this name
  }
  if (!at) return std::move(at).error();
  return out;
}

result<std::vector<std::string>> series_index::values(const lmdb::txn& t, std::string_view name) const {
  std::vector<std::string> out;
  status st = for_each_value(t, name, [&](std::string_view v, lmdb::cursor&) {
    out.emplace_back(v);
    return status::ok();
  });
  if (!st) return st;
  std::sort(out.begin(), out.end()); // hashed long values may sort out of key order
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

result<postings_list> series_index::matcher_postings(const lmdb::txn& t, const matcher& m,
                                                     bool negative) const {
  // Positive: the series whose value matches. Negative (m matches ""): the
  // series whose value does NOT match, to be subtracted.
  if (!negative && m.type() == match_type::equal) return postings(t, m.name(), m.value());
  if (negative && m.type() == match_type::not_equal) return postings(t, m.name(), m.value());
  if (negative) return postings_where(t, m.name(), [&m](std::string_view v) { return !m.matches(v); });
  return postings_where(t, m.name(), [&m](std::string_view v) { return m.matches(v); });
}

result<postings_list> series_index::select(const lmdb::txn& t, const matchers& ms) const {
  std::vector<const matcher*> pos, neg;
  for (const auto& m : ms) (m.matches_empty() ? neg : pos).push_back(&m);
  if (pos.empty()) return invalid_argument("vector selector must contain at least one non-empty matcher");
  // Cheap first: equality matchers need no value scan.
  std::stable_partition(pos.begin(), pos.end(), [](const matcher* m) { return m->type() == match_type::equal; });
  postings_list out;
  for (std::size_t i = 0; i < pos.size(); ++i) {
    auto p = matcher_postings(t, *pos[i], false);
    if (!p) return p;
    out = i == 0 ? std::move(*p) : intersect(out, *p);
    if (out.empty()) return out;
  }
  for (const matcher* m : neg) {
    auto p = matcher_postings(t, *m, true);
    if (!p) return p;
    out = without(out, *p);
    if (out.empty()) break;
  }
  return out;
}

} // namespace vigil::store
