#include "srtp_kdf.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <memory>
#include <vector>

#include "parley/sdk/plugin.hpp"

namespace parley::srtp {
namespace {

constexpr std::size_t kPrfSaltBytes = 14;      // 112-bit x of RFC 3711 section 4.3.1
constexpr std::size_t kLabelOffset = 7;        // key_id = label || r(48 bits), right-aligned
constexpr std::size_t kMaxDerivedBytes = 256;  // far above any session key or salt

const EVP_CIPHER* prf_for(std::size_t key_bytes) {
  switch (key_bytes) {
    case 16: return EVP_aes_128_ctr();
    case 24: return EVP_aes_192_ctr();
    case 32: return EVP_aes_256_ctr();
    default: return nullptr;
  }
}

struct CtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};

}  // namespace

void derive_session_key(std::span<const std::uint8_t> master_key,
                        std::span<const std::uint8_t> master_salt, KdfLabel label,
                        std::span<std::uint8_t> out) {
  const EVP_CIPHER* prf = prf_for(master_key.size());
  if (prf == nullptr || master_salt.size() > kPrfSaltBytes || out.size() > kMaxDerivedBytes) {
    throw sdk::Error(PARLEY_ERR_INVALID_ARGUMENT, "SRTP KDF: unsupported key or salt size");
  }
  // IV = x * 2^16, x = key_id XOR master_salt (RFC 3711 sections 4.3.1 and 4.3.3).
  std::array<std::uint8_t, 16> iv{};
  std::copy(master_salt.begin(), master_salt.end(), iv.begin());
  iv[kLabelOffset] ^= static_cast<std::uint8_t>(label);

  // The PRF output is the AES-CM keystream: encrypt zeros.
  const std::vector<std::uint8_t> zeros(out.size(), 0);
  std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter> ctx(EVP_CIPHER_CTX_new());
  int written = 0;
  const bool ok = ctx != nullptr &&
                  EVP_EncryptInit_ex(ctx.get(), prf, nullptr, master_key.data(), iv.data()) == 1 &&
                  EVP_EncryptUpdate(ctx.get(), out.data(), &written, zeros.data(),
                                    static_cast<int>(zeros.size())) == 1 &&
                  static_cast<std::size_t>(written) == out.size();
  if (!ok) {
    OPENSSL_cleanse(out.data(), out.size());
    throw sdk::Error(PARLEY_ERR_INTERNAL, "SRTP KDF: AES-CM failed");
  }
}

}  // namespace parley::srtp
