// RTP fixed header (RFC 3550 section 5.1): writing ours, and reading anyone's
// defensively. Header extensions and CSRCs are skipped on read, never trusted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace parley::media {

inline constexpr std::size_t kRtpFixedHeaderBytes = 12;

struct RtpHeader {
  std::uint8_t payload_type = 0;  // 7 bits
  bool marker = false;
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
};

struct RtpView {
  RtpHeader header;
  std::span<const std::uint8_t> payload;  // padding removed
};

// Writes header + payload into out; returns the packet size, or 0 when out is too small.
std::size_t write_rtp(const RtpHeader& header, std::span<const std::uint8_t> payload,
                      std::span<std::uint8_t> out);

// Why a packet was not accepted as RTP.
enum class RtpError { too_short, bad_version, csrc_overflow, extension_overflow, bad_padding };
std::string describe(RtpError error);

struct RtpParseResult {
  std::optional<RtpView> packet;
  RtpError error{};
};
RtpParseResult parse_rtp(std::span<const std::uint8_t> packet);

}  // namespace parley::media
