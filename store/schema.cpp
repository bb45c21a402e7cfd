#include "store/schema.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace vigil::store {

namespace {

constexpr unsigned dupfixed = MDB_DUPSORT | MDB_DUPFIXED;

/// Encryption scheme 1: AES-256-GCM envelopes, HMAC-SHA256 tokens, HKDF-SHA256 subkeys.
constexpr std::uint8_t encryption_scheme = 1;
constexpr std::string_view key_check_plaintext = "vigil encryption key check v1";

/// Reads the format version into *version (1, or 2 when encrypted). A new
/// environment (no version yet) gets `fresh_version`, and *fresh is set.
status check_format(lmdb::txn& t, MDB_dbi meta, std::uint8_t fresh_version, std::uint8_t* version, bool* fresh) {
  *fresh = false;
  lmdb::bytes v;
  status st = t.get(meta, lmdb::as_bytes(meta_format_key), &v);
  if (st.code() == errc::not_found) {
    *fresh = true;
    *version = fresh_version;
    const std::uint8_t rec[1] = {fresh_version};
    return t.put(meta, lmdb::as_bytes(meta_format_key), rec);
  }
  VIGIL_TRY(st);
  if (v.size() != 1) return corruption("meta format_version: " + std::to_string(v.size()) + " bytes, want 1");
  if (v[0] != format_version && v[0] != format_version_encrypted && v[0] != format_version_dict &&
      v[0] != format_version_shared_ts)
    return corruption("meta format_version: unknown version " + std::to_string(v[0]) + " (this build reads " +
                      std::to_string(format_version) + ", " + std::to_string(format_version_encrypted) + ", " +
                      std::to_string(format_version_dict) + " and " + std::to_string(format_version_shared_ts) + ")");
  *version = v[0];
  return status::ok();
}

std::string prefixed(std::string_view name, const std::string& msg) {
  return name.empty() ? msg : std::string(name) + ": " + msg;
}

status check_version(std::uint8_t version, bool encrypted, std::string_view name) {
  if (encrypted ? version == format_version_encrypted
                : version == format_version || version == format_version_dict || version == format_version_shared_ts)
    return status::ok();
  return corruption(prefixed(name, "meta format_version " + std::to_string(version) + " disagrees with " +
                                       (encrypted ? "the encryption records" : "the missing encryption records")));
}

/// Whether meta says the store is encrypted, after checking that `crypt`
/// (null: no key) fits: see open_schema for the errors.
result<bool> check_key(const lmdb::txn& t, MDB_dbi meta, const cipher* crypt, std::string_view name) {
  lmdb::bytes v;
  status st = t.get(meta, lmdb::as_bytes(meta_encryption_key), &v);
  if (st.code() == errc::not_found) {
    if (!crypt) return false;
    return invalid_argument(prefixed(name, "the data is not encrypted, but an encryption key is configured (key file " +
                                               crypt->key_source() +
                                               "); encryption applies to new data directories only"));
  }
  VIGIL_TRY(st);
  if (v.size() != 2 || v[0] != 1 || v[1] != encryption_scheme)
    return corruption(prefixed(name, "meta encryption: unknown record of " + std::to_string(v.size()) + " bytes"));
  if (!crypt)
    return invalid_argument(
        prefixed(name, "the data is encrypted, but no encryption key is configured (storage.encryption.key_file)"));
  lmdb::bytes check;
  st = t.get(meta, lmdb::as_bytes(meta_key_check_key), &check);
  if (st.code() == errc::not_found) return corruption(prefixed(name, "meta encryption_key_check: missing"));
  VIGIL_TRY(st);
  std::vector<std::uint8_t> plain;
  st = crypt->decrypt(crypt_domain::meta, lmdb::as_bytes(meta_key_check_key), check, plain);
  if (!st || std::string_view(reinterpret_cast<const char*>(plain.data()), plain.size()) != key_check_plaintext)
    return invalid_argument(
        prefixed(name, "encryption key does not match this data (key file " + crypt->key_source() + ")"));
  return true;
}

/// Makes a new environment encrypted: the scheme and the key-check record.
status init_encryption(lmdb::txn& t, MDB_dbi meta, const cipher& crypt) {
  const std::uint8_t scheme[2] = {1, encryption_scheme};
  VIGIL_TRY(t.put(meta, lmdb::as_bytes(meta_encryption_key), scheme));
  std::vector<std::uint8_t> check;
  VIGIL_TRY(crypt.encrypt_append(crypt_domain::meta, lmdb::as_bytes(meta_key_check_key),
                                 lmdb::as_bytes(key_check_plaintext), check, true));
  return t.put(meta, lmdb::as_bytes(meta_key_check_key), check);
}

/// Registers every stored session with `crypt`, then adds a new one and
/// makes it the session new values are encrypted under.
status start_session(lmdb::txn& t, MDB_dbi meta, cipher& crypt, std::string_view name) {
  std::uint32_t last = 0;
  {
    auto c = lmdb::cursor::open(t, meta);
    if (!c) return std::move(c).error();
    auto at = c->seek(lmdb::as_bytes(meta_session_prefix));
    for (; at && *at; at = c->move(MDB_NEXT)) {
      const auto key = c->key();
      const std::string_view k(reinterpret_cast<const char*>(key.data()), key.size());
      if (!k.starts_with(meta_session_prefix)) break;
      const std::string hex(k.substr(meta_session_prefix.size()));
      unsigned id = 0;
      int used = 0;
      const auto v = c->value();
      if (hex.size() != 8 || std::sscanf(hex.c_str(), "%8x%n", &id, &used) != 1 || used != 8 || id == 0 ||
          v.size() != 1 + encryption_salt_bytes || v[0] != 1)
        return corruption(prefixed(name, "meta " + std::string(k) + ": malformed session record"));
      crypt.add_session(id, v.subspan<1, encryption_salt_bytes>());
      last = std::max<std::uint32_t>(last, id);
    }
    if (!at) return std::move(at).error();
  }
  if (last == 0xffffffffu) return resource_exhausted(prefixed(name, "encryption sessions exhausted"));
  const std::uint32_t id = last + 1;
  std::uint8_t rec[1 + encryption_salt_bytes] = {1};
  VIGIL_TRY(cipher::random_salt(std::span<std::uint8_t, encryption_salt_bytes>(rec + 1, encryption_salt_bytes)));
  char key[32];
  std::snprintf(key, sizeof(key), "%.*s%08x", static_cast<int>(meta_session_prefix.size()),
                meta_session_prefix.data(), id);
  VIGIL_TRY(t.put(meta, lmdb::as_bytes(key), rec));
  crypt.add_session(id, std::span<const std::uint8_t, encryption_salt_bytes>(rec + 1, encryption_salt_bytes));
  crypt.use_session(id);
  return status::ok();
}

} // namespace

