#include "call/media_packets.hpp"

namespace parley::call {
namespace {

constexpr std::uint8_t kRtcpApp = 204;
constexpr std::uint8_t kRtcpBye = 203;
constexpr std::array<std::uint8_t, 4> kAppName{'P', 'R', 'L', 'Y'};

void put_u32(std::uint32_t value, std::uint8_t* out) {
  out[0] = static_cast<std::uint8_t>(value >> 24);
  out[1] = static_cast<std::uint8_t>(value >> 16);
  out[2] = static_cast<std::uint8_t>(value >> 8);
  out[3] = static_cast<std::uint8_t>(value);
}

std::uint32_t get_u32(const std::uint8_t* in) {
  return std::uint32_t{in[0]} << 24 | std::uint32_t{in[1]} << 16 | std::uint32_t{in[2]} << 8 |
         in[3];
}

}  // namespace

DatagramKind classify_datagram(std::span<const std::uint8_t> datagram) {
  if (datagram.empty()) return DatagramKind::other;
  const auto first = datagram[0];
  if (first <= 3) return DatagramKind::stun;
  if (first >= 0x80 && first <= 0xBF) {
    if (datagram.size() >= 2 && datagram[1] >= 200 && datagram[1] <= 204) {
      return DatagramKind::rtcp;
    }
    return DatagramKind::rtp;
  }
  return DatagramKind::other;
}

std::vector<std::uint8_t> write_control(const ControlPacket& packet) {
  if (packet.kind == ControlKind::bye) {
    std::vector<std::uint8_t> out(kByePacketBytes);
    out[0] = 0x81;  // V=2, source count 1
    out[1] = kRtcpBye;
    out[2] = 0;
    out[3] = 1;
    put_u32(packet.ssrc, &out[4]);
    return out;
  }
  std::vector<std::uint8_t> out(kAppPacketBytes);
  out[0] = static_cast<std::uint8_t>(0x80 | static_cast<std::uint8_t>(packet.kind));
  out[1] = kRtcpApp;
  out[2] = 0;
  out[3] = kAppPacketBytes / 4 - 1;
  put_u32(packet.ssrc, &out[4]);
  std::copy(kAppName.begin(), kAppName.end(), out.begin() + 8);
  std::copy(packet.id.begin(), packet.id.end(), out.begin() + 12);
  return out;
}

std::optional<ControlPacket> read_control(std::span<const std::uint8_t> packet) {
  if (packet.size() < kByePacketBytes || (packet[0] & 0xC0) != 0x80) return std::nullopt;
  ControlPacket parsed;
  parsed.ssrc = get_u32(&packet[4]);
  if (packet[1] == kRtcpBye) {
    if ((packet[0] & 0x1F) == 0) return std::nullopt;  // a BYE naming no source
    parsed.kind = ControlKind::bye;
    return parsed;
  }
  if (packet[1] != kRtcpApp || packet.size() != kAppPacketBytes || packet[2] != 0 ||
      packet[3] != kAppPacketBytes / 4 - 1 ||
      !std::equal(kAppName.begin(), kAppName.end(), packet.begin() + 8)) {
    return std::nullopt;
  }
  const auto subtype = static_cast<std::uint8_t>(packet[0] & 0x1F);
  if (subtype > static_cast<std::uint8_t>(ControlKind::pong)) return std::nullopt;
  parsed.kind = static_cast<ControlKind>(subtype);
  std::copy(packet.begin() + 12, packet.begin() + 20, parsed.id.begin());
  return parsed;
}

}  // namespace parley::call
