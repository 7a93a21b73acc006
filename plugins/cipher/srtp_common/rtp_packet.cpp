#include "rtp_packet.hpp"

namespace parley::srtp {
namespace {

constexpr std::uint8_t kVersionMask = 0xc0;
constexpr std::uint8_t kVersion2 = 0x80;
constexpr std::uint8_t kPaddingBit = 0x20;
constexpr std::uint8_t kExtensionBit = 0x10;
constexpr std::uint8_t kCsrcCountMask = 0x0f;

}  // namespace

std::optional<RtpHeader> parse_rtp_header(std::span<const std::uint8_t> packet) {
  if (packet.size() < kRtpFixedHeaderBytes) return std::nullopt;
  const std::uint8_t first = packet[0];
  if ((first & kVersionMask) != kVersion2) return std::nullopt;

  RtpHeader header;
  header.size = kRtpFixedHeaderBytes + 4 * static_cast<std::size_t>(first & kCsrcCountMask);
  if (header.size > packet.size()) return std::nullopt;
  if ((first & kExtensionBit) != 0) {
    // 16-bit profile word, 16-bit length in 32-bit words, then the extension itself.
    if (packet.size() - header.size < 4) return std::nullopt;
    const std::size_t words = load_be16(packet.data() + header.size + 2);
    header.size += 4;
    if (words * 4 > packet.size() - header.size) return std::nullopt;
    header.size += words * 4;
  }
  header.sequence = load_be16(packet.data() + 2);
  header.ssrc = load_be32(packet.data() + 8);
  header.padded = (first & kPaddingBit) != 0;
  return header;
}

bool rtp_padding_valid(std::span<const std::uint8_t> payload) {
  if (payload.empty()) return false;
  const std::size_t count = payload.back();
  return count >= 1 && count <= payload.size();
}

std::optional<std::uint32_t> parse_rtcp_sender_ssrc(std::span<const std::uint8_t> packet) {
  if (packet.size() < kRtcpHeaderBytes) return std::nullopt;
  if ((packet[0] & kVersionMask) != kVersion2) return std::nullopt;
  if (packet[1] < 192 || packet[1] > 223) return std::nullopt;
  return load_be32(packet.data() + 4);
}

}  // namespace parley::srtp
