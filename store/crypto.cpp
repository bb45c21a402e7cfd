// store/crypto.cpp - key files, AES-256-GCM envelopes and HMAC tokens over
// OpenSSL 3. The only store file that includes OpenSSL headers.
//
// Tokens use OpenSSL's SHA256_* functions, deprecated since 3.0 but present
// throughout 3.x: an HMAC from precomputed inner and outer states costs two
// SHA-256 compressions (~0.1 us), against ~0.45 us through EVP_MAC, whose
// re-initialisation copies digest contexts through the provider layer. A
// token is computed for every label of a new series and every equality
// matcher. Should SHA256_* go away, EVP_MAC gives the same bytes.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "store/crypto.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "store/keys.hpp"

namespace vigil::store {

namespace {

constexpr std::size_t max_key_file_bytes = 4096; // a key file is tiny; refuse to slurp anything big

std::atomic<std::uint64_t> next_instance{1};

/// HKDF-Expand (RFC 5869) of one SHA-256 block: HMAC(prk, info || 0x01).
void expand(const std::uint8_t* prk, std::string_view label, std::span<const std::uint8_t> context,
            std::uint8_t* out) {
  std::vector<std::uint8_t> info(label.begin(), label.end());
  info.insert(info.end(), context.begin(), context.end());
  info.push_back(0x01);
  unsigned len = 0;
  HMAC(EVP_sha256(), prk, static_cast<int>(encryption_key_bytes), info.data(), info.size(), out, &len);
}

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

const EVP_CIPHER* aes_gcm() {
  static EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return c;
}

/// AES-GCM contexts of one thread: a few keyed ones (a key schedule costs
/// more than a record).
struct thread_contexts {
  struct slot {
    std::uint64_t instance = 0;
    std::uint32_t session = 0;
    bool encrypt = false;
    std::uint64_t used = 0;
    EVP_CIPHER_CTX* ctx = nullptr;
  };
  std::array<slot, 8> slots;
  std::uint64_t tick = 0;

  thread_contexts() = default;
  thread_contexts(const thread_contexts&) = delete;
  thread_contexts& operator=(const thread_contexts&) = delete;
  ~thread_contexts() {
    for (auto& s : slots) EVP_CIPHER_CTX_free(s.ctx);
  }

