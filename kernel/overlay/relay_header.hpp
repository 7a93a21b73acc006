// The header a client puts before each media datagram it sends to a super
// node's relay, and the relay's latch handshake (docs/calls.md, "Relay"). The
// super node checks the token against the slots of calls it set up, strips
// the header and forwards the rest, unread (it is SRTP, end-to-end
// protected), to the other side.
//
//   offset  size  field
//   0       2     magic "PR" (0x50 0x52): never a STUN (0x00/0x01) or RTP (0x80..0xBF) first byte
//   2       1     version = 1
//   3       1     kind: 0 data, 1 latch challenge (relay -> client), 2 latch response (client ->
//   relay) 4       16    token (RelayGrant.token) 20      ...   data: the payload, at most
//   kMaxRelayPayloadBytes;
//                 challenge and response: a 16-byte cookie
//
// Latching (return routability): the relay forwards to, and accepts data
// from, a side's address only after that address proved it receives there.
// A datagram with a token from an address not latched for it is answered
// with a challenge carrying a cookie bound to (token, address, time); the
// client echoes the cookie in a response from the same address, and only
// then is the address latched. So a spoofed source can never be made the
// target of relayed traffic (no reflection), and the relay is never open.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

namespace parley::overlay {

inline constexpr std::size_t kRelayTokenBytes = 16;
inline constexpr std::size_t kRelayHeaderBytes = 20;
inline constexpr std::size_t kRelayCookieBytes = 16;
inline constexpr std::size_t kMaxRelayPayloadBytes = 1400;
inline constexpr std::uint8_t kRelayVersion = 1;

enum class RelayKind : std::uint8_t { data = 0, latch_challenge = 1, latch_response = 2 };

using RelayToken = std::array<std::uint8_t, kRelayTokenBytes>;
using RelayCookie = std::array<std::uint8_t, kRelayCookieBytes>;

inline bool looks_like_relay(std::span<const std::uint8_t> datagram) {
  return datagram.size() >= 2 && datagram[0] == 0x50 && datagram[1] == 0x52;
}

inline void write_relay_header(const RelayToken& token,
                               std::span<std::uint8_t, kRelayHeaderBytes> out,
                               RelayKind kind = RelayKind::data) {
  out[0] = 0x50;
  out[1] = 0x52;
  out[2] = kRelayVersion;
  out[3] = static_cast<std::uint8_t>(kind);
  for (std::size_t i = 0; i < kRelayTokenBytes; ++i) out[4 + i] = token[i];
}

struct RelayDatagram {
  RelayKind kind = RelayKind::data;
  RelayToken token{};
  std::span<const std::uint8_t> payload;  // data: the payload; challenge/response: the cookie
};

// Empty for anything that is not a well-formed version-1 relay datagram
// (unknown kind, empty data, a cookie of the wrong size, oversized data).
inline std::optional<RelayDatagram> parse_relay_datagram(std::span<const std::uint8_t> datagram) {
  if (datagram.size() <= kRelayHeaderBytes || !looks_like_relay(datagram) ||
      datagram[2] != kRelayVersion || datagram[3] > 2) {
    return std::nullopt;
  }
  RelayDatagram parsed;
  parsed.kind = static_cast<RelayKind>(datagram[3]);
  for (std::size_t i = 0; i < kRelayTokenBytes; ++i) parsed.token[i] = datagram[4 + i];
  parsed.payload = datagram.subspan(kRelayHeaderBytes);
  const auto size = parsed.payload.size();
  if (parsed.kind == RelayKind::data ? size > kMaxRelayPayloadBytes : size != kRelayCookieBytes) {
    return std::nullopt;
  }
  return parsed;
}

// A challenge or response datagram: header of that kind, then the cookie.
inline std::array<std::uint8_t, kRelayHeaderBytes + kRelayCookieBytes> make_latch_datagram(
    RelayKind kind, const RelayToken& token, const RelayCookie& cookie) {
  std::array<std::uint8_t, kRelayHeaderBytes + kRelayCookieBytes> out{};
  write_relay_header(token, std::span(out).first<kRelayHeaderBytes>(), kind);
  for (std::size_t i = 0; i < kRelayCookieBytes; ++i) out[kRelayHeaderBytes + i] = cookie[i];
  return out;
}

}  // namespace parley::overlay
