#include "identity/handshake_keys.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <limits>
#include <memory>
#include <utility>

#include "net/byte_view.hpp"

namespace parley::identity {
namespace {

struct KdfRelease {
  void operator()(EVP_KDF* kdf) const { EVP_KDF_free(kdf); }
};
struct KdfContextRelease {
  void operator()(EVP_KDF_CTX* context) const { EVP_KDF_CTX_free(context); }
};
struct PkeyContextRelease {
  void operator()(EVP_PKEY_CTX* context) const { EVP_PKEY_CTX_free(context); }
};
struct PkeyRelease {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

// Fetched once: a fetch walks OpenSSL's provider tables, which costs more than
// the derivation itself.
EVP_KDF* hkdf_algorithm() {
  static const std::unique_ptr<EVP_KDF, KdfRelease> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  if (!kdf) throw IdentityError("OpenSSL has no HKDF");
  return kdf.get();
}

KeyBytes run_hkdf(int mode, std::span<const std::uint8_t> key, std::span<const std::uint8_t> salt,
                  std::span<const std::uint8_t> info, std::size_t length) {
  KeyBytes out(length);
  if (length == 0) return out;
  const std::unique_ptr<EVP_KDF_CTX, KdfContextRelease> context(EVP_KDF_CTX_new(hkdf_algorithm()));
  if (!context) throw IdentityError("cannot make an HKDF context");
  // OSSL_PARAM wants non-const pointers; OpenSSL only reads them.
  char digest[] = "SHA256";
  std::array<OSSL_PARAM, 5> params{};
  std::size_t at = 0;
  params[at++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  params[at++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
  params[at++] = OSSL_PARAM_construct_octet_string(
      OSSL_KDF_PARAM_KEY, const_cast<std::uint8_t*>(key.data()), key.size());
  if (mode == EVP_KDF_HKDF_MODE_EXTRACT_ONLY) {
    params[at++] = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_SALT, const_cast<std::uint8_t*>(salt.data()), salt.size());
  } else {
    params[at++] = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_INFO, const_cast<std::uint8_t*>(info.data()), info.size());
  }
  params[at] = OSSL_PARAM_construct_end();
  if (EVP_KDF_derive(context.get(), out.writable().data(), length, params.data()) != 1) {
    throw IdentityError("HKDF derivation failed");
  }
  return out;
}

}  // namespace

void fill_random(const EntropySource& entropy, std::span<std::uint8_t> out) {
  if (entropy) {
    entropy(out);
    return;
  }
  if (out.size() > static_cast<std::size_t>(INT_MAX) ||
      RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    throw IdentityError("the random number generator failed");
  }
}

KeyBytes::KeyBytes(KeyBytes&& other) noexcept : bytes_(std::move(other.bytes_)) {
  other.wipe();
}

KeyBytes& KeyBytes::operator=(KeyBytes&& other) noexcept {
  if (this != &other) {
    wipe();
    bytes_ = std::move(other.bytes_);
    other.wipe();
  }
  return *this;
}

bool KeyBytes::same_as(std::span<const std::uint8_t> other) const {
  return other.size() == bytes_.size() &&
         CRYPTO_memcmp(other.data(), bytes_.data(), bytes_.size()) == 0;
}

std::string KeyBytes::fingerprint() const {
  if (bytes_.empty()) return "fp:empty";
  const auto label = net::byte_view("parley key fingerprint v1");
  std::vector<std::uint8_t> input(label.begin(), label.end());
  input.insert(input.end(), bytes_.begin(), bytes_.end());
  const auto digest = sha256(input);
  OPENSSL_cleanse(input.data(), input.size());
  return "fp:" + to_hex(std::span(digest).first(4));
}

void KeyBytes::wipe() {
  if (!bytes_.empty()) OPENSSL_cleanse(bytes_.data(), bytes_.size());
  bytes_.clear();
}

Digest sha256(std::span<const std::uint8_t> bytes) {
  Digest out{};
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), out.data(), &length, EVP_sha256(), nullptr) != 1 ||
      length != out.size()) {
    throw IdentityError("SHA-256 failed");
  }
  return out;
}

