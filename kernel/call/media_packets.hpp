// What arrives on a call's media socket, told apart by its first bytes
// (RFC 7983's demultiplexing): STUN starts 0x00-0x03, RTP and RTCP
// 0x80-0xBF, RTCP having a packet type of 200-204 in byte 1 (with the marker
// bit, RTP payload types 72-76 would collide; Parley sends 0-34 and 96-127).
// And the control packets Parley sends inside SRTCP: connectivity checks,
// pings (RTCP APP, name "PRLY") and BYE.
//
// APP packet, 20 bytes before protection:
//   0   V=2 P=0 subtype(5)   1  PT=204   2  length=4 (words - 1)
//   4   SSRC                 8  "PRLY"   12 id (8 bytes)
// subtype: 0 check request, 1 check response (echoes the id), 2 ping, 3 pong.
// BYE, 8 bytes: V=2 SC=1 | PT=203 | length=1 | SSRC.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace parley::call {

enum class DatagramKind { stun, rtp, rtcp, other };
DatagramKind classify_datagram(std::span<const std::uint8_t> datagram);

using ControlId = std::array<std::uint8_t, 8>;

enum class ControlKind : std::uint8_t {
  check_request = 0,
  check_response = 1,
  ping = 2,
  pong = 3,
  bye = 4,  // not an APP subtype: an RTCP BYE
};

struct ControlPacket {
  ControlKind kind = ControlKind::check_request;
  std::uint32_t ssrc = 0;
  ControlId id{};
};

inline constexpr std::size_t kAppPacketBytes = 20;
inline constexpr std::size_t kByePacketBytes = 8;

// The plain (unprotected) packet.
std::vector<std::uint8_t> write_control(const ControlPacket& packet);
// Of a deciphered RTCP packet; empty for anything else (other RTCP is ignored).
std::optional<ControlPacket> read_control(std::span<const std::uint8_t> packet);

}  // namespace parley::call
