// The cryptography under the end-to-end handshake (docs/e2e.md, "Key
// schedule"): key bytes that wipe themselves, HKDF-SHA256, ephemeral X25519,
// the per-direction traffic secrets with their key generations, and the safety
// number people compare aloud.
//
// Errors follow identity/signing_key.hpp: what a peer sent that does not work
// (a key share giving no secret) is a value; OpenSSL failing is IdentityError.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "identity/signing_key.hpp"

struct evp_pkey_st;

namespace parley::identity {

inline constexpr std::size_t kDigestBytes = 32;
inline constexpr std::size_t kX25519Bytes = 32;
inline constexpr std::size_t kTrafficSecretBytes = 32;

using Digest = std::array<std::uint8_t, kDigestBytes>;

// Fills a buffer with random bytes. Empty means OpenSSL's RAND_bytes; tests
// and the fuzz target pass their own to make whole handshakes reproducible.
using EntropySource = std::function<void(std::span<std::uint8_t>)>;
void fill_random(const EntropySource& entropy, std::span<std::uint8_t> out);

// Key material: move-only, wiped when destroyed or overwritten, never printed.
class KeyBytes {
 public:
  KeyBytes() = default;
  explicit KeyBytes(std::size_t size) : bytes_(size) {}
  explicit KeyBytes(std::span<const std::uint8_t> bytes) : bytes_(bytes.begin(), bytes.end()) {}
  KeyBytes(const KeyBytes&) = delete;
  KeyBytes& operator=(const KeyBytes&) = delete;
  KeyBytes(KeyBytes&& other) noexcept;
  KeyBytes& operator=(KeyBytes&& other) noexcept;
  ~KeyBytes() { wipe(); }

  [[nodiscard]] std::span<const std::uint8_t> view() const { return bytes_; }
  [[nodiscard]] std::span<std::uint8_t> writable() { return bytes_; }
  [[nodiscard]] std::size_t size() const { return bytes_.size(); }
  [[nodiscard]] bool empty() const { return bytes_.empty(); }
  [[nodiscard]] KeyBytes copy() const { return KeyBytes(view()); }
  // Constant time in the contents.
  [[nodiscard]] bool same_as(std::span<const std::uint8_t> other) const;
  // What logs and test failures may show of a key: 8 hex digits of a hash,
  // "fp:1a2b3c4d". Equal keys give equal fingerprints; nothing else leaks.
  [[nodiscard]] std::string fingerprint() const;
  void wipe();

 private:
  std::vector<std::uint8_t> bytes_;
};

Digest sha256(std::span<const std::uint8_t> bytes);
// HMAC-SHA256.
Digest hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> message);
// RFC 5869 through OpenSSL's EVP_KDF "HKDF", SHA-256. Expand with length 0
// gives empty bytes (the null cipher has no key).
KeyBytes hkdf_extract(std::span<const std::uint8_t> salt, std::span<const std::uint8_t> ikm);
KeyBytes hkdf_expand(std::span<const std::uint8_t> prk, std::span<const std::uint8_t> info,
                     std::size_t length);
KeyBytes hkdf_expand(std::span<const std::uint8_t> prk, std::string_view label, std::size_t length);

// One side's X25519 key for one handshake. The private half lives inside
// OpenSSL and is freed (which clears it) by erase() or the destructor, so a
// recorded handshake cannot be decrypted later (forward secrecy).
class EphemeralKey {
 public:
  static EphemeralKey generate(const EntropySource& entropy);
  EphemeralKey(EphemeralKey&& other) noexcept;
  EphemeralKey& operator=(EphemeralKey&& other) noexcept;
  EphemeralKey(const EphemeralKey&) = delete;
  EphemeralKey& operator=(const EphemeralKey&) = delete;
  ~EphemeralKey() { erase(); }

