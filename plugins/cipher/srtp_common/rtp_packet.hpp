// What SRTP needs to read from RTP and RTCP packets, read defensively: every
// length a packet claims is checked against the bytes it actually has, because
// an unprotect call sees attacker-controlled bytes before anything is verified.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace parley::srtp {

inline std::uint16_t load_be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
inline std::uint32_t load_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}
inline void store_be32(std::uint8_t* p, std::uint32_t value) {
  p[0] = static_cast<std::uint8_t>(value >> 24);
  p[1] = static_cast<std::uint8_t>(value >> 16);
  p[2] = static_cast<std::uint8_t>(value >> 8);
  p[3] = static_cast<std::uint8_t>(value);
}

inline constexpr std::size_t kRtpFixedHeaderBytes = 12;
inline constexpr std::size_t kRtcpHeaderBytes = 8;  // V/P/count, PT, length, sender SSRC

struct RtpHeader {
  std::size_t size = 0;  // fixed header + CSRC list + extension: SRTP's associated data
  std::uint16_t sequence = 0;
  std::uint32_t ssrc = 0;
  bool padded = false;
};

// RFC 3550 sections 5.1 and 5.3.1. nullopt: not a version-2 RTP header that fits in packet.
std::optional<RtpHeader> parse_rtp_header(std::span<const std::uint8_t> packet);

// With the P bit set, the payload's last octet counts the padding octets, itself
// included; the count must be at least 1 and stay inside the payload.
bool rtp_padding_valid(std::span<const std::uint8_t> payload);

// The first header of an RTCP compound (RFC 3550 section 6.4): version 2 and a
// packet type in the RTCP range 192..223 (RFC 5761 section 4); nullopt otherwise.
// The rest of the compound is left to RTCP: SRTCP protects bytes, and even RFC
// 7714's own test packet has a length field that does not match its size.
std::optional<std::uint32_t> parse_rtcp_sender_ssrc(std::span<const std::uint8_t> packet);

}  // namespace parley::srtp
