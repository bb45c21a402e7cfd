// Compaction of a shard's data.mdb: at open when it is sparse
// (compact_if_sparse), and offline into the densest form (compact_dense).
#include <fcntl.h>
#include <lmdb.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <unordered_map>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/hash.hpp"
#include "store/chunk_io.hpp"
#include "store/codec_intseq.hpp"
#include "store/compress.hpp"
#include "store/varint.hpp"
#include "store/label_dict.hpp"
#include "store/shard_impl.hpp"

namespace vigil::store {

namespace fs = std::filesystem;

namespace {

/// Pages on LMDB's freelist (what mdb_stat -f sums): pages that deleted
/// records (a cold move, retention) left, which later writes reuse.
result<std::uint64_t> free_pages(const lmdb::env& e) {
  auto t = lmdb::txn::begin(e, true);
  if (!t) return std::move(t).error();
  MDB_cursor* c = nullptr;
  if (int rc = mdb_cursor_open(t->get(), 0, &c); rc != MDB_SUCCESS) return lmdb::to_status(rc, "freelist cursor");
  std::uint64_t n = 0;
  MDB_val k, v;
  int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
  for (; rc == MDB_SUCCESS; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
    if (v.mv_size >= sizeof(std::size_t)) n += *static_cast<const std::size_t*>(v.mv_data); // [count, pages...]
  mdb_cursor_close(c);
  if (rc != MDB_NOTFOUND) return lmdb::to_status(rc, "freelist");
  return n;
}

/// Puts dir/compact.tmp/data.mdb in place of dir/data.mdb: fsyncs it,
/// renames it over the old file, fsyncs the directory, removes compact.tmp.
status replace_data_file(const std::string& dir) {
  std::error_code ec;
  const fs::path data = fs::path(dir) / "data.mdb", tmp = fs::path(dir) / "compact.tmp";
  const int fd = ::open((tmp / "data.mdb").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    fs::remove_all(tmp, ec);
    return io_error("fsync " + (tmp / "data.mdb").string());
  }
  ::close(fd);
  fs::rename(tmp / "data.mdb", data, ec);
  if (ec) return io_error("rename " + (tmp / "data.mdb").string() + ": " + ec.message());
  fs::remove_all(tmp, ec);
  const int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d >= 0) {
    ::fsync(d);
    ::close(d);
  }
  return status::ok();
}

/// Database flags a copy must keep (they define the B-tree's layout).
constexpr unsigned layout_flags = MDB_DUPSORT | MDB_DUPFIXED | MDB_INTEGERKEY | MDB_INTEGERDUP | MDB_REVERSEKEY |
                                  MDB_REVERSEDUP;

/// Rewrites a value of database `db` on its way into the copy: sets `v` to
/// the new bytes (kept in `buf`) or leaves it.
using value_rewrite = std::function<status(const std::string& db, MDB_val& v, std::vector<std::uint8_t>& buf)>;

/// Copies every named database of `src` into the empty environment `dst`,
/// records in key order with MDB_APPEND (MDB_APPENDDUP for further items of
/// a key), committing every `batch` records so no write txn grows large.
status copy_in_key_order(const lmdb::env& src, const lmdb::env& dst, const value_rewrite& rewrite,
                         const std::string& skip = {}, std::size_t batch = 65536) {
  auto rt = lmdb::txn::begin(src, true);
  if (!rt) return std::move(rt).error();
  MDB_dbi main = 0;
  if (int rc = mdb_dbi_open(rt->get(), nullptr, 0, &main); rc != MDB_SUCCESS) return lmdb::to_status(rc, "main db");
  std::vector<std::string> names;
  {
    MDB_cursor* c = nullptr;
    if (int rc = mdb_cursor_open(rt->get(), main, &c); rc != MDB_SUCCESS) return lmdb::to_status(rc, "main cursor");
    MDB_val k, v;
    int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
    for (; rc == MDB_SUCCESS; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
      names.emplace_back(static_cast<const char*>(k.mv_data), k.mv_size);
    mdb_cursor_close(c);
    if (rc != MDB_NOTFOUND) return lmdb::to_status(rc, "main db");
  }
  // One write txn carried across databases, committed every `batch`
  // records: a small environment is copied in one txn (every txn after the
  // first would leave the pages it replaced free in the copy).
  std::optional<lmdb::txn> wt;
  std::size_t in_txn = 0;
  std::vector<std::uint8_t> buf;
  for (const auto& name : names) {
    if (name == skip) continue; // rebuilt by the caller
    MDB_dbi from = 0;
    unsigned flags = 0;
    if (int rc = mdb_dbi_open(rt->get(), name.c_str(), 0, &from); rc != MDB_SUCCESS)
      return lmdb::to_status(rc, "open " + name); // (a main-db key that is not a database: vigil writes none)
    if (int rc = mdb_dbi_flags(rt->get(), from, &flags); rc != MDB_SUCCESS) return lmdb::to_status(rc, name);
    const bool dups = (flags & MDB_DUPSORT) != 0;
    MDB_cursor* rc_cur = nullptr;
    if (int rc = mdb_cursor_open(rt->get(), from, &rc_cur); rc != MDB_SUCCESS) return lmdb::to_status(rc, name);
    std::unique_ptr<MDB_cursor, decltype(&mdb_cursor_close)> in(rc_cur, &mdb_cursor_close);
    MDB_val k, v;
    int got = mdb_cursor_get(in.get(), &k, &v, MDB_FIRST);
    std::string last_key;
    bool first = true;
    do {
      if (!wt) {
        auto t = lmdb::txn::begin(dst, false);
        if (!t) return std::move(t).error();
        wt.emplace(std::move(*t));
        in_txn = 0;
      }
      MDB_dbi to = 0;
      if (int rc = mdb_dbi_open(wt->get(), name.c_str(), MDB_CREATE | (flags & layout_flags), &to); rc != MDB_SUCCESS)
        return lmdb::to_status(rc, "create " + name);
      MDB_cursor* oc = nullptr;
      if (int rc = mdb_cursor_open(wt->get(), to, &oc); rc != MDB_SUCCESS) return lmdb::to_status(rc, name);
      std::unique_ptr<MDB_cursor, decltype(&mdb_cursor_close)> out(oc, &mdb_cursor_close);
      for (; got == MDB_SUCCESS && in_txn < batch; got = mdb_cursor_get(in.get(), &k, &v, MDB_NEXT), ++in_txn) {
        const std::string_view key(static_cast<const char*>(k.mv_data), k.mv_size);
        const bool same_key = dups && !first && key == last_key;
        if (rewrite) VIGIL_TRY(rewrite(name, v, buf));
        if (int rc = mdb_cursor_put(out.get(), &k, &v, same_key ? MDB_APPENDDUP : MDB_APPEND); rc != MDB_SUCCESS)
          return lmdb::to_status(rc, "copy " + name);
        if (dups) last_key.assign(key);
        first = false;
      }
      out.reset(); // before the txn ends
      if (in_txn >= batch) {
        VIGIL_TRY(wt->commit());
        wt.reset();
      }
    } while (got == MDB_SUCCESS);
    if (got != MDB_NOTFOUND) return lmdb::to_status(got, "read " + name);
  }
  if (wt) VIGIL_TRY(wt->commit());
  return status::ok();
}

/// The raw label bytes of series record `v` (version 1, or 2 against
/// `dict`), appended to `out`.
status raw_labels(lmdb::bytes v, const std::string* dict, std::vector<std::uint8_t>& out) {
  if (!v.empty() && v[0] == series_record_version) {
    auto used = decompress(v.subspan(1), out);
    if (!used) return std::move(used).error();
    return *used == v.size() - 1 ? status::ok() : corruption("series record: trailing bytes");
  }
  if (!v.empty() && v[0] == series_record_version_dict && dict) return decompress_with_dict(v.subspan(1), *dict, out);
  return corruption("series record: unknown version");
}

/// The series records' dictionary for an unencrypted shard: built from a
/// spread of its label sets (about 700 of them, ~64 KiB); empty when the
/// shard is encrypted or has no series. `old` is the current dictionary
/// (format 3), needed to read version-2 records.
result<std::string> plan_label_dict(const lmdb::env& e, std::string* old) {
  auto t = lmdb::txn::begin(e, true);
  if (!t) return std::move(t).error();
  auto meta = t->open_dbi("meta", 0u);
  if (!meta) return std::move(meta).error();
  auto series = t->open_dbi("series", 0u);
  if (!series) return std::move(series).error();
  lmdb::bytes v;
  if (t->get(*meta, lmdb::as_bytes(meta_encryption_key), &v).is_ok()) return std::string();
  if (t->get(*meta, lmdb::as_bytes(meta_label_dict_key), &v).is_ok() && !v.empty())
    old->assign(reinterpret_cast<const char*>(v.data()) + 1, v.size() - 1);
  auto st = t->stat(*series);
  if (!st) return std::move(st).error();
  const std::size_t n = st->ms_entries, stride = std::max<std::size_t>(1, n / 700);
  std::vector<std::vector<std::uint8_t>> samples;
  auto c = lmdb::cursor::open(*t, *series);
  if (!c) return std::move(c).error();
  std::size_t i = 0;
  for (auto at = c->move(MDB_FIRST);; at = c->move(MDB_NEXT), ++i) {
    if (!at) return std::move(at).error();
    if (!*at) break;
    if (i % stride) continue;
    VIGIL_TRY(raw_labels(c->value(), old->empty() ? nullptr : old, samples.emplace_back()));
  }
  if (n < 64) return std::string(); // the dictionary would cost more than it saves
  // About 1/16 of the label bytes, within 4-64 KiB (measured on the ingest
  // benchmark's sets: a 16 KiB dictionary gets a set to 32 bytes, 64 KiB to
  // 29; the dictionary is stored once per shard).
  std::size_t sampled = 0;
  for (const auto& x : samples) sampled += x.size();
  const std::size_t total = sampled * stride;
  const std::size_t target = std::clamp<std::size_t>(total / 16, 4 << 10, label_dict_max_bytes);
  const std::size_t keep_every = std::max<std::size_t>(1, (sampled + target - 1) / target);
  std::vector<std::vector<std::uint8_t>> kept;
  for (std::size_t j = 0; j < samples.size(); j += keep_every) kept.push_back(std::move(samples[j]));
  return build_label_dict(kept, target);
}

/// Shared timestamp columns (chunk encoding 3, store/FORMAT.md §3): the
/// series of one scrape target are scraped together, so their sealed chunks
/// of one period hold the same timestamp column (with scrape jitter, ~5-7
/// bits a sample: a third or more of a record). Compaction keeps each such
/// column once, in `tscols`, and the records name it.
class ts_sharing {
public:
  /// Columns shorter than this stay inline (a name costs 8 bytes).
  static constexpr std::size_t min_column = 16;

  /// Reads the records of `src` (resolving records of an earlier compaction)
  /// and counts each column's uses.
  status count(const lmdb::env& src) {
    VIGIL_TRY(open_src(src));
    auto c = lmdb::cursor::open(*txn_, db_.chunks);
    if (!c) return std::move(c).error();
    for (auto at = c->move(MDB_FIRST);; at = c->move(MDB_NEXT)) {
      if (!at) return std::move(at).error();
      if (!*at) break;
      auto rec = read_chunk_record(*txn_, db_, c->key(), c->value(), resolved_);
      if (!rec) return std::move(rec).error();
      if (rec->encoding != chunk_encoding::packed_v1) continue;
      VIGIL_TRY(for_each_block(rec->payload, [&](std::uint64_t, std::span<const std::uint8_t> col,
                                                 std::span<const std::uint8_t>) {
        if (col.size() >= min_column) ++uses_[id_of(col)];
      }));
    }
    return status::ok();
  }

  /// The record to write for `v`: encoding 3 when one of its blocks'
  /// columns is used more than once; else `v` (or, when `v` was encoding 3,
  /// the packed_v1 record it stands for).
  status rewrite(lmdb::bytes key, MDB_val& v, std::vector<std::uint8_t>& buf) {
    const lmdb::bytes stored(static_cast<const std::uint8_t*>(v.mv_data), v.mv_size);
    auto rec = read_chunk_record(*txn_, db_, key, stored, resolved_);
    if (!rec) return std::move(rec).error();
    if (rec->encoding != chunk_encoding::packed_v1) return status::ok();
    bool shared = false;
    payload_.clear();
    const auto total = packed_count(rec->payload);
    if (!total) return std::move(total).error();
    append_uvarint(payload_, *total);
    VIGIL_TRY(for_each_block(rec->payload, [&](std::uint64_t n, std::span<const std::uint8_t> col,
                                               std::span<const std::uint8_t> values) {
      std::uint64_t id = 0;
      if (col.size() >= min_column) {
        const std::uint64_t h = id_of(col);
        if (auto u = uses_.find(h); u != uses_.end() && u->second >= 2) {
          auto [it, fresh] = kept_.try_emplace(h, col.begin(), col.end());
          if (fresh || std::equal(col.begin(), col.end(), it->second.begin(), it->second.end())) id = h;
        }
      }
      shared = shared || id != 0;
      block_.clear();
      append_uvarint(block_, n);
      for (int i = 7; i >= 0; --i) block_.push_back(static_cast<std::uint8_t>(id >> (8 * i)));
      if (id == 0) block_.insert(block_.end(), col.begin(), col.end());
      block_.insert(block_.end(), values.begin(), values.end());
      append_uvarint(payload_, block_.size());
      payload_.insert(payload_.end(), block_.begin(), block_.end());
    }));
    if (!shared) {
      if (stored.size() > 1 && stored[1] == static_cast<std::uint8_t>(chunk_encoding::packed_shared_ts_v1)) {
        buf.clear();
        append_chunk_record(buf, chunk_encoding::packed_v1, rec->max_t, rec->payload);
        v.mv_data = buf.data();
        v.mv_size = buf.size();
      }
      return status::ok();
    }
    buf.clear();
    append_chunk_record(buf, chunk_encoding::packed_shared_ts_v1, rec->max_t, payload_);
    v.mv_data = buf.data();
    v.mv_size = buf.size();
    return status::ok();
  }

  bool any() const noexcept { return !kept_.empty(); }

  /// Writes the kept columns into `tscols` of `dst` and marks it format 4.
  status write(const lmdb::env& dst) {
    txn_.reset(); // done reading the source
    auto t = lmdb::txn::begin(dst, false);
    if (!t) return std::move(t).error();
    auto d = t->open_dbi("tscols", 0u);
    if (!d) return std::move(d).error();
    for (const auto& [id, col] : kept_) {
      const auto k = make_tscol_key(id);
      MDB_val kv = lmdb::to_val(k), vv = lmdb::to_val(col);
      if (int rc = mdb_put(t->get(), *d, &kv, &vv, MDB_APPEND); rc != MDB_SUCCESS)
        return lmdb::to_status(rc, "write tscols");
    }
    auto meta = t->open_dbi("meta", 0u);
    if (!meta) return std::move(meta).error();
    const std::uint8_t version[1] = {format_version_shared_ts};
    VIGIL_TRY(t->put(*meta, lmdb::as_bytes(meta_format_key), version));
    return t->commit();
  }

private:
  status open_src(const lmdb::env& src) {
    auto t = lmdb::txn::begin(src, true);
    if (!t) return std::move(t).error();
    txn_.emplace(std::move(*t));
    auto chunks = txn_->open_dbi("chunks", 0u);
    if (!chunks) return std::move(chunks).error();
    db_.chunks = *chunks;
    if (auto d = txn_->open_dbi("tscols", 0u); d) db_.tscols = *d; // format 4: an earlier compaction's
    return status::ok();
  }

  /// id (never 0) of a column.
  static std::uint64_t id_of(std::span<const std::uint8_t> col) noexcept {
    const std::uint64_t h =
      hash_bytes(std::string_view(reinterpret_cast<const char*>(col.data()), col.size()));
    return h == 0 ? 1 : h;
  }

  /// Calls f(n, timestamp column bytes, value section bytes) for each block
  /// of a packed_v1 payload.
  template <class F>
  status for_each_block(std::span<const std::uint8_t> payload, F&& f) {
    std::size_t pos = 0;
    std::uint64_t total = 0;
    if (!read_uvarint(payload, &pos, &total)) return corruption("packed chunk: no sample count");
    while (pos < payload.size()) {
      std::uint64_t len = 0, n = 0;
      if (!read_uvarint(payload, &pos, &len) || len > payload.size() - pos)
        return corruption("packed chunk: bad block length");
      const auto block = payload.subspan(pos, len);
      std::size_t p = 0;
      if (!read_uvarint(block, &p, &n) || n == 0 || n > packed_block_max_samples)
        return corruption("packed chunk: bad block count");
      const std::size_t col_start = p;
      scratch_.resize(n);
      if (const char* why = intseq_decode(block, &p, n, scratch_.data()))
        return corruption(std::string("packed chunk timestamps: ") + why);
      f(n, block.subspan(col_start, p - col_start), block.subspan(p));
      pos += len;
    }
    return status::ok();
  }

  std::optional<lmdb::txn> txn_; ///< a read txn of the source
  schema db_;                    ///< the source's chunks (and tscols), unencrypted
  std::unordered_map<std::uint64_t, std::uint32_t> uses_;
  std::map<std::uint64_t, std::vector<std::uint8_t>> kept_;
  std::vector<std::uint8_t> resolved_, payload_, block_;
  std::vector<std::uint64_t> scratch_;
};

/// Whether the shard in `e` is encrypted (meta holds the scheme record).
result<bool> encrypted(const lmdb::env& e) {
  auto t = lmdb::txn::begin(e, true);
  if (!t) return std::move(t).error();
  auto meta = t->open_dbi("meta", 0u);
  if (!meta) return std::move(meta).error();
  lmdb::bytes v;
  return t->get(*meta, lmdb::as_bytes(meta_encryption_key), &v).is_ok();
}

/// Makes the copy format 3 with `dict` in meta.
status mark_dict(const lmdb::env& e, const std::string& dict) {
  auto t = lmdb::txn::begin(e, false);
  if (!t) return std::move(t).error();
  auto meta = t->open_dbi("meta", 0u);
  if (!meta) return std::move(meta).error();
  std::vector<std::uint8_t> rec(1, 1);
  rec.insert(rec.end(), dict.begin(), dict.end());
  VIGIL_TRY(t->put(*meta, lmdb::as_bytes(meta_label_dict_key), rec));
  const std::uint8_t version[1] = {format_version_dict};
  VIGIL_TRY(t->put(*meta, lmdb::as_bytes(meta_format_key), version));
  return t->commit();
}

} // namespace

status compact_if_sparse(const shard_options& opts, std::uint64_t min_bytes) {
  std::error_code ec;
  const fs::path data = fs::path(opts.dir) / "data.mdb", tmp = fs::path(opts.dir) / "compact.tmp";
  fs::remove_all(tmp, ec); // a compaction a crash cut short
  const auto size = fs::file_size(data, ec);
  if (ec || size < min_bytes) return status::ok();
  {
    auto e = lmdb::env::open(opts.dir, env_options_of(opts));
    if (!e) return std::move(e).error();
    MDB_envinfo info;
    if (int rc = mdb_env_info(e->get(), &info); rc != MDB_SUCCESS) return lmdb::to_status(rc, "mdb_env_info");
    auto free = free_pages(*e);
    if (!free) return std::move(free).error();
    if (*free * 2 <= static_cast<std::uint64_t>(info.me_last_pgno) + 1) return status::ok();
    fs::create_directories(tmp, ec);
    if (ec) return io_error("create " + tmp.string() + ": " + ec.message());
    if (int rc = mdb_env_copy2(e->get(), tmp.c_str(), MDB_CP_COMPACT); rc != MDB_SUCCESS) {
      fs::remove_all(tmp, ec);
      return lmdb::to_status(rc, "compact " + opts.dir);
    }
  } // closed before its file is replaced
  VIGIL_TRY(replace_data_file(opts.dir));
  std::fprintf(stderr, "vigil: %s: compacted data.mdb from %.1f MiB to %.1f MiB (free pages after moves and deletions)\n",
               name_of(opts).c_str(), static_cast<double>(size) / 1048576.0,
               static_cast<double>(fs::file_size(data, ec)) / 1048576.0);
  return status::ok();
}

result<dense_compaction> compact_dense(const shard_options& opts) {
  std::error_code ec;
  const fs::path data = fs::path(opts.dir) / "data.mdb", tmp = fs::path(opts.dir) / "compact.tmp";
  if (!fs::exists(data, ec)) return status{errc::not_found, name_of(opts) + ": no data.mdb in " + opts.dir};
  dense_compaction out;
  out.bytes_before = fs::file_size(data, ec);
  {
    auto s = shard::open(opts);
    if (!s) return std::move(s).error();
    auto n = (*s)->seal_open_chunks(std::numeric_limits<timestamp_ms>::max());
    if (!n) return status{n.error().code(), name_of(opts) + ": " + n.error().message()};
    out.sealed = *n;
  } // closed (and checkpointed) before its file is copied
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  if (ec) return io_error("create " + tmp.string() + ": " + ec.message());
  {
    auto eo = env_options_of(opts);
    eo.no_sync = true; // one fsync of the whole file below
    auto src = lmdb::env::open(opts.dir, eo);
    if (!src) return std::move(src).error();
    auto dst = lmdb::env::open(tmp.string(), eo);
    if (!dst) return std::move(dst).error();
    // Series records are rewritten against a new dictionary (format 3).
    std::string old_dict;
    auto dict = plan_label_dict(*src, &old_dict);
    if (!dict) return status{dict.error().code(), name_of(opts) + ": " + dict.error().message()};
    std::optional<label_dict_encoder> enc;
    if (!dict->empty()) enc.emplace(*dict);
    std::vector<std::uint8_t> raw;
    auto crypt = encrypted(*src);
    if (!crypt) return status{crypt.error().code(), name_of(opts) + ": " + crypt.error().message()};
    std::optional<ts_sharing> ts;
    if (!*crypt) {
      ts.emplace();
      if (auto st = ts->count(*src); !st) return status{st.code(), name_of(opts) + ": " + st.message()};
    }
    auto rewrite = [&](const std::string& db, MDB_val& v, std::vector<std::uint8_t>& buf) -> status {
      if (ts && db == "chunks") return ts->rewrite({}, v, buf);
      if (!enc || db != "series") return status::ok();
      raw.clear();
      VIGIL_TRY(raw_labels({static_cast<const std::uint8_t*>(v.mv_data), v.mv_size},
                           old_dict.empty() ? nullptr : &old_dict, raw));
      buf.assign(1, series_record_version_dict);
      enc->encode(raw, buf);
      v.mv_data = buf.data();
      v.mv_size = buf.size();
      return status::ok();
    };
    status st = copy_in_key_order(*src, *dst, rewrite, "tscols");
    if (st.is_ok() && enc) st = mark_dict(*dst, *dict);
    if (st.is_ok() && ts && ts->any()) st = ts->write(*dst);
    if (!st) {
      fs::remove_all(tmp, ec);
      return status{st.code(), name_of(opts) + ": " + st.message()};
    }
  }
  fs::remove(tmp / "lock.mdb", ec);
  VIGIL_TRY(replace_data_file(opts.dir));
  out.bytes_after = fs::file_size(data, ec);
  return out;
}

} // namespace vigil::store
