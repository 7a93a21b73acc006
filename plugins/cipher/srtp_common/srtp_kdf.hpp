// SRTP key derivation (RFC 3711 section 4.3) with the AES-CM PRF (section 4.3.3;
// AES-256 per RFC 6188 section 3), as RFC 7714 section 11 requires of the AEAD
// suites. The key derivation rate is 0, the only one DTLS-SRTP and RFC 7714 use:
// r = index DIV kdr is then always 0, so each key is derived once per master key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace parley::srtp {

enum class KdfLabel : std::uint8_t {
  rtp_encryption = 0x00,
  rtp_salt = 0x02,
  rtcp_encryption = 0x03,
  rtcp_salt = 0x05,
  // Parley's own: seal/open get a key of their own, so no message nonce can meet
  // an RTP or RTCP nonce under one key. Far from the IETF's 0x00..0x07 (RFC 3711,
  // RFC 6904).
  message_encryption = 0xf0,
  message_salt = 0xf1,
};

// Up to 14 master-salt octets, left-aligned in the PRF's 112-bit x: a 12-octet
// RFC 7714 master salt is followed by two zero octets, which is also what libsrtp
// does, so keys agree with every libsrtp peer. The master key picks AES-128,
// -192 or -256. Throws parley::sdk::Error on sizes the PRF cannot take.
void derive_session_key(std::span<const std::uint8_t> master_key,
                        std::span<const std::uint8_t> master_salt, KdfLabel label,
                        std::span<std::uint8_t> out);

}  // namespace parley::srtp