Digest hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> message) {
  Digest out{};
  unsigned int length = 0;
  if (key.size() > static_cast<std::size_t>(INT_MAX) ||
      HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), message.data(), message.size(),
           out.data(), &length) == nullptr ||
      length != out.size()) {
    throw IdentityError("HMAC-SHA256 failed");
  }
  return out;
}

KeyBytes hkdf_extract(std::span<const std::uint8_t> salt, std::span<const std::uint8_t> ikm) {
  return run_hkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, ikm, salt, {}, kDigestBytes);
}

KeyBytes hkdf_expand(std::span<const std::uint8_t> prk, std::span<const std::uint8_t> info,
                     std::size_t length) {
  return run_hkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, prk, {}, info, length);
}

KeyBytes hkdf_expand(std::span<const std::uint8_t> prk, std::string_view label,
                     std::size_t length) {
  return hkdf_expand(prk, net::byte_view(label), length);
}

EphemeralKey EphemeralKey::generate(const EntropySource& entropy) {
  std::array<std::uint8_t, kX25519Bytes> private_bytes{};
  fill_random(entropy, private_bytes);
  EVP_PKEY* key = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, private_bytes.data(),
                                               private_bytes.size());
  OPENSSL_cleanse(private_bytes.data(), private_bytes.size());
  if (key == nullptr) throw IdentityError("cannot make an X25519 key");
  return EphemeralKey(key);
}

EphemeralKey::EphemeralKey(evp_pkey_st* key) : key_(key) {
  std::size_t length = public_.size();
  if (EVP_PKEY_get_raw_public_key(key_, public_.data(), &length) != 1 || length != public_.size()) {
    erase();
    throw IdentityError("cannot read the X25519 public key");
  }
}

EphemeralKey::EphemeralKey(EphemeralKey&& other) noexcept
    : key_(std::exchange(other.key_, nullptr)), public_(other.public_) {}

EphemeralKey& EphemeralKey::operator=(EphemeralKey&& other) noexcept {
  if (this != &other) {
    erase();
    key_ = std::exchange(other.key_, nullptr);
    public_ = other.public_;
  }
  return *this;
}

void EphemeralKey::erase() {
  // EVP_PKEY_free clears the private key before releasing it.
  EVP_PKEY_free(key_);
  key_ = nullptr;
}

std::optional<KeyBytes> EphemeralKey::agree(std::span<const std::uint8_t> peer_public) const {
  if (key_ == nullptr) throw IdentityError("the ephemeral key was already erased");
  if (peer_public.size() != kX25519Bytes) return std::nullopt;
  const std::unique_ptr<EVP_PKEY, PkeyRelease> peer(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_X25519, nullptr, peer_public.data(), peer_public.size()));
  if (!peer) {
    ERR_clear_error();
    return std::nullopt;
  }
  const std::unique_ptr<EVP_PKEY_CTX, PkeyContextRelease> context(EVP_PKEY_CTX_new(key_, nullptr));
  if (!context || EVP_PKEY_derive_init(context.get()) != 1) {
    throw IdentityError("cannot start an X25519 derivation");
  }
  KeyBytes secret(kX25519Bytes);
  std::size_t length = secret.size();
  if (EVP_PKEY_derive_set_peer(context.get(), peer.get()) != 1 ||
      EVP_PKEY_derive(context.get(), secret.writable().data(), &length) != 1 ||
      length != kX25519Bytes) {
    // OpenSSL refuses a share that gives the all-zero secret (RFC 7748 section 6.1).
    ERR_clear_error();
    return std::nullopt;
  }
  const std::array<std::uint8_t, kX25519Bytes> zero{};
  if (secret.same_as(zero)) return std::nullopt;
  return secret;
}

