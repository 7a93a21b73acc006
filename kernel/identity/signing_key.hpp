// Ed25519 keys: a user's identity key (made on the user's machine, never sent
// anywhere in private form) and the login server's certificate-signing key.
//
// Every signature is domain-separated: the signed bytes are a context string
// naming the purpose, then the message (see signed_bytes()). A signature made
// for one purpose (a certificate, a login proof, a call handshake) therefore
// never verifies for another. Each new use picks a new context constant.
//
// Errors: malformed input from outside (text keys, signatures) returns an empty
// optional or false; failures of the machine itself (OpenSSL out of memory,
// unreadable files) throw IdentityError.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

// OpenSSL's key type, kept out of this header's users.
struct evp_pkey_st;

namespace parley::identity {

class IdentityError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr std::size_t kPublicKeyBytes = 32;
inline constexpr std::size_t kSignatureBytes = 64;
// A key id names a key (SHA-256 of the raw public key, first 16 bytes); it is
// an index, never a substitute for comparing or verifying with the key itself.
inline constexpr std::size_t kKeyIdBytes = 16;

using Signature = std::array<std::uint8_t, kSignatureBytes>;
using KeyId = std::array<std::uint8_t, kKeyIdBytes>;

// Signature contexts. Each is used for exactly one kind of signed message.
inline constexpr std::string_view kCertificateContext = "parley certificate v1";
inline constexpr std::string_view kLoginProofContext = "parley login proof v1";
inline constexpr std::string_view kRenewProofContext = "parley renew proof v1";

struct PublicKey {
  std::array<std::uint8_t, kPublicKeyBytes> bytes{};

  // "ed25519:" + standard base64 of the 32 raw bytes (what servers print and
  // clients pin).
  [[nodiscard]] std::string to_text() const;
  // Accepts the to_text() form, bare base64, or 64 hex digits.
  static std::optional<PublicKey> from_text(std::string_view text);
  static std::optional<PublicKey> from_bytes(std::span<const std::uint8_t> raw);
  [[nodiscard]] KeyId key_id() const;

  bool operator==(const PublicKey&) const = default;
};

std::string to_hex(std::span<const std::uint8_t> bytes);

// The exact bytes a signature covers: u8 length of context, context, message.
std::vector<std::uint8_t> signed_bytes(std::string_view context,
                                       std::span<const std::uint8_t> message);

bool verify_signature(const PublicKey& key, std::string_view context,
                      std::span<const std::uint8_t> message,
                      std::span<const std::uint8_t> signature);

// An Ed25519 private key. Move-only; the key material lives inside OpenSSL,
// which clears it on release. There is no accessor for the private bytes.
class SigningKey {
 public:
  static SigningKey generate();
  // PKCS#8 PEM (what key files hold). Throws IdentityError when it is not an
  // Ed25519 private key.
  static SigningKey from_pem(std::string_view pem);
  [[nodiscard]] std::string to_pem() const;

  [[nodiscard]] const PublicKey& public_key() const { return public_key_; }
  [[nodiscard]] Signature sign(std::string_view context,
                               std::span<const std::uint8_t> message) const;

  // For the TLS layer, which signs its handshakes with this key.
  [[nodiscard]] evp_pkey_st* native() const { return key_.get(); }

 private:
  struct Release {
    void operator()(evp_pkey_st* key) const;
  };
  explicit SigningKey(evp_pkey_st* key);

  std::unique_ptr<evp_pkey_st, Release> key_;
  PublicKey public_key_;
};

}  // namespace parley::identity
