// RTP packetization on the send side (RFC 3550 5.1, RFC 3551 4.1): one
// encoded frame per packet, timestamps in the codec's RTP clock (Opus: 48 kHz
// whatever its coding rate, RFC 7587 4.1), the marker bit on the first packet
// of each talkspurt.
#pragma once

#include <cstdint>
#include <span>

#include "media/rtp_packet.hpp"

namespace parley::media {

struct PacketizerConfig {
  std::uint8_t payload_type = 0;
  std::uint32_t ssrc = 0;
  std::uint16_t first_sequence = 0;  // random in a call (RFC 3550 5.1); fixed in the lab
  std::uint32_t first_timestamp = 0;
  std::uint32_t rtp_clock_rate_hz = 8000;
  std::uint32_t frame_duration_ms = 20;
};

class RtpPacketizer {
 public:
  explicit RtpPacketizer(const PacketizerConfig& config);

  // Writes the packet carrying the next frame; returns its size (0 when out is
  // too small: the frame is then skipped, as if lost).
  std::size_t packetize(std::span<const std::uint8_t> payload, std::span<std::uint8_t> out);
  // The encoder had nothing to send (DTX): time advances, the sequence does not.
  void skip_frame();
  [[nodiscard]] std::uint32_t timestamp_increment() const { return timestamp_increment_; }
  [[nodiscard]] std::uint16_t next_sequence() const { return header_.sequence; }

 private:
  RtpHeader header_;
  std::uint32_t timestamp_increment_;
  bool talkspurt_start_ = true;
};

}  // namespace parley::media
