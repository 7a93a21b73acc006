// An SRTP AEAD suite as a Parley cipher: master key and salt in, session keys out
// through the SRTP KDF, packets through the shared Session engine. A plugin
// declares a suite as data and registers parley::sdk::cipher<AeadCipher<kSuite>>.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <string_view>

#include "srtp_session.hpp"

namespace parley::srtp {

struct AeadSuite {
  std::string_view suite_name;  // "AEAD_AES_256_GCM"
  std::uint32_t master_key_bytes;
  const EVP_CIPHER* (*aead)();  // EVP_aes_256_gcm, EVP_chacha20_poly1305, ...
  std::uint64_t max_packets_per_key;
};

// RFC 7714 section 12: a 96-bit master salt and a 16-octet tag for every AEAD suite.
inline constexpr std::uint32_t kMasterSaltBytes = 12;

sdk::CipherInfo cipher_info(const AeadSuite& suite);

// Derives the RTP, RTCP and message keys and salts (labels 0x00/0x02, 0x03/0x05,
// and Parley's message labels) and keys one EvpAead for each.
SessionKeys derive_session_keys(const AeadSuite& suite, std::span<const std::uint8_t> master_key,
                                std::span<const std::uint8_t> master_salt);

template <const AeadSuite& Suite>
struct AeadCipher {
  static sdk::CipherInfo info() { return cipher_info(Suite); }

  class Context : public Session {
   public:
    // Direction is the adapter's to enforce; the engine is the same either way.
    Context(std::span<const std::uint8_t> master_key, std::span<const std::uint8_t> master_salt,
            sdk::CipherDirection /*direction*/)
        : Session(derive_session_keys(Suite, master_key, master_salt), Suite.max_packets_per_key) {}
  };
};

}  // namespace parley::srtp
