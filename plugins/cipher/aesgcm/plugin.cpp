// cipher-aesgcm: SRTP with AEAD_AES_256_GCM and AEAD_AES_128_GCM, exactly as
// RFC 7714 specifies them (packet formats, nonces, KDF), so any RFC 7714 peer
// such as libsrtp reads our packets and we read theirs.
#include "aead_suite.hpp"

namespace {

using parley::srtp::AeadCipher;
using parley::srtp::AeadSuite;

// Key-usage limit, per session key: 2^28 packets. RFC 7714 section 12 caps SRTP
// at 2^48 packets (the index space) and SRTCP at 2^31, but GCM's confidentiality
// bound falls well before that: with q packets of up to 94 blocks (1500-octet
// MTU) the distinguishing advantage is about (95 q)^2 / 2^129, so q = 2^28 keeps
// it near 2^-60, the margin TLS 1.3 keeps for AES-GCM (RFC 8446 section 5.5;
// draft-irtf-cfrg-aead-limits). That is 62 days of 20 ms audio, or 3 days of
// 1000 packet/s video, before the kernel must rekey.
constexpr std::uint64_t kGcmPacketsPerKey = std::uint64_t{1} << 28;

constexpr AeadSuite kAes256Gcm{"AEAD_AES_256_GCM", 32, &EVP_aes_256_gcm, kGcmPacketsPerKey};
constexpr AeadSuite kAes128Gcm{"AEAD_AES_128_GCM", 16, &EVP_aes_128_gcm, kGcmPacketsPerKey};

constexpr parley::sdk::PluginInfo kInfo{
    .id = "org.parley.cipher.aesgcm",
    .display_name = "SRTP AES-GCM (RFC 7714)",
    .version = "1.0.0",
    .license = "LGPL-2.1-or-later",
    .description = "AEAD_AES_256_GCM and AEAD_AES_128_GCM for media and messages, OpenSSL",
};

}  // namespace

// AES-256 first: the architecture's default suite; both use AES-NI where present.
PARLEY_PLUGIN(kInfo, parley::sdk::cipher<AeadCipher<kAes256Gcm>>("aes-256-gcm", 100),
              parley::sdk::cipher<AeadCipher<kAes128Gcm>>("aes-128-gcm", 90))
