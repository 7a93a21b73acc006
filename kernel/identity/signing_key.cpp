#include "identity/signing_key.hpp"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>

namespace parley::identity {
namespace {

constexpr std::string_view kTextPrefix = "ed25519:";
constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(std::span<const std::uint8_t> bytes) {
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::uint32_t chunk = (std::uint32_t{bytes[i]} << 16) |
                                (i + 1 < bytes.size() ? std::uint32_t{bytes[i + 1]} << 8 : 0) |
                                (i + 2 < bytes.size() ? std::uint32_t{bytes[i + 2]} : 0);
    out += kBase64Alphabet[(chunk >> 18) & 63];
    out += kBase64Alphabet[(chunk >> 12) & 63];
    out += i + 1 < bytes.size() ? kBase64Alphabet[(chunk >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kBase64Alphabet[chunk & 63] : '=';
  }
  return out;
}

// Strict: canonical padding only, so one key has exactly one text form.
std::optional<std::vector<std::uint8_t>> unbase64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i < text.size(); i += 4) {
    std::uint32_t chunk = 0;
    int padding = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      const char c = text[i + j];
      std::uint32_t value = 0;
      if (c == '=') {
        if (i + 4 != text.size() || j < 2) return std::nullopt;
        ++padding;
      } else {
        if (padding != 0) return std::nullopt;
        const auto at = kBase64Alphabet.find(c);
        if (at == std::string_view::npos) return std::nullopt;
        value = static_cast<std::uint32_t>(at);
      }
      chunk = (chunk << 6) | value;
    }
    out.push_back(static_cast<std::uint8_t>(chunk >> 16));
    if (padding < 2) out.push_back(static_cast<std::uint8_t>(chunk >> 8));
    if (padding < 1) out.push_back(static_cast<std::uint8_t>(chunk));
  }
  return out;
}

std::optional<std::vector<std::uint8_t>> unhex(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    int value = 0;
    for (std::size_t j = 0; j < 2; ++j) {
      const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(text[i + j])));
      int digit = 0;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10;
      } else {
        return std::nullopt;
      }
      value = value * 16 + digit;
    }
    out.push_back(static_cast<std::uint8_t>(value));
  }
  return out;
}

struct MdContextRelease {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using MdContext = std::unique_ptr<EVP_MD_CTX, MdContextRelease>;

struct PkeyRelease {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyRelease>;

PublicKey raw_public_key(EVP_PKEY* key) {
  PublicKey out;
  std::size_t length = out.bytes.size();
  if (EVP_PKEY_get_raw_public_key(key, out.bytes.data(), &length) != 1 ||
      length != out.bytes.size()) {
    throw IdentityError("cannot read the Ed25519 public key from OpenSSL");
  }
  return out;
}

}  // namespace

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (auto byte : bytes) {
    out += kDigits[byte >> 4];
    out += kDigits[byte & 15];
  }
  return out;
}

std::string PublicKey::to_text() const {
  return std::string(kTextPrefix) + base64(bytes);
}

std::optional<PublicKey> PublicKey::from_text(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
    text.remove_suffix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) {
    text.remove_prefix(1);
  }
  if (text.starts_with(kTextPrefix)) text.remove_prefix(kTextPrefix.size());
  auto raw = text.size() == 2 * kPublicKeyBytes ? unhex(text) : unbase64(text);
  if (!raw) return std::nullopt;
  return from_bytes(*raw);
}

std::optional<PublicKey> PublicKey::from_bytes(std::span<const std::uint8_t> raw) {
  if (raw.size() != kPublicKeyBytes) return std::nullopt;
  PublicKey key;
  std::copy(raw.begin(), raw.end(), key.bytes.begin());
  return key;
}

KeyId PublicKey::key_id() const {
  std::array<std::uint8_t, SHA256_DIGEST_LENGTH> digest{};
  SHA256(bytes.data(), bytes.size(), digest.data());
  KeyId id{};
  std::copy_n(digest.begin(), id.size(), id.begin());
  return id;
}

std::vector<std::uint8_t> signed_bytes(std::string_view context,
                                       std::span<const std::uint8_t> message) {
  if (context.empty() || context.size() > 255) {
    throw IdentityError("signature context must be 1..255 bytes");
  }
  std::vector<std::uint8_t> out;
  out.reserve(1 + context.size() + message.size());
  out.push_back(static_cast<std::uint8_t>(context.size()));
  out.insert(out.end(), context.begin(), context.end());
  out.insert(out.end(), message.begin(), message.end());
  return out;
}

bool verify_signature(const PublicKey& key, std::string_view context,
                      std::span<const std::uint8_t> message,
                      std::span<const std::uint8_t> signature) {
  if (signature.size() != kSignatureBytes) return false;
  const Pkey pkey(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.bytes.data(), key.bytes.size()));
  if (!pkey) return false;  // not a valid curve point
  const MdContext context_md(EVP_MD_CTX_new());
  if (!context_md) throw IdentityError("out of memory verifying a signature");
  if (EVP_DigestVerifyInit(context_md.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) {
    return false;
  }
  const auto bytes = signed_bytes(context, message);
  return EVP_DigestVerify(context_md.get(), signature.data(), signature.size(), bytes.data(),
                          bytes.size()) == 1;
}

void SigningKey::Release::operator()(evp_pkey_st* key) const {
  EVP_PKEY_free(key);
}

SigningKey::SigningKey(evp_pkey_st* key) : key_(key), public_key_(raw_public_key(key)) {}

SigningKey SigningKey::generate() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (key == nullptr) throw IdentityError("cannot generate an Ed25519 key (OpenSSL failed)");
  return SigningKey(key);
}

SigningKey SigningKey::from_pem(std::string_view pem) {
  const std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  if (!bio) throw IdentityError("out of memory reading a key");
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (key == nullptr) throw IdentityError("not a PEM private key");
  if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(key);
    throw IdentityError("not an Ed25519 private key");
  }
  return SigningKey(key);
}

std::string SigningKey::to_pem() const {
  const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_secmem()), &BIO_free);
  if (!bio || PEM_write_bio_PKCS8PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr,
                                            nullptr) != 1) {
    throw IdentityError("cannot encode the private key as PEM");
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<std::size_t>(length)};
}

Signature SigningKey::sign(std::string_view context, std::span<const std::uint8_t> message) const {
  const MdContext md(EVP_MD_CTX_new());
  if (!md || EVP_DigestSignInit(md.get(), nullptr, nullptr, nullptr, key_.get()) != 1) {
    throw IdentityError("cannot start an Ed25519 signature");
  }
  const auto bytes = signed_bytes(context, message);
  Signature signature{};
  std::size_t length = signature.size();
  if (EVP_DigestSign(md.get(), signature.data(), &length, bytes.data(), bytes.size()) != 1 ||
      length != signature.size()) {
    throw IdentityError("Ed25519 signing failed");
  }
  return signature;
}

}  // namespace parley::identity
