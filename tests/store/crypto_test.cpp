#include "store/crypto.hpp"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "store/keys.hpp"
#include "tests/store/test_print.hpp"
#include "tests/support/temp_dir.hpp"

using namespace vigil;
using namespace vigil::store;

namespace {

using bytes = std::vector<std::uint8_t>;

encryption_key key_of(std::uint8_t fill, std::string source = "test.key") {
  encryption_key k;
  k.bytes.fill(fill);
  k.source = std::move(source);
  return k;
}

/// A cipher with one write session, as a shard's open leaves it.
struct session_cipher {
  cipher c;
  explicit session_cipher(const encryption_key& k, std::uint32_t id = 1, std::uint8_t salt_fill = 7) : c(k) {
    std::array<std::uint8_t, encryption_salt_bytes> salt{};
    salt.fill(salt_fill);
    c.add_session(id, salt);
    c.use_session(id);
  }
};

bytes as_vec(std::string_view s) { return bytes(s.begin(), s.end()); }

void write_file(const std::filesystem::path& p, std::string_view content, std::filesystem::perms mode) {
  std::ofstream(p, std::ios::binary) << content;
  std::filesystem::permissions(p, mode);
}

} // namespace

BOOST_AUTO_TEST_SUITE(crypto)

BOOST_AUTO_TEST_CASE(parses_raw_and_hex_key_files) {
  const std::string raw(32, '\x5a');
  auto k = parse_key(raw, "raw.key");
  BOOST_REQUIRE(k.has_value());
  BOOST_TEST(k->bytes[0] == 0x5a);
  const std::string hex = "000102030405060708090a0b0c0d0e0f101112131415161718191A1B1C1D1E1F";
  for (const std::string& text : {hex, hex + "\n", hex + "\r\n"}) {
    auto h = parse_key(text, "hex.key");
    BOOST_REQUIRE_MESSAGE(h.has_value(), text.size());
    for (std::size_t i = 0; i < 32; ++i) BOOST_TEST(h->bytes[i] == i);
  }
  for (const std::string& bad : {std::string(), std::string(31, 'a'), hex.substr(0, 63), hex + "\n\n", hex + "0",
                                 "zz" + hex.substr(2), std::string(33, '\x01')}) {
    auto b = parse_key(bad, "/etc/vigil/bad.key");
    BOOST_REQUIRE(!b.has_value());
    BOOST_TEST(b.error().code() == errc::invalid_argument);
    BOOST_TEST(b.error().message().find("/etc/vigil/bad.key") != std::string::npos, b.error().message());
  }
}

BOOST_AUTO_TEST_CASE(key_files_must_not_be_accessible_to_others) {
  test::temp_dir dir;
  const auto p = dir.path() / "storage.key";
  const std::string hex(64, 'a');
  using std::filesystem::perms;
  write_file(p, hex, perms::owner_read | perms::owner_write);
  BOOST_TEST(load_key_file(p.string()).has_value());
  write_file(p, hex, perms::owner_read | perms::group_read);
  BOOST_TEST(load_key_file(p.string()).has_value()); // 0440: root:vigil setups
  write_file(p, hex, perms::owner_read | perms::owner_write | perms::group_read | perms::others_read);
  auto r = load_key_file(p.string());
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().code() == errc::invalid_argument);
  BOOST_TEST(r.error().message().find("chmod 600") != std::string::npos, r.error().message());
  BOOST_TEST(r.error().message().find(p.string()) != std::string::npos);
  auto missing = load_key_file((dir.path() / "nope.key").string());
  BOOST_REQUIRE(!missing.has_value());
  BOOST_TEST(missing.error().code() == errc::io_error);
  BOOST_TEST(missing.error().message().find("nope.key") != std::string::npos);
  auto d = load_key_file(dir.str());
  BOOST_TEST(!d.has_value());
}

