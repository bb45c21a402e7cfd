// store/crypto.hpp - encryption at rest: the node's key (from a key file) and
// the cipher a shard encrypts its records with (AES-256-GCM) and derives its
// index tokens with (HMAC-SHA256). Formats: store/FORMAT.md §6.
//
// Keys. The 32-byte master key never encrypts anything itself; HKDF-Expand
// (RFC 5869, SHA-256) derives from it a check key (the key-check record in
// meta), a token key (postings tokens, keyed label hashes), and one data key
// per *session*: each open of a shard draws a random 16-byte salt, stores it
// in meta, and encrypts what it writes under the key derived from that salt.
//
// Nonces. Within a session the 96-bit GCM nonce is [u32 BE session id][u64 BE
// counter], the counter starting at 0 in memory. A session's key is used by
// one open only, so nonces never repeat under a key, however often records
// are rewritten (a head chunk at every checkpoint) and even after a
// backup is restored or a transaction aborted. Random 96-bit nonces under one
// key would reach NIST's 2^32-message bound in about an hour at 1 M rewrites
// per second. Session 0 is the check key, whose only record gets a random
// nonce.
//
// Envelope of an encrypted value (what encrypt() writes):
//   [u8 2][12-byte nonce][ciphertext, as long as the plaintext][16-byte tag]
// The additional authenticated data is [u8 domain][the record's LMDB key], so
// a record moved to another key or sub-database fails authentication.
//
// Thread-safety: load_key_file/parse_key are pure. A cipher is set up
// (add_session, use_session) by its owner before it is shared; afterwards
// every const method may run on any thread at once (OpenSSL contexts are
// cached per thread, keyed by cipher and session; token states are
// read-only). Only the shard's writer calls encrypt() for sessions > 0.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

namespace vigil::store {

inline constexpr std::size_t encryption_key_bytes = 32;
inline constexpr std::size_t encryption_nonce_bytes = 12;
inline constexpr std::size_t encryption_tag_bytes = 16;
inline constexpr std::size_t encryption_salt_bytes = 16;
/// Bytes a postings token keeps of its HMAC-SHA256.
inline constexpr std::size_t encryption_token_bytes = 16;
/// First byte of every encrypted value (plain records use 1).
inline constexpr std::uint8_t encrypted_record_version = 2;
/// Bytes encrypt() adds to a plaintext: version, nonce, tag.
inline constexpr std::size_t encryption_overhead = 1 + encryption_nonce_bytes + encryption_tag_bytes;

/// The node's master key and the file it came from (named in errors).
struct encryption_key {
  std::array<std::uint8_t, encryption_key_bytes> bytes{};
  std::string source;
};

/// Keeps OpenSSL's global state until the process is gone (no cleanup at
/// exit). CAF's detached actors (the shards) end their threads while main
/// returns, and their per-thread cipher contexts (thread_local) are freed as
/// those threads exit, possibly while OpenSSL's exit handler tears down the
/// providers those contexts point to. Call first thing in main(), before
/// anything initializes OpenSSL.
void keep_openssl_until_exit();

/// Reads a key file: exactly 32 raw bytes, or 64 hex digits optionally
/// followed by one newline ("\n" or "\r\n"). invalid_argument naming the file
/// for any other content, and when the file is readable or writable by
/// others than its owner and group (mode & 0007: `chmod 600` or `640` it);
/// io_error when it cannot be read.
result<encryption_key> load_key_file(const std::string& path);

/// The content rules of load_key_file, for `content` read from `source`.
result<encryption_key> parse_key(std::string_view content, const std::string& source);

/// What an encrypted value's AAD says it is (first AAD byte; persisted).
enum class crypt_domain : std::uint8_t {
  meta = 0,   ///< meta records (the key check)
  chunk = 1,  ///< `chunks` values
  series = 2, ///< `series` values (label sets)
  value = 3,  ///< `values` values (label values of postings keys)
  rollup = 4, ///< `rollups` values (window records and watermarks)
  cold = 5,   ///< cold-tier segment blocks (store/cold_segment.hpp; key: [u64 BE seq][u32 BE block])
  wal = 6,    ///< `wal` values (store/wal.hpp; key: the record's key)
};

class cipher {
public:
  /// Derives the check and token keys from `k`. No session yet.
  explicit cipher(const encryption_key& k);
  ~cipher();
  cipher(const cipher&) = delete;
  cipher& operator=(const cipher&) = delete;

