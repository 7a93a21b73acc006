#include "media/rtp_packet.hpp"

namespace parley::media {
namespace {

std::uint16_t read16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}
std::uint32_t read32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}
void write16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
void write32(std::uint8_t* p, std::uint32_t v) {
  write16(p, static_cast<std::uint16_t>(v >> 16));
  write16(p + 2, static_cast<std::uint16_t>(v));
}

}  // namespace

std::size_t write_rtp(const RtpHeader& header, std::span<const std::uint8_t> payload,
                      std::span<std::uint8_t> out) {
  const std::size_t size = kRtpFixedHeaderBytes + payload.size();
  if (out.size() < size) return 0;
  out[0] = 0x80;  // version 2, no padding, no extension, no CSRCs
  out[1] = static_cast<std::uint8_t>((header.marker ? 0x80 : 0) | (header.payload_type & 0x7f));
  write16(&out[2], header.sequence);
  write32(&out[4], header.timestamp);
  write32(&out[8], header.ssrc);
  std::copy(payload.begin(), payload.end(), out.begin() + kRtpFixedHeaderBytes);
  return size;
}

std::string describe(RtpError error) {
  switch (error) {
    case RtpError::too_short: return "shorter than an RTP header";
    case RtpError::bad_version: return "not RTP version 2";
    case RtpError::csrc_overflow: return "CSRC list runs past the packet";
    case RtpError::extension_overflow: return "header extension runs past the packet";
    case RtpError::bad_padding: return "padding length exceeds the payload";
  }
  return "malformed";
}

RtpParseResult parse_rtp(std::span<const std::uint8_t> packet) {
  if (packet.size() < kRtpFixedHeaderBytes) return {std::nullopt, RtpError::too_short};
  const std::uint8_t* p = packet.data();
  if ((p[0] >> 6) != 2) return {std::nullopt, RtpError::bad_version};
  const bool padding = (p[0] & 0x20) != 0;
  const bool extension = (p[0] & 0x10) != 0;
  const std::size_t csrc_count = p[0] & 0x0f;
  std::size_t offset = kRtpFixedHeaderBytes + 4 * csrc_count;
  if (offset > packet.size()) return {std::nullopt, RtpError::csrc_overflow};
  if (extension) {
    if (offset + 4 > packet.size()) return {std::nullopt, RtpError::extension_overflow};
    const std::size_t words = read16(p + offset + 2);
    offset += 4 + 4 * words;
    if (offset > packet.size()) return {std::nullopt, RtpError::extension_overflow};
  }
  std::size_t end = packet.size();
  if (padding) {
    const std::size_t pad = p[end - 1];
    if (pad == 0 || pad > end - offset) return {std::nullopt, RtpError::bad_padding};
    end -= pad;
  }
  RtpView view;
  view.header.marker = (p[1] & 0x80) != 0;
  view.header.payload_type = p[1] & 0x7f;
  view.header.sequence = read16(p + 2);
  view.header.timestamp = read32(p + 4);
  view.header.ssrc = read32(p + 8);
  view.payload = packet.subspan(offset, end - offset);
  return {view, {}};
}

}  // namespace parley::media
