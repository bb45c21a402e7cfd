// store/series_index.hpp - the persisted series index of one shard: label set
// <-> series_ref, and label pair -> postings, in LMDB sub-databases (schema.hpp).
//
//   label_hash  u64 BE labels::hash() -> refs   (DUPSORT; a hash may collide, so
//                                                 candidates are checked against
//                                                 the series record)
//   series      u64 BE ref -> [1][compress frame(label_codec bytes)]
//   postings    name\0value -> refs             (DUPSORT|DUPFIXED, u64 BE refs)
//   meta        "next_series_ref" -> [1][u64 BE]
// In an encrypted store (schema::crypt set; store/FORMAT.md §6) series
// records are encrypted, label_hash keys are keyed hashes, postings keys are
// name\0token(name, value), and `values` maps each postings key to its
// encrypted value, so no label value is stored in plain text.
// Refs start at 1, grow by one per new series and are never reused.
//
// A label set is not an LMDB key because it may exceed LMDB's 511-byte key
// limit; long values get a hashed postings key (keys.hpp).
//
// Thread-safety: one writer (the shard). Every method works inside the
// caller's transaction; the caller commits. The const read methods (find,
// labels_of, select, postings*, names, values, count) may run on other threads
// at the same time, each in its own read transaction (the shard's readers):
// their scratch buffers are per thread. over_limit reads the writer's counts
// and belongs to the writer.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/labels.hpp"
#include "core/sample.hpp"
#include "core/status.hpp"
#include "store/keys.hpp"
#include "store/lmdb.hpp"
#include "store/postings.hpp"
#include "store/schema.hpp"

namespace vigil::store {

/// Version byte in front of series records (encrypted stores wrap the whole
/// record in an encrypted value, whose first byte is encrypted_record_version).
inline constexpr std::uint8_t series_record_version = 1;
/// [u8 2][the label bytes against the shard's dictionary] (store/label_dict.hpp;
/// format 3 shards, rewritten so by `vigil compact`).
inline constexpr std::uint8_t series_record_version_dict = 2;

/// Cardinality limits of one shard (0: none). The node divides its global
/// limits by the number of shards, as Mimir does per ingester.
struct series_limits {
  std::uint64_t per_metric = 0;       ///< series per metric name
  std::uint64_t per_service = 0;      ///< series per value of service_label
  std::string service_label = "job";
};

class series_index {
public:
  explicit series_index(const schema& s);

  /// Reads the next-ref counter from meta (O(1)), and with limits set, the
  /// series count of every metric name and service (one postings scan of
  /// those two label names). corruption when malformed.
  status load(const lmdb::txn& t);
  /// Call before load().
  void set_limits(series_limits l) { limits_ = std::move(l); }
  /// Empty when a new series `ls` fits the limits, else why not: the limit,
  /// the metric or service, and the label with the most values among that
  /// metric's series (what most likely blew up).
  std::string over_limit(const lmdb::txn& t, const labels& ls) const;

  /// Whether `ls` can be indexed: non-empty, names non-empty, at most
  /// max_label_name_bytes long and free of bytes 0x00..0x02. invalid_argument otherwise.
  static status validate(const labels& ls);

  /// The ref of `ls`, whose hash() is `hash`; not_found (empty message) when
  /// the series does not exist. corruption when a candidate record is bad.
  result<series_ref> find(const lmdb::txn& t, const labels& ls, std::uint64_t hash) const;

  /// Adds `ls` under the next ref (label_hash, series, postings). The counter
  /// reaches meta only at flush(). @pre validate(ls) and find() said not_found in `t`.
  result<series_ref> create(lmdb::txn& t, const labels& ls, std::uint64_t hash);

  /// Persists the counter if create() advanced it. Call before committing.
  status flush(lmdb::txn& t);
  /// After the txn committed: the flushed counter is now durable.
  void on_commit() noexcept;
  /// After the txn aborted: forgets refs handed out since the last commit.
  void on_abort() noexcept;