  /// A context keyed with `key` for (instance, session, direction), or null.
  EVP_CIPHER_CTX* gcm(std::uint64_t instance, std::uint32_t session, bool encrypt, const std::uint8_t* key) {
    slot* victim = &slots[0];
    for (auto& s : slots) {
      if (s.ctx && s.instance == instance && s.session == session && s.encrypt == encrypt) {
        s.used = ++tick;
        return s.ctx;
      }
      if (s.used < victim->used) victim = &s;
    }
    if (!victim->ctx && !(victim->ctx = EVP_CIPHER_CTX_new())) return nullptr;
    victim->instance = 0; // unusable until keyed
    EVP_CIPHER_CTX_reset(victim->ctx);
    if (!aes_gcm() || EVP_CipherInit_ex(victim->ctx, aes_gcm(), nullptr, key, nullptr, encrypt ? 1 : 0) != 1)
      return nullptr;
    *victim = {instance, session, encrypt, ++tick, victim->ctx};
    return victim->ctx;
  }
};

thread_contexts& contexts() {
  thread_local thread_contexts c;
  return c;
}

/// AAD = [domain][key], in one call when the key fits an LMDB key.
bool add_aad(EVP_CIPHER_CTX* ctx, crypt_domain d, std::span<const std::uint8_t> key) {
  std::uint8_t buf[1 + max_key_bytes];
  buf[0] = static_cast<std::uint8_t>(d);
  int len = 0;
  if (key.size() <= max_key_bytes) {
    if (!key.empty()) std::memcpy(buf + 1, key.data(), key.size());
    return EVP_CipherUpdate(ctx, nullptr, &len, buf, static_cast<int>(1 + key.size())) == 1;
  }
  return EVP_CipherUpdate(ctx, nullptr, &len, buf, 1) == 1 &&
         EVP_CipherUpdate(ctx, nullptr, &len, key.data(), static_cast<int>(key.size())) == 1;
}

} // namespace

result<encryption_key> parse_key(std::string_view content, const std::string& source) {
  encryption_key k;
  k.source = source;
  if (content.size() == encryption_key_bytes) {
    std::memcpy(k.bytes.data(), content.data(), encryption_key_bytes);
    return k;
  }
  std::string_view hex = content;
  if (hex.ends_with("\r\n")) hex.remove_suffix(2);
  else if (hex.ends_with('\n')) hex.remove_suffix(1);
  bool ok = hex.size() == 2 * encryption_key_bytes;
  for (std::size_t i = 0; ok && i < encryption_key_bytes; ++i) {
    const int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
    ok = hi >= 0 && lo >= 0;
    k.bytes[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  if (!ok) {
    OPENSSL_cleanse(k.bytes.data(), k.bytes.size());
    return invalid_argument("encryption key file " + source + ": expected 32 raw bytes or 64 hex digits (" +
                            std::to_string(content.size()) + " bytes found; make one with `openssl rand -hex 32`)");
  }
  return k;
}

result<encryption_key> load_key_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return io_error("encryption key file " + path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return invalid_argument("encryption key file " + path + ": not a regular file");
  if ((st.st_mode & 0007) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return invalid_argument("encryption key file " + path + ": mode " + mode +
                            " lets other users access it; chmod 600 (or 640) it");
  }
  if (static_cast<std::uint64_t>(st.st_size) > max_key_file_bytes)
    return invalid_argument("encryption key file " + path + ": expected 32 raw bytes or 64 hex digits (" +
                            std::to_string(st.st_size) + " bytes found)");
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error("encryption key file " + path + ": cannot be opened");
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto k = parse_key(content, path);
  OPENSSL_cleanse(content.data(), content.size());
  return k;
}

struct cipher::token_state {
  SHA256_CTX inner{}, outer{};
};

cipher::cipher(const encryption_key& k)
    : instance_(next_instance.fetch_add(1, std::memory_order_relaxed)), source_(k.source), master_(k.bytes) {
  expand(master_.data(), "vigil store v1 check key", {}, check_key_.data());
  expand(master_.data(), "vigil store v1 token key", {}, token_key_.data());
  auto ts = std::make_unique<token_state>();
  std::uint8_t pad[SHA256_CBLOCK];
  for (const bool inner : {true, false}) {
    std::memset(pad, inner ? 0x36 : 0x5c, sizeof(pad));
    for (std::size_t i = 0; i < token_key_.size(); ++i) pad[i] ^= token_key_[i];
    SHA256_CTX& c = inner ? ts->inner : ts->outer;
    SHA256_Init(&c);
    SHA256_Update(&c, pad, sizeof(pad));
  }
  OPENSSL_cleanse(pad, sizeof(pad));
  token_state_ = std::move(ts);
}

cipher::~cipher() {
  if (token_state_) OPENSSL_cleanse(const_cast<token_state*>(token_state_.get()), sizeof(token_state));
  OPENSSL_cleanse(master_.data(), master_.size());
  OPENSSL_cleanse(check_key_.data(), check_key_.size());
  OPENSSL_cleanse(token_key_.data(), token_key_.size());
  for (auto& s : sessions_) OPENSSL_cleanse(s.second.data(), s.second.size());
}

void cipher::add_session(std::uint32_t id, std::span<const std::uint8_t, encryption_salt_bytes> salt) {
  std::array<std::uint8_t, encryption_key_bytes> key{};
  expand(master_.data(), "vigil store v1 data key", salt, key.data());
  auto at = std::lower_bound(sessions_.begin(), sessions_.end(), id,
                             [](const auto& s, std::uint32_t v) { return s.first < v; });
  if (at != sessions_.end() && at->first == id) at->second = key;
  else sessions_.insert(at, {id, key});
  OPENSSL_cleanse(key.data(), key.size());
}

status cipher::random_salt(std::span<std::uint8_t, encryption_salt_bytes> out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) return io_error("OpenSSL RAND_bytes failed");
  return status::ok();
}

const std::uint8_t* cipher::session_key(std::uint32_t id) const noexcept {
  if (id == 0) return check_key_.data();
  auto at = std::lower_bound(sessions_.begin(), sessions_.end(), id,
                             [](const auto& s, std::uint32_t v) { return s.first < v; });
  return at != sessions_.end() && at->first == id ? at->second.data() : nullptr;
}

status cipher::encrypt(crypt_domain d, std::span<const std::uint8_t> key, std::span<const std::uint8_t> plain,
                       std::uint8_t* out, bool check) const {
  const std::uint32_t session = check ? 0 : write_session_;
  const std::uint8_t* k = session_key(session);
  if (!k || (!check && session == 0)) return invalid_argument("encrypt: no write session");
  std::uint8_t* nonce = out + 1;
  put_u64_be(nonce, std::uint64_t{session} << 32); // [u32 BE session][first half of the counter]
  if (check) {
    if (RAND_bytes(nonce + 4, 8) != 1) return io_error("OpenSSL RAND_bytes failed");
  } else {
    put_u64_be(nonce + 4, counter_.fetch_add(1, std::memory_order_relaxed));
  }
  out[0] = encrypted_record_version;
  EVP_CIPHER_CTX* ctx = contexts().gcm(instance_, session, true, k);
  int len = 0, fin = 0;
  std::uint8_t* body = out + 1 + encryption_nonce_bytes;
  if (!ctx || EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce) != 1 || !add_aad(ctx, d, key) ||
      (!plain.empty() && EVP_EncryptUpdate(ctx, body, &len, plain.data(), static_cast<int>(plain.size())) != 1) ||
      EVP_EncryptFinal_ex(ctx, body + len, &fin) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(encryption_tag_bytes), body + plain.size()) !=
          1)
    return io_error("AES-256-GCM encryption failed (OpenSSL)");
  return status::ok();
}