BOOST_AUTO_TEST_CASE(round_trips_and_appends_after_existing_bytes) {
  session_cipher s(key_of(1));
  const bytes aad = {1, 2, 3};
  for (std::size_t n : {0u, 1u, 15u, 16u, 17u, 200u, 5000u}) {
    bytes plain(n);
    for (std::size_t i = 0; i < n; ++i) plain[i] = static_cast<std::uint8_t>(i * 31 + n);
    bytes sealed = {0xee}; // appended after existing bytes
    BOOST_REQUIRE(s.c.encrypt_append(crypt_domain::chunk, aad, plain, sealed).is_ok());
    BOOST_REQUIRE_EQUAL(sealed.size(), 1 + n + encryption_overhead);
    bytes out = {0xdd};
    const auto stored = std::span<const std::uint8_t>(sealed).subspan(1);
    BOOST_REQUIRE(s.c.decrypt(crypt_domain::chunk, aad, stored, out).is_ok());
    BOOST_TEST(out[0] == 0xdd);
    BOOST_TEST((bytes(out.begin() + 1, out.end()) == plain));
  }
}

BOOST_AUTO_TEST_CASE(envelope_layout_is_version_nonce_ciphertext_tag) {
  // [u8 2][u32 BE session][u64 BE counter][ciphertext][16-byte tag]; the
  // counter counts the session's encryptions, so nonces never repeat.
  session_cipher s(key_of(2), 0x01020304);
  const bytes plain = as_vec("zebra-secret-7391");
  bytes a, b;
  BOOST_REQUIRE(s.c.encrypt_append(crypt_domain::series, {}, plain, a).is_ok());
  BOOST_REQUIRE(s.c.encrypt_append(crypt_domain::series, {}, plain, b).is_ok());
  BOOST_TEST(a[0] == encrypted_record_version);
  BOOST_TEST(get_u64_be(a.data() + 1) == (std::uint64_t{0x01020304} << 32));
  BOOST_TEST(get_u64_be(a.data() + 5) == 0u);
  BOOST_TEST(get_u64_be(b.data() + 5) == 1u);
  BOOST_TEST((a != b)); // same plaintext, different nonce and ciphertext
  const std::string text(a.begin(), a.end());
  BOOST_TEST(text.find("zebra") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(tampering_is_detected) {
  session_cipher s(key_of(3));
  const bytes key = {9, 9};
  bytes sealed;
  BOOST_REQUIRE(s.c.encrypt_append(crypt_domain::chunk, key, as_vec("some chunk bytes"), sealed).is_ok());
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    bytes bad = sealed;
    bad[i] ^= 0x40;
    bytes out;
    auto st = s.c.decrypt(crypt_domain::chunk, key, bad, out);
    BOOST_TEST(st.code() == errc::corruption, "byte " << i);
    BOOST_TEST(out.empty());
  }
  bytes out;
  BOOST_TEST(s.c.decrypt(crypt_domain::chunk, bytes{9, 8}, sealed, out).code() == errc::corruption); // moved
  BOOST_TEST(s.c.decrypt(crypt_domain::series, key, sealed, out).code() == errc::corruption);       // other db
  BOOST_TEST(s.c.decrypt(crypt_domain::chunk, key, bytes(sealed.begin(), sealed.end() - 1), out).code() ==
             errc::corruption); // truncated
  BOOST_TEST(s.c.decrypt(crypt_domain::chunk, key, bytes{1, 2, 3}, out).code() == errc::corruption);
  bytes plain_record(40, 1); // a version-1 (plain) record where an encrypted one belongs
  BOOST_TEST(s.c.decrypt(crypt_domain::chunk, key, plain_record, out).code() == errc::corruption);
}

BOOST_AUTO_TEST_CASE(a_wrong_key_or_unknown_session_fails_authentication) {
  session_cipher right(key_of(4));
  session_cipher wrong(key_of(5));
  session_cipher other_salt(key_of(4), 1, 8);
  bytes sealed, out;
  BOOST_REQUIRE(right.c.encrypt_append(crypt_domain::value, {}, as_vec("v"), sealed).is_ok());
  BOOST_TEST(wrong.c.decrypt(crypt_domain::value, {}, sealed, out).code() == errc::corruption);
  BOOST_TEST(other_salt.c.decrypt(crypt_domain::value, {}, sealed, out).code() == errc::corruption);
  session_cipher later(key_of(4), 2);
  auto st = later.c.decrypt(crypt_domain::value, {}, sealed, out);
  BOOST_TEST(st.code() == errc::corruption);
  BOOST_TEST(st.message().find("unknown key session 1") != std::string::npos, st.message());
  // The check key (session 0) needs no session.
  cipher plain(key_of(4));
  BOOST_TEST(plain.encrypt_append(crypt_domain::meta, {}, as_vec("x"), sealed).code() == errc::invalid_argument);
  bytes check;
  BOOST_REQUIRE(plain.encrypt_append(crypt_domain::meta, {}, as_vec("x"), check, true).is_ok());
  BOOST_TEST(right.c.decrypt(crypt_domain::meta, {}, check, out).is_ok());
  BOOST_TEST(wrong.c.decrypt(crypt_domain::meta, {}, check, out).code() == errc::corruption);
}

BOOST_AUTO_TEST_CASE(tokens_are_deterministic_and_keyed) {
  cipher a(key_of(6)), a2(key_of(6)), b(key_of(7));
  auto tok = [](const cipher& c, std::string_view n, std::string_view v) {
    std::array<std::uint8_t, encryption_token_bytes> out{};
    c.token(n, v, out);
    return out;
  };
  BOOST_TEST((tok(a, "job", "api") == tok(a, "job", "api")));
  BOOST_TEST((tok(a, "job", "api") == tok(a2, "job", "api"))); // another cipher, same key
  BOOST_TEST((tok(a, "job", "api") != tok(b, "job", "api")));
  BOOST_TEST((tok(a, "job", "api") != tok(a, "job", "db")));
  BOOST_TEST((tok(a, "job", "api") != tok(a, "jo", "bapi"))); // name and value are separated
  // Interleaved use of two ciphers on one thread re-keys the cached context.
  BOOST_TEST((tok(b, "x", "") == tok(b, "x", "")));
  BOOST_TEST(a.keyed_hash(42) == a2.keyed_hash(42));
  BOOST_TEST(a.keyed_hash(42) != b.keyed_hash(42));
  BOOST_TEST(a.keyed_hash(42) != a.keyed_hash(43));
}

BOOST_AUTO_TEST_CASE(matches_the_documented_derivations) {
  // store/FORMAT.md §6, recomputed with plain OpenSSL calls.
  const auto k = key_of(9);
  auto hmac = [](std::span<const std::uint8_t> key, const bytes& msg) {
    bytes md(32);
    unsigned len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), msg.data(), msg.size(), md.data(), &len);
    return md;
  };
  auto expand = [&](std::string_view info, const bytes& context) {
    bytes msg = as_vec(info);
    msg.insert(msg.end(), context.begin(), context.end());
    msg.push_back(0x01);
    return hmac(k.bytes, msg);
  };
  const bytes token_key = expand("vigil store v1 token key", {});
  std::array<std::uint8_t, encryption_salt_bytes> salt{};
  for (std::size_t i = 0; i < salt.size(); ++i) salt[i] = static_cast<std::uint8_t>(200 + i);
  const bytes data_key = expand("vigil store v1 data key", bytes(salt.begin(), salt.end()));

  cipher c(k);
  c.add_session(3, salt);
  c.use_session(3);
  std::array<std::uint8_t, encryption_token_bytes> tok{};
  c.token("job", "api", tok);
  const bytes want = hmac(token_key, {0x01, 'j', 'o', 'b', 0x00, 'a', 'p', 'i'});
  BOOST_TEST((bytes(tok.begin(), tok.end()) == bytes(want.begin(), want.begin() + 16)));
  const bytes hk = hmac(token_key, {0x02, 0, 0, 0, 0, 0, 0, 0x01, 0x02});
  BOOST_TEST(c.keyed_hash(0x0102) == get_u64_be(hk.data()));

  // An envelope opens with EVP under the data key, nonce bytes 1-12 and AAD [domain][key].
  const bytes lmdb_key = {0xaa, 0xbb};
  bytes sealed;
  BOOST_REQUIRE(c.encrypt_append(crypt_domain::series, lmdb_key, as_vec("label bytes"), sealed).is_ok());
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  const bytes aad = {2, 0xaa, 0xbb};
  bytes out(sealed.size());
  int len = 0, fin = 0;
  const std::size_t n = sealed.size() - encryption_overhead;
  bool ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, data_key.data(), sealed.data() + 1) == 1 &&
            EVP_DecryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1 &&
            EVP_DecryptUpdate(ctx, out.data(), &len, sealed.data() + 13, static_cast<int>(n)) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, sealed.data() + 13 + n) == 1 &&
            EVP_DecryptFinal_ex(ctx, out.data() + len, &fin) == 1;
  EVP_CIPHER_CTX_free(ctx);
  BOOST_TEST(ok);
  BOOST_TEST((bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n)) == as_vec("label bytes")));
}

BOOST_AUTO_TEST_SUITE_END()