  /// The key file, for messages.
  const std::string& key_source() const noexcept { return source_; }

  /// Registers session `id` (> 0) with its salt, as read from meta or just
  /// made. Setup only (before the cipher is shared).
  void add_session(std::uint32_t id, std::span<const std::uint8_t, encryption_salt_bytes> salt);
  /// New values are encrypted under session `id` (added before). Setup only.
  void use_session(std::uint32_t id) noexcept { write_session_ = id; }
  /// 16 random bytes from OpenSSL's CSPRNG; io_error if it fails.
  static status random_salt(std::span<std::uint8_t, encryption_salt_bytes> out);

  /// Encrypts `plain` under the write session (session 0, the check key,
  /// with `check`) into `out`, which must hold plain.size() +
  /// encryption_overhead bytes (e.g. LMDB space from MDB_RESERVE).
  /// io_error when OpenSSL fails; invalid_argument without a write session.
  status encrypt(crypt_domain d, std::span<const std::uint8_t> key, std::span<const std::uint8_t> plain,
                 std::uint8_t* out, bool check = false) const;
  /// encrypt() appending to `out`.
  status encrypt_append(crypt_domain d, std::span<const std::uint8_t> key, std::span<const std::uint8_t> plain,
                        std::vector<std::uint8_t>& out, bool check = false) const;
  /// Appends the plaintext of `stored` (written by encrypt() with the same
  /// domain and key) to `out`. corruption when it is not an encrypted value,
  /// names an unknown session, or fails authentication (altered bytes, a
  /// record moved to another key, or another master key); `out` is then
  /// restored to its size before the call.
  status decrypt(crypt_domain d, std::span<const std::uint8_t> key, std::span<const std::uint8_t> stored,
                 std::vector<std::uint8_t>& out) const;

  /// Deterministic keyed token of a label pair: the first 16 bytes of
  /// HMAC-SHA256(token key, 0x01 name 0x00 value). Equal pairs give equal
  /// tokens; without the key a token reveals nothing about the value.
  void token(std::string_view name, std::string_view value,
             std::span<std::uint8_t, encryption_token_bytes> out) const;
  /// A keyed 64-bit image of labels::hash() (HMAC-SHA256(token key, 0x02
  /// u64 BE h), first 8 bytes), so label_hash keys cannot be checked
  /// against guessed label sets without the key.
  std::uint64_t keyed_hash(std::uint64_t h) const;

private:
  const std::uint8_t* session_key(std::uint32_t id) const noexcept;
  /// HMAC-SHA256(token key, 0x01 name 0x00 value) or (0x02 u64 BE) into md[32].
  void token_hmac(std::string_view a, std::string_view b, bool pair, std::uint8_t* md) const noexcept;

  struct token_state; ///< the token key's precomputed HMAC inner and outer SHA-256 states
  std::unique_ptr<const token_state> token_state_;
  std::uint64_t instance_; ///< unique per cipher object: keys the per-thread context caches
  std::string source_;
  std::array<std::uint8_t, encryption_key_bytes> master_{};
  std::array<std::uint8_t, encryption_key_bytes> check_key_{};
  std::array<std::uint8_t, encryption_key_bytes> token_key_{};
  std::vector<std::pair<std::uint32_t, std::array<std::uint8_t, encryption_key_bytes>>> sessions_;
  std::uint32_t write_session_ = 0;
  mutable std::atomic<std::uint64_t> counter_{0}; ///< next nonce counter of the write session
};

} // namespace vigil::store