status cipher::encrypt_append(crypt_domain d, std::span<const std::uint8_t> key,
                              std::span<const std::uint8_t> plain, std::vector<std::uint8_t>& out,
                              bool check) const {
  const std::size_t at = out.size();
  out.resize(at + plain.size() + encryption_overhead);
  auto st = encrypt(d, key, plain, out.data() + at, check);
  if (!st) out.resize(at);
  return st;
}

status cipher::decrypt(crypt_domain d, std::span<const std::uint8_t> key, std::span<const std::uint8_t> stored,
                       std::vector<std::uint8_t>& out) const {
  if (stored.size() < encryption_overhead || stored[0] != encrypted_record_version)
    return corruption(stored.empty() ? std::string("empty value where an encrypted one belongs")
                                     : "not an encrypted value (version " + std::to_string(stored[0]) + ", " +
                                           std::to_string(stored.size()) + " bytes)");
  const std::uint8_t* nonce = stored.data() + 1;
  const auto session = static_cast<std::uint32_t>(get_u64_be(nonce) >> 32);
  const std::uint8_t* k = session_key(session);
  if (!k) return corruption("encrypted under unknown key session " + std::to_string(session));
  const std::size_t n = stored.size() - encryption_overhead;
  const std::uint8_t* body = nonce + encryption_nonce_bytes;
  std::uint8_t tag[encryption_tag_bytes];
  std::memcpy(tag, body + n, sizeof(tag));
  const std::size_t at = out.size();
  out.resize(at + n);
  EVP_CIPHER_CTX* ctx = contexts().gcm(instance_, session, false, k);
  int len = 0, fin = 0;
  const bool ok = ctx && EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce) == 1 && add_aad(ctx, d, key) &&
                  (n == 0 || EVP_DecryptUpdate(ctx, out.data() + at, &len, body, static_cast<int>(n)) == 1) &&
                  EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, static_cast<int>(sizeof(tag)), tag) == 1 &&
                  EVP_DecryptFinal_ex(ctx, out.data() + at + len, &fin) == 1;
  if (!ok) {
    OPENSSL_cleanse(out.data() + at, n);
    out.resize(at);
    if (!ctx) return io_error("AES-256-GCM decryption failed (OpenSSL)");
    return corruption("authentication failed (the value was altered or moved, or another key wrote it)");
  }
  return status::ok();
}

void cipher::token_hmac(std::string_view a, std::string_view b, bool pair, std::uint8_t* md) const noexcept {
  SHA256_CTX w = token_state_->inner;
  const std::uint8_t domain = pair ? 0x01 : 0x02, sep = 0x00;
  SHA256_Update(&w, &domain, 1);
  SHA256_Update(&w, a.data(), a.size());
  if (pair) {
    SHA256_Update(&w, &sep, 1);
    SHA256_Update(&w, b.data(), b.size());
  }
  SHA256_Final(md, &w);
  w = token_state_->outer;
  SHA256_Update(&w, md, SHA256_DIGEST_LENGTH);
  SHA256_Final(md, &w);
  OPENSSL_cleanse(&w, sizeof(w));
}

void cipher::token(std::string_view name, std::string_view value,
                   std::span<std::uint8_t, encryption_token_bytes> out) const {
  std::uint8_t md[SHA256_DIGEST_LENGTH];
  token_hmac(name, value, true, md);
  std::memcpy(out.data(), md, encryption_token_bytes);
}

std::uint64_t cipher::keyed_hash(std::uint64_t h) const {
  std::uint8_t be[8];
  put_u64_be(be, h);
  std::uint8_t md[SHA256_DIGEST_LENGTH];
  token_hmac(std::string_view(reinterpret_cast<const char*>(be), sizeof(be)), {}, false, md);
  return get_u64_be(md);
}

void keep_openssl_until_exit() { OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr); }

} // namespace vigil::store