result<schema> open_schema(const lmdb::env& e, cipher* crypt, std::string_view name) {
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
                        {&s.chunks, "chunks", 0u},
                        {&s.rollups, "rollups", 0u},
                        {&s.wal, "wal", 0u},
                        {&s.heads, "heads", 0u}};
  for (const auto& sp : specs) {
    auto d = t->open_dbi(sp.name, sp.flags);
    if (!d) return std::move(d).error();
    *sp.dbi = *d;
  }
  bool fresh = false;
  std::uint8_t version = 0;
  VIGIL_TRY(check_format(*t, s.meta, crypt ? format_version_encrypted : format_version, &version, &fresh));
  if (fresh && crypt) VIGIL_TRY(init_encryption(*t, s.meta, *crypt));
  auto encrypted = check_key(*t, s.meta, crypt, name);
  if (!encrypted) return std::move(encrypted).error();
  VIGIL_TRY(check_version(version, *encrypted, name));
  if (version == format_version_dict || version == format_version_shared_ts) {
    lmdb::bytes v;
    status st = t->get(s.meta, lmdb::as_bytes(meta_label_dict_key), &v);
    if (st.code() == errc::not_found && version == format_version_dict)
      return corruption(prefixed(name, "format 3 without a label dictionary in meta"));
    if (st.code() != errc::not_found) {
      VIGIL_TRY(st);
      if (v.empty() || v[0] != 1) return corruption(prefixed(name, "meta label_dict: unknown version"));
      s.label_dict = std::make_shared<const std::string>(reinterpret_cast<const char*>(v.data()) + 1, v.size() - 1);
    }
  }
  if (version == format_version_shared_ts) {
    auto d = t->open_dbi("tscols", 0u);
    if (!d) return std::move(d).error();
    s.tscols = *d;
  }
  if (*encrypted) {
    auto d = t->open_dbi("values", 0u);
    if (!d) return std::move(d).error();
    s.values = *d;
    VIGIL_TRY(start_session(*t, s.meta, *crypt, name));
    s.crypt = crypt;
  }
  VIGIL_TRY(t->commit());
  return s;
}

status check_schema_encryption(const lmdb::env& e, const encryption_key* key, std::string_view name) {
  auto t = lmdb::txn::begin(e, true);
  if (!t) return std::move(t).error();
  auto meta = t->open_dbi("meta", 0u);
  if (!meta) return meta.error().code() == errc::not_found ? status::ok() : std::move(meta).error();
  std::unique_ptr<cipher> crypt;
  if (key) crypt = std::make_unique<cipher>(*key);
  auto encrypted = check_key(*t, *meta, crypt.get(), name);
  if (!encrypted) return std::move(encrypted).error();
  lmdb::bytes v;
  status st = t->get(*meta, lmdb::as_bytes(meta_format_key), &v);
  if (st.code() == errc::not_found) return status::ok();
  VIGIL_TRY(st);
  if (v.size() != 1) return corruption(prefixed(name, "meta format_version: malformed"));
  return check_version(v[0], *encrypted, name);
}

} // namespace vigil::store
