// PacketAead over an OpenSSL 3 EVP AEAD with a 12-octet nonce and a 16-octet tag
// (AES-GCM, ChaCha20-Poly1305). The key schedule is set up once; each packet only
// sets its nonce.
#pragma once

#include <openssl/evp.h>

#include <memory>

#include "srtp_session.hpp"

namespace parley::srtp {

class EvpAead final : public PacketAead {
 public:
  static constexpr std::size_t kTagBytes = 16;

  // Throws parley::sdk::Error if OpenSSL refuses the cipher or the key.
  EvpAead(const EVP_CIPHER* cipher, std::span<const std::uint8_t> key);

  [[nodiscard]] std::size_t tag_bytes() const override { return kTagBytes; }
  [[nodiscard]] bool encrypts() const override { return true; }
  parley_status seal(const Nonce& nonce, const Aad& aad, std::span<std::uint8_t> data,
                     std::span<std::uint8_t> tag) override;
  parley_status open(const Nonce& nonce, const Aad& aad, std::span<const std::uint8_t> ciphertext,
                     std::span<const std::uint8_t> tag, std::span<std::uint8_t> plaintext) override;

 private:
  struct CtxDeleter {
    void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
  };
  using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter>;
  Ctx encrypt_;
  Ctx decrypt_;
};

}  // namespace parley::srtp
