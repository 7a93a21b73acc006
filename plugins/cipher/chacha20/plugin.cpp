// cipher-chacha20: SRTP with ChaCha20-Poly1305.
//
// No RFC defines a ChaCha20-Poly1305 suite for SRTP. This one mirrors RFC 7714
// field for field, changing only the AEAD: the same packet formats (RTP header as
// AAD, 16-octet tag after the payload; SRTCP header and E-flag/index word as AAD),
// the same 12-octet nonces (salt XOR SSRC/ROC/SEQ, salt XOR SSRC/SRTCP index),
// the same KDF (RFC 3711 AES-CM PRF with the 256-bit master key, AES_256_CM_PRF
// of RFC 6188, as RFC 7714 uses for AEAD_AES_256_GCM) with a 12-octet master salt.
// It exists to show that the suite is negotiable, and for CPUs without AES
// instructions. Only Parley peers speak it.
#include "aead_suite.hpp"

namespace {

using parley::srtp::AeadCipher;
using parley::srtp::AeadSuite;

// ChaCha20 is a PRF, so it has no birthday bound on the data one key protects
// (RFC 8446 section 5.5 sets none for it): the limit is the SRTP index space of
// RFC 3711 section 9.2, 2^48 packets (SRTCP stops at its own 2^31).
constexpr std::uint64_t kPacketsPerKey = std::uint64_t{1} << 48;

constexpr AeadSuite kChaCha20Poly1305{"PARLEY_AEAD_CHACHA20_POLY1305", 32, &EVP_chacha20_poly1305,
                                      kPacketsPerKey};

constexpr parley::sdk::PluginInfo kInfo{
    .id = "org.parley.cipher.chacha20",
    .display_name = "SRTP ChaCha20-Poly1305",
    .version = "1.0.0",
    .license = "LGPL-2.1-or-later",
    .description = "ChaCha20-Poly1305 in RFC 7714's SRTP packet format (Parley peers only)",
};

}  // namespace

// Below AES-GCM: standard suites first; this one wins only where both peers prefer it.
PARLEY_PLUGIN(kInfo, parley::sdk::cipher<AeadCipher<kChaCha20Poly1305>>("chacha20-poly1305", 50))
