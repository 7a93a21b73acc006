// The header a client puts before each media datagram it sends to a super
// node's relay (docs/calls.md, "Relay"). The super node checks the token
// against the slots of calls it set up, strips the header and forwards the
// rest, unread (it is SRTP, end-to-end protected), to the other side.
//
//   offset  size  field
//   0       2     magic "PR" (0x50 0x52): never a STUN (0x00/0x01) or RTP (0x80..0xBF) first byte
//   2       1     version = 1
//   3       1     reserved, 0
//   4       16    token (RelayGrant.token)
//   20      ...   payload: at most kMaxRelayPayloadBytes
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

namespace parley::overlay {

inline constexpr std::size_t kRelayTokenBytes = 16;
inline constexpr std::size_t kRelayHeaderBytes = 20;
inline constexpr std::size_t kMaxRelayPayloadBytes = 1400;
inline constexpr std::uint8_t kRelayVersion = 1;

using RelayToken = std::array<std::uint8_t, kRelayTokenBytes>;

inline bool looks_like_relay(std::span<const std::uint8_t> datagram) {
  return datagram.size() >= 2 && datagram[0] == 0x50 && datagram[1] == 0x52;
}

inline void write_relay_header(const RelayToken& token, std::span<std::uint8_t, kRelayHeaderBytes> out) {
  out[0] = 0x50;
  out[1] = 0x52;
  out[2] = kRelayVersion;
  out[3] = 0;
  for (std::size_t i = 0; i < kRelayTokenBytes; ++i) out[4 + i] = token[i];
}

struct RelayDatagram {
  RelayToken token{};
  std::span<const std::uint8_t> payload;
};

// Empty for anything that is not a well-formed version-1 relay datagram.
inline std::optional<RelayDatagram> parse_relay_datagram(std::span<const std::uint8_t> datagram) {
  if (datagram.size() <= kRelayHeaderBytes || !looks_like_relay(datagram) ||
      datagram[2] != kRelayVersion || datagram[3] != 0 ||
      datagram.size() - kRelayHeaderBytes > kMaxRelayPayloadBytes) {
    return std::nullopt;
  }
  RelayDatagram parsed;
  for (std::size_t i = 0; i < kRelayTokenBytes; ++i) parsed.token[i] = datagram[4 + i];
  parsed.payload = datagram.subspan(kRelayHeaderBytes);
  return parsed;
}

}  // namespace parley::overlay
