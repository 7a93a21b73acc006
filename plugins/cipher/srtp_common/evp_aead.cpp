#include "evp_aead.hpp"

#include <algorithm>
#include <array>
#include <climits>

namespace parley::srtp {
namespace {

// EVP takes int lengths; nothing SRTP carries comes near, but a caller's
// message might, and a truncated length would authenticate the wrong bytes.
bool fits_int(std::size_t bytes) {
  return bytes <= static_cast<std::size_t>(INT_MAX);
}

bool add_aad(EVP_CIPHER_CTX* ctx, std::span<const std::uint8_t> aad, bool encrypt) {
  if (aad.empty()) return true;
  if (!fits_int(aad.size())) return false;
  int written = 0;
  const int size = static_cast<int>(aad.size());
  return encrypt ? EVP_EncryptUpdate(ctx, nullptr, &written, aad.data(), size) == 1
                 : EVP_DecryptUpdate(ctx, nullptr, &written, aad.data(), size) == 1;
}

}  // namespace

EvpAead::EvpAead(const EVP_CIPHER* cipher, std::span<const std::uint8_t> key)
    : encrypt_(EVP_CIPHER_CTX_new()), decrypt_(EVP_CIPHER_CTX_new()) {
  const bool ok = cipher != nullptr && encrypt_ != nullptr && decrypt_ != nullptr &&
                  key.size() == static_cast<std::size_t>(EVP_CIPHER_get_key_length(cipher)) &&
                  EVP_CIPHER_get_iv_length(cipher) == static_cast<int>(kNonceBytes) &&
                  EVP_EncryptInit_ex(encrypt_.get(), cipher, nullptr, key.data(), nullptr) == 1 &&
                  EVP_DecryptInit_ex(decrypt_.get(), cipher, nullptr, key.data(), nullptr) == 1;
  if (!ok) throw sdk::Error(PARLEY_ERR_INTERNAL, "AEAD setup failed");
}

parley_status EvpAead::seal(const Nonce& nonce, const Aad& aad, std::span<std::uint8_t> data,
                            std::span<std::uint8_t> tag) {
  EVP_CIPHER_CTX* ctx = encrypt_.get();
  if (tag.size() != kTagBytes || !fits_int(data.size())) return PARLEY_ERR_INTERNAL;
  int written = 0;
  if (EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce.data()) != 1 ||
      !add_aad(ctx, aad.head, true) || !add_aad(ctx, aad.tail, true)) {
    return PARLEY_ERR_INTERNAL;
  }
  if (!data.empty() && (EVP_EncryptUpdate(ctx, data.data(), &written, data.data(),
                                          static_cast<int>(data.size())) != 1 ||
                        static_cast<std::size_t>(written) != data.size())) {
    return PARLEY_ERR_INTERNAL;
  }
  if (EVP_EncryptFinal_ex(ctx, data.data() + data.size(), &written) != 1 || written != 0 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kTagBytes), tag.data()) !=
          1) {
    return PARLEY_ERR_INTERNAL;
  }
  return PARLEY_OK;
}

parley_status EvpAead::open(const Nonce& nonce, const Aad& aad,
                            std::span<const std::uint8_t> ciphertext,
                            std::span<const std::uint8_t> tag, std::span<std::uint8_t> plaintext) {
  EVP_CIPHER_CTX* ctx = decrypt_.get();
  if (tag.size() != kTagBytes || plaintext.size() != ciphertext.size() ||
      !fits_int(ciphertext.size())) {
    return PARLEY_ERR_INTERNAL;
  }
  // EVP wants a mutable tag, and the tag may sit inside the plaintext's buffer.
  std::array<std::uint8_t, kTagBytes> expected{};
  std::copy(tag.begin(), tag.end(), expected.begin());
  int written = 0;
  if (EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce.data()) != 1 ||
      !add_aad(ctx, aad.head, false) || !add_aad(ctx, aad.tail, false)) {
    return PARLEY_ERR_INTERNAL;
  }
  if (!ciphertext.empty() && (EVP_DecryptUpdate(ctx, plaintext.data(), &written, ciphertext.data(),
                                                static_cast<int>(ciphertext.size())) != 1 ||
                              static_cast<std::size_t>(written) != ciphertext.size())) {
    return PARLEY_ERR_INTERNAL;
  }
  if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kTagBytes),
                          expected.data()) != 1) {
    return PARLEY_ERR_INTERNAL;
  }
  // Final compares the tags (in constant time); 0 means forged or altered.
  if (EVP_DecryptFinal_ex(ctx, plaintext.data() + plaintext.size(), &written) != 1) {
    return PARLEY_ERR_AUTHENTICATION;
  }
  return PARLEY_OK;
}

}  // namespace parley::srtp