  /// Removes series `ref` with labels `ls` (series record, label_hash and
  /// postings items). Its ref is never reused.
  status remove(lmdb::txn& t, series_ref ref, const labels& ls);
  /// The label set of `ref`; not_found when absent, corruption when malformed.
  /// In a read-only txn the answer is remembered per thread (a ref's labels
  /// never change once committed: refs are not reused), so queries that read
  /// the same series again skip the record lookup and decoding; at most
  /// defaults::reader_label_memo_entries sets per thread.
  result<labels> labels_of(const lmdb::txn& t, series_ref ref) const;

  /// Sorted refs of the series satisfying every matcher (Prometheus semantics:
  /// a matcher that matches "" also selects series lacking the label).
  /// invalid_argument unless some matcher does not match "" (as Prometheus:
  /// "vector selector must contain at least one non-empty matcher").
  /// May contain false positives only for values longer than a key (hashed
  /// postings keys); callers that need certainty check matches_all().
  result<postings_list> select(const lmdb::txn& t, const matchers& ms) const;

  /// Postings of one label pair (empty when absent).
  result<postings_list> postings(const lmdb::txn& t, std::string_view name, std::string_view value) const;

  /// Union of the postings of every value `v` of `name` with pick(v).
  result<postings_list> postings_where(const lmdb::txn& t, std::string_view name,
                                       const std::function<bool(std::string_view)>& pick) const;

  /// Every label name, sorted.
  result<std::vector<std::string>> names(const lmdb::txn& t) const;
  /// Every value of `name`, sorted.
  result<std::vector<std::string>> values(const lmdb::txn& t, std::string_view name) const;

  /// Series in the index.
  result<std::uint64_t> count(const lmdb::txn& t) const;

private:
  using value_fn = std::function<status(std::string_view value, lmdb::cursor& c)>;
  /// Calls fn for each value of `name`, the cursor on that value's first ref.
  status for_each_value(const lmdb::txn& t, std::string_view name, const value_fn& fn) const;
  result<postings_list> matcher_postings(const lmdb::txn& t, const matcher& m, bool negative) const;
  status read_dups(lmdb::cursor& c, postings_list& out) const;
  status decode_series_record(lmdb::bytes rec, series_ref ref) const;
  result<labels> read_labels(const lmdb::txn& t, series_ref ref) const;
  /// The postings key of (name, value): plain, or name\0token when encrypted.
  void postings_key(std::vector<std::uint8_t>& out, std::string_view name, std::string_view value) const;
  /// The label_hash key of labels::hash() `hash` (keyed when encrypted).
  ref_key hash_key(std::uint64_t hash) const;
  /// Encrypted stores: stores the value of a new postings key (`tls().key`).
  status put_value(lmdb::txn& t, std::string_view value);
  /// Encrypted stores: the value of the postings key `key` into `out`.
  status get_value(const lmdb::txn& t, lmdb::bytes key, std::vector<std::uint8_t>& out) const;

  /// Adds `delta` to the counts of `ls`'s metric and service.
  void count(const labels& ls, std::int64_t delta);
  std::string widest_label(const lmdb::txn& t, std::string_view metric) const;

  schema db_;
  series_limits limits_;
  std::map<std::string, std::int64_t, std::less<>> per_metric_, per_service_;
  std::vector<std::pair<labels, std::int64_t>> pending_; ///< count changes of the open txn
  series_ref next_ref_ = 1;
  series_ref committed_next_ref_ = 1;
  std::uint64_t uid_ = 0; ///< unique per instance in the process: keys the readers' label memo
  /// Readers' label memo vs removals: set by remove() until the txn ends
  /// (readers then bypass the memo); a committed removal's txn id makes every
  /// set remembered from an older snapshot stale.
  std::atomic<bool> removal_pending_{false};
  std::atomic<std::uint64_t> last_removal_txn_{0};
  std::uint64_t removal_txn_ = 0; ///< writer only: id of the open txn that removed series (0: none)
  /// Reused buffers, one set per thread (see Thread-safety above).
  struct scratch {
    std::vector<std::uint8_t> key;     ///< a postings key
    std::vector<std::uint8_t> wanted;  ///< encoded labels being looked up
    std::vector<std::uint8_t> decoded; ///< decompressed series record
    std::vector<std::uint8_t> plain;   ///< decrypted series record (encrypted stores)
  };
  static scratch& tls() noexcept;
};

} // namespace vigil::store
