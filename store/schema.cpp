#include "store/schema.hpp"

#include <string>

namespace vigil::store {

namespace {

constexpr unsigned dupfixed = MDB_DUPSORT | MDB_DUPFIXED;

status check_format(lmdb::txn& t, MDB_dbi meta) {
  lmdb::bytes v;
  status st = t.get(meta, lmdb::as_bytes(meta_format_key), &v);
  if (st.code() == errc::not_found) {
    const std::uint8_t version[1] = {format_version};
    return t.put(meta, lmdb::as_bytes(meta_format_key), version);
  }
  VIGIL_TRY(st);
  if (v.size() != 1) return corruption("meta format_version: " + std::to_string(v.size()) + " bytes, want 1");
  if (v[0] != format_version)
    return corruption("meta format_version: unknown version " + std::to_string(v[0]) + " (this build reads " +
                      std::to_string(format_version) + ")");
  return status::ok();
}

} // namespace

result<schema> open_schema(const lmdb::env& e) {
  auto t = lmdb::txn::begin(e, false);
  if (!t) return std::move(t).error();
  schema s;
  struct spec {
    MDB_dbi* dbi;
    const char* name;
    unsigned flags;
  };
  const spec specs[] = {{&s.meta, "meta", 0u},
                        {&s.series, "series", 0u},
                        {&s.label_hash, "label_hash", dupfixed},
                        {&s.postings, "postings", dupfixed},
                        {&s.chunks, "chunks", 0u}};
  for (const auto& sp : specs) {
    auto d = t->open_dbi(sp.name, sp.flags);
    if (!d) return std::move(d).error();
    *sp.dbi = *d;
  }
  VIGIL_TRY(check_format(*t, s.meta));
  VIGIL_TRY(t->commit());
  return s;
}

} // namespace vigil::store