std::string_view direction_name(KeyDirection direction) {
  return direction == KeyDirection::initiator_to_responder ? "initiator->responder"
                                                           : "responder->initiator";
}

TrafficSecret::TrafficSecret(KeyDirection direction, std::uint32_t generation, KeyBytes secret)
    : direction_(direction), generation_(generation), secret_(std::move(secret)) {
  if (secret_.size() != kTrafficSecretBytes) throw IdentityError("a traffic secret is 32 bytes");
}

ContextKeys TrafficSecret::srtp_keys(const CipherKeySizes& sizes) const {
  return {hkdf_expand(secret_.view(), labels::kSrtpKey, sizes.master_key_bytes),
          hkdf_expand(secret_.view(), labels::kSrtpSalt, sizes.master_salt_bytes)};
}

ContextKeys TrafficSecret::message_keys(const CipherKeySizes& sizes) const {
  return {hkdf_expand(secret_.view(), labels::kMessageKey, sizes.master_key_bytes),
          hkdf_expand(secret_.view(), labels::kMessageSalt, sizes.master_salt_bytes)};
}

TrafficSecret TrafficSecret::next() const {
  if (generation_ == std::numeric_limits<std::uint32_t>::max()) {
    throw IdentityError("no key generation is left: a new handshake is needed");
  }
  const std::uint32_t following = generation_ + 1;
  // info = label || generation as u32 big-endian, so each generation's step
  // has its own info even if two secrets ever collided.
  std::vector<std::uint8_t> info(net::byte_view(labels::kNextGeneration).begin(),
                                 net::byte_view(labels::kNextGeneration).end());
  for (int shift = 24; shift >= 0; shift -= 8) {
    info.push_back(static_cast<std::uint8_t>(following >> shift));
  }
  return {direction_, following, hkdf_expand(secret_.view(), info, kTrafficSecretBytes)};
}

TrafficSecret TrafficSecret::copy() const {
  return {direction_, generation_, secret_.copy()};
}

HandshakeSecrets derive_handshake_secrets(const KeyBytes& shared_secret,
                                          const Digest& transcript_hash) {
  const KeyBytes prk = hkdf_extract(transcript_hash, shared_secret.view());
  return {hkdf_expand(prk.view(), labels::kConfirmInitiator, kDigestBytes),
          hkdf_expand(prk.view(), labels::kConfirmResponder, kDigestBytes),
          TrafficSecret(
              KeyDirection::initiator_to_responder, 0,
              hkdf_expand(prk.view(), labels::kTrafficInitiatorToResponder, kTrafficSecretBytes)),
          TrafficSecret(
              KeyDirection::responder_to_initiator, 0,
              hkdf_expand(prk.view(), labels::kTrafficResponderToInitiator, kTrafficSecretBytes))};
}

std::string safety_number(const PublicKey& first, const PublicKey& second,
                          const Digest& transcript_hash) {
  const bool in_order = first.bytes <= second.bytes;
  const auto& low = in_order ? first : second;
  const auto& high = in_order ? second : first;
  std::vector<std::uint8_t> input(net::byte_view(kSafetyNumberLabel).begin(),
                                  net::byte_view(kSafetyNumberLabel).end());
  input.insert(input.end(), low.bytes.begin(), low.bytes.end());
  input.insert(input.end(), high.bytes.begin(), high.bytes.end());
  input.insert(input.end(), transcript_hash.begin(), transcript_hash.end());
  const auto digest = sha256(input);
  std::string out;
  for (std::size_t group = 0; group < 6; ++group) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < 5; ++i) value = (value << 8) | digest[group * 5 + i];
    std::array<char, 8> text{};
    std::snprintf(text.data(), text.size(), "%05u", static_cast<unsigned>(value % 100000));
    if (group != 0) out += ' ';
    out += text.data();
  }
  return out;
}

}  // namespace parley::identity