  [[nodiscard]] const std::array<std::uint8_t, kX25519Bytes>& public_bytes() const {
    return public_;
  }
  // The shared secret, or empty when the peer's share is unusable (a
  // low-order point gives the all-zero secret, which OpenSSL refuses).
  [[nodiscard]] std::optional<KeyBytes> agree(std::span<const std::uint8_t> peer_public) const;
  void erase();
  [[nodiscard]] bool erased() const { return key_ == nullptr; }

 private:
  explicit EphemeralKey(evp_pkey_st* key);
  evp_pkey_st* key_ = nullptr;
  std::array<std::uint8_t, kX25519Bytes> public_{};
};

enum class KeyDirection { initiator_to_responder, responder_to_initiator };
std::string_view direction_name(KeyDirection direction);  // "initiator->responder"

// What one cipher context needs, sized by the cipher plugin's info.
struct CipherKeySizes {
  std::size_t master_key_bytes = 0;
  std::size_t master_salt_bytes = 0;
};

struct ContextKeys {
  KeyBytes master_key;
  KeyBytes master_salt;
};

// The secret of one direction at one key generation. Media and message keys
// of that direction and generation are expanded from it; the next generation
// is expanded from it too, and the old one can then be dropped (and is wiped).
class TrafficSecret {
 public:
  TrafficSecret(KeyDirection direction, std::uint32_t generation, KeyBytes secret);

  [[nodiscard]] KeyDirection direction() const { return direction_; }
  [[nodiscard]] std::uint32_t generation() const { return generation_; }
  [[nodiscard]] ContextKeys srtp_keys(const CipherKeySizes& sizes) const;
  [[nodiscard]] ContextKeys message_keys(const CipherKeySizes& sizes) const;
  // Generation + 1. Throws IdentityError past the last generation (2^32 - 1).
  [[nodiscard]] TrafficSecret next() const;
  [[nodiscard]] TrafficSecret copy() const;
  [[nodiscard]] std::string fingerprint() const { return secret_.fingerprint(); }

 private:
  KeyDirection direction_;
  std::uint32_t generation_;
  KeyBytes secret_;
};

// HKDF labels (docs/e2e.md has the table). Each is used for one key only.
namespace labels {
inline constexpr std::string_view kConfirmInitiator = "parley e2e v1 confirm initiator";
inline constexpr std::string_view kConfirmResponder = "parley e2e v1 confirm responder";
inline constexpr std::string_view kTrafficInitiatorToResponder =
    "parley e2e v1 traffic initiator->responder";
inline constexpr std::string_view kTrafficResponderToInitiator =
    "parley e2e v1 traffic responder->initiator";
inline constexpr std::string_view kNextGeneration = "parley e2e v1 next generation";
inline constexpr std::string_view kSrtpKey = "parley e2e v1 srtp master key";
inline constexpr std::string_view kSrtpSalt = "parley e2e v1 srtp master salt";
inline constexpr std::string_view kMessageKey = "parley e2e v1 message key";
inline constexpr std::string_view kMessageSalt = "parley e2e v1 message salt";
}  // namespace labels

// The secrets one handshake yields from its X25519 secret and transcript hash.
struct HandshakeSecrets {
  KeyBytes confirm_initiator;
  KeyBytes confirm_responder;
  TrafficSecret initiator_to_responder;
  TrafficSecret responder_to_initiator;
};
HandshakeSecrets derive_handshake_secrets(const KeyBytes& shared_secret,
                                          const Digest& transcript_hash);

// Thirty digits in six groups of five, "01234 56789 ...": SHA-256 over
// "parley safety number v1", the two identity keys in ascending byte order
// and the transcript hash; group i is bytes 5i..5i+4 read as a big-endian
// 40-bit number, modulo 100000. Both peers compute the same number, and a
// man in the middle who holds certificates for both names still makes each
// side see a different one.
inline constexpr std::string_view kSafetyNumberLabel = "parley safety number v1";
std::string safety_number(const PublicKey& first, const PublicKey& second,
                          const Digest& transcript_hash);

}  // namespace parley::identity
