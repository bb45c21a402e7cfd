// store/series_index.cpp - counter, lookup, creation and series records.
// Selection by matchers lives in series_index_select.cpp.
#include "store/series_index.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

#include "store/compress.hpp"
#include "store/label_dict.hpp"
#include "store/defaults.hpp"
#include "store/keys.hpp"
#include "store/label_codec.hpp"

namespace vigil::store {

series_index::scratch& series_index::tls() noexcept {
  thread_local scratch s;
  return s;
}

namespace {

constexpr std::size_t next_ref_record_bytes = 9;

} // namespace

status series_index::load(const lmdb::txn& t) {
  lmdb::bytes v;
  status st = t.get(db_.meta, lmdb::as_bytes(meta_next_ref_key), &v);
  if (st.code() == errc::not_found) {
    next_ref_ = committed_next_ref_ = 1;
    return status::ok();
  }
  VIGIL_TRY(st);
  if (v.size() != next_ref_record_bytes || v[0] != 1)
    return corruption("meta next_series_ref: malformed record of " + std::to_string(v.size()) + " bytes");
  next_ref_ = committed_next_ref_ = get_u64_be(v.data() + 1);
  if (next_ref_ == 0) return corruption("meta next_series_ref: zero");
  per_metric_.clear();
  per_service_.clear();
  auto tally = [&](std::string_view name, std::map<std::string, std::int64_t, std::less<>>& into) {
    return for_each_value(t, name, [&](std::string_view value, lmdb::cursor& c) {
      auto n = c.count();
      if (!n) return std::move(n).error();
      into[std::string(value)] += static_cast<std::int64_t>(*n);
      return status::ok();
    });
  };
  if (limits_.per_metric > 0) VIGIL_TRY(tally("__name__", per_metric_));
  if (limits_.per_service > 0 && !limits_.service_label.empty()) VIGIL_TRY(tally(limits_.service_label, per_service_));
  return status::ok();
}

status series_index::validate(const labels& ls) {
  if (ls.empty()) return invalid_argument("series has no labels");
  for (const auto& l : ls) {
    if (is_indexable_name(l.name)) continue;
    return invalid_argument("label name must be 1-" + std::to_string(max_label_name_bytes) +
                            " bytes without bytes 0x00-0x02, in " + ls.to_string());
  }
  return status::ok();
}

void series_index::postings_key(std::vector<std::uint8_t>& out, std::string_view name,
                                std::string_view value) const {
  if (!db_.crypt) return append_postings_key(out, name, value);
  append_postings_name_begin(out, name);
  const std::size_t at = out.size();
  out.resize(at + encryption_token_bytes);
  db_.crypt->token(name, value, std::span<std::uint8_t, encryption_token_bytes>(out.data() + at, encryption_token_bytes));
}

ref_key series_index::hash_key(std::uint64_t hash) const {
  return make_ref_key(db_.crypt ? db_.crypt->keyed_hash(hash) : hash);
}

status series_index::put_value(lmdb::txn& t, std::string_view value) {
  lmdb::bytes existing;
  status st = t.get(db_.values, tls().key, &existing);
  if (st.code() != errc::not_found) return st; // ok: another series has the pair already
  tls().plain.clear();
  VIGIL_TRY(db_.crypt->encrypt_append(crypt_domain::value, tls().key, lmdb::as_bytes(value), tls().plain));
  return t.put(db_.values, tls().key, tls().plain);
}

status series_index::get_value(const lmdb::txn& t, lmdb::bytes key, std::vector<std::uint8_t>& out) const {
  lmdb::bytes stored;
  status st = t.get(db_.values, key, &stored);
  if (st.code() == errc::not_found) return corruption("postings key without a value record");
  VIGIL_TRY(st);
  out.clear();
  if (auto d = db_.crypt->decrypt(crypt_domain::value, key, stored, out); !d)
    return corruption("value of a postings key: " + d.message());
  return status::ok();
}

status series_index::decode_series_record(lmdb::bytes rec, series_ref ref) const {
  tls().decoded.clear();
  if (db_.crypt) {
    const ref_key rk = make_ref_key(ref);
    tls().plain.clear();
    if (auto st = db_.crypt->decrypt(crypt_domain::series, rk, rec, tls().plain); !st)
      return corruption("series record " + std::to_string(ref) + ": " + st.message());
    rec = tls().plain;
  }
  if (!rec.empty() && rec[0] == series_record_version_dict && db_.label_dict) {
    if (auto st = decompress_with_dict(rec.subspan(1), *db_.label_dict, tls().decoded); !st)
      return corruption("series record " + std::to_string(ref) + ": " + st.message());
    return status::ok();
  }
  if (rec.empty() || rec[0] != series_record_version)
    return corruption("series record " + std::to_string(ref) + ": unknown version");
  auto used = decompress(rec.subspan(1), tls().decoded);
  if (!used) return corruption("series record " + std::to_string(ref) + ": " + used.error().message());
  if (*used != rec.size() - 1) return corruption("series record " + std::to_string(ref) + ": trailing bytes");
  return status::ok();
}

result<series_ref> series_index::find(const lmdb::txn& t, const labels& ls, std::uint64_t hash) const {
  tls().wanted.clear();
  append_labels(tls().wanted, ls);
  auto c = lmdb::cursor::open(t, db_.label_hash);
  if (!c) return std::move(c).error();
  const ref_key hk = hash_key(hash);
  auto found = c->find(hk);
  for (; found && *found; found = c->move(MDB_NEXT_DUP)) {
    series_ref ref = 0;
    if (!decode_ref_key(c->value(), &ref)) return corruption("label_hash entry: malformed ref");
    lmdb::bytes rec;
    const ref_key rk = make_ref_key(ref);
    status st = t.get(db_.series, rk, &rec);
    if (st.code() == errc::not_found)
      return corruption("label_hash names series " + std::to_string(ref) + " which has no record");
    VIGIL_TRY(st);
    VIGIL_TRY(decode_series_record(rec, ref));
    if (tls().decoded == tls().wanted) return ref;
  }
  if (!found) return std::move(found).error();
  return status{errc::not_found, {}};
}

result<series_ref> series_index::create(lmdb::txn& t, const labels& ls, std::uint64_t hash) {
  const series_ref ref = next_ref_;
  const ref_key rk = make_ref_key(ref);
  tls().wanted.clear();
  append_labels(tls().wanted, ls);
  tls().decoded.assign(1, series_record_version);
  compress(tls().wanted, tls().decoded);
  lmdb::bytes record = tls().decoded;
  if (db_.crypt) {
    tls().plain.clear();
    VIGIL_TRY(db_.crypt->encrypt_append(crypt_domain::series, rk, tls().decoded, tls().plain));
    record = tls().plain;
  }
  status st = t.put(db_.series, rk, record, MDB_APPEND);
  if (st.code() == errc::invalid_argument)
    return corruption("series ref " + std::to_string(ref) + " already used: next_series_ref is behind the data");
  VIGIL_TRY(st);
  VIGIL_TRY(t.put(db_.label_hash, hash_key(hash), rk));
  for (const auto& l : ls) {
    tls().key.clear();
    postings_key(tls().key, l.name, l.value);
    VIGIL_TRY(t.put(db_.postings, tls().key, rk));
    if (db_.crypt) VIGIL_TRY(put_value(t, l.value));
  }
  ++next_ref_;
  if (limits_.per_metric > 0 || limits_.per_service > 0) {
    count(ls, 1);
    pending_.emplace_back(ls, 1);
  }
  return ref;
}

void series_index::count(const labels& ls, std::int64_t delta) {
  if (limits_.per_metric > 0)
    if (auto m = ls.get("__name__"); !m.empty()) per_metric_[std::string(m)] += delta;
  if (limits_.per_service > 0 && !limits_.service_label.empty())
    if (auto s = ls.get(limits_.service_label); !s.empty()) per_service_[std::string(s)] += delta;
}

void series_index::on_commit() noexcept {
  committed_next_ref_ = next_ref_;
  pending_.clear();
  if (removal_txn_ != 0) {
    last_removal_txn_.store(removal_txn_, std::memory_order_release);
    removal_pending_.store(false, std::memory_order_release);
    removal_txn_ = 0;
  }
}

void series_index::on_abort() noexcept {
  next_ref_ = committed_next_ref_;
  for (const auto& [ls, d] : pending_) count(ls, -d);
  pending_.clear();
  if (removal_txn_ != 0) {
    removal_pending_.store(false, std::memory_order_release);
    removal_txn_ = 0;
  }
}

std::string series_index::widest_label(const lmdb::txn& t, std::string_view metric) const {
  auto refs = postings(t, "__name__", metric);
  if (!refs) return {};
  std::map<std::string, std::set<std::string>, std::less<>> values;
  std::size_t seen = 0;
  for (series_ref r : *refs) {
    if (++seen > 2000) break; // a sample is enough to name the culprit
    auto ls = labels_of(t, r);
    if (!ls) continue;
    for (const auto& l : *ls)
      if (l.name != "__name__") values[l.name].insert(l.value);
  }
  std::string best;
  std::size_t most = 0;
  for (const auto& [name, vs] : values)
    if (vs.size() > most) {
      most = vs.size();
      best = name;
    }
  if (best.empty()) return {};
  return "; label \"" + best + "\" has the most values (" + std::to_string(most) + " among " +
         std::to_string(std::min(seen, refs->size())) + " series)";
}

std::string series_index::over_limit(const lmdb::txn& t, const labels& ls) const {
  if (limits_.per_metric > 0) {
    const auto m = ls.get("__name__");
    auto it = per_metric_.find(m);
    if (it != per_metric_.end() && it->second >= static_cast<std::int64_t>(limits_.per_metric))
      return "metric \"" + std::string(m) + "\" reached its limit of " + std::to_string(limits_.per_metric) +
             " series per shard" + widest_label(t, m);
  }
  if (limits_.per_service > 0 && !limits_.service_label.empty()) {
    const auto s = ls.get(limits_.service_label);
    auto it = per_service_.find(s);
    if (!s.empty() && it != per_service_.end() && it->second >= static_cast<std::int64_t>(limits_.per_service))
      return limits_.service_label + " \"" + std::string(s) + "\" reached its limit of " +
             std::to_string(limits_.per_service) + " series per shard (metric \"" + std::string(ls.get("__name__")) +
             "\"" + widest_label(t, ls.get("__name__")) + ")";
  }
  return {};
}

status series_index::remove(lmdb::txn& t, series_ref ref, const labels& ls) {
  // Before the removal can commit: readers stop using the label memo.
  removal_pending_.store(true, std::memory_order_seq_cst);
  removal_txn_ = mdb_txn_id(t.get());
  const ref_key rk = make_ref_key(ref);
  auto gone = [](status st) { return st.is_ok() || st.code() == errc::not_found ? status::ok() : st; };
  VIGIL_TRY(gone(t.del(db_.series, rk)));
  const ref_key hk = hash_key(ls.hash());
  const lmdb::bytes item(rk.data(), rk.size());
  VIGIL_TRY(gone(t.del(db_.label_hash, hk, &item)));
  for (const auto& l : ls) {
    tls().key.clear();
    postings_key(tls().key, l.name, l.value);
    VIGIL_TRY(gone(t.del(db_.postings, tls().key, &item)));
    if (!db_.crypt) continue;
    lmdb::bytes left; // the pair's value record goes with its last series
    if (t.get(db_.postings, tls().key, &left).code() == errc::not_found) VIGIL_TRY(gone(t.del(db_.values, tls().key)));
  }
  if (limits_.per_metric > 0 || limits_.per_service > 0) {
    count(ls, -1);
    pending_.emplace_back(ls, -1);
  }
  return status::ok();
}

status series_index::flush(lmdb::txn& t) {
  if (next_ref_ == committed_next_ref_) return status::ok();
  std::uint8_t rec[next_ref_record_bytes] = {1};
  put_u64_be(rec + 1, next_ref_);
  return t.put(db_.meta, lmdb::as_bytes(meta_next_ref_key), rec);
}

namespace {

std::atomic<std::uint64_t> next_index_uid{1};

/// Readers' label sets by (index instance, ref), per thread.
struct label_memo {
  struct key_hash {
    std::size_t operator()(const std::pair<std::uint64_t, series_ref>& k) const noexcept {
      return std::hash<std::uint64_t>{}(k.first * 0x9e3779b97f4a7c15ULL ^ k.second);
    }
  };
  struct entry {
    labels ls;
    std::uint64_t snapshot = 0; ///< id of the read txn it was read in
  };
  std::unordered_map<std::pair<std::uint64_t, series_ref>, entry, key_hash> sets;
};

label_memo& memo() {
  thread_local label_memo m;
  return m;
}

} // namespace

series_index::series_index(const schema& s) : db_(s), uid_(next_index_uid.fetch_add(1)) {}

result<labels> series_index::labels_of(const lmdb::txn& t, series_ref ref) const {
  // Only what a read-only txn saw is remembered: a write txn may see a ref
  // that an abort hands out again for another series.
  if (!t.read_only()) return read_labels(t, ref);
  // A removal (retention) must not be hidden by what was remembered before
  // it: while one may be committing, the memo is bypassed; afterwards a set
  // read in a snapshot older than the last removal is read again.
  if (removal_pending_.load(std::memory_order_acquire)) return read_labels(t, ref);
  const auto removed_at = last_removal_txn_.load(std::memory_order_acquire);
  auto& m = memo().sets;
  const auto key = std::make_pair(uid_, ref);
  if (auto it = m.find(key); it != m.end() && it->second.snapshot >= removed_at) return it->second.ls;
  auto ls = read_labels(t, ref);
  if (ls) {
    if (m.size() >= defaults::reader_label_memo_entries) m.clear();
    m.insert_or_assign(key, label_memo::entry{*ls, static_cast<std::uint64_t>(mdb_txn_id(t.get()))});
  }
  return ls;
}

result<labels> series_index::read_labels(const lmdb::txn& t, series_ref ref) const {
  lmdb::bytes rec;
  status st = t.get(db_.series, make_ref_key(ref), &rec);
  if (st.code() == errc::not_found) return not_found("series " + std::to_string(ref));
  VIGIL_TRY(st);
  VIGIL_TRY(decode_series_record(rec, ref));
  auto ls = decode_labels(tls().decoded);
  if (!ls) return corruption("series record " + std::to_string(ref) + ": " + ls.error().message());
  return ls;
}

result<std::uint64_t> series_index::count(const lmdb::txn& t) const {
  auto st = t.stat(db_.series);
  if (!st) return std::move(st).error();
  return static_cast<std::uint64_t>(st->ms_entries);
}

} // namespace vigil::store
