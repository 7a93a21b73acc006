#include "media/packetizer.hpp"

#include <stdexcept>

namespace parley::media {

RtpPacketizer::RtpPacketizer(const PacketizerConfig& config)
    : timestamp_increment_(config.rtp_clock_rate_hz * config.frame_duration_ms / 1000) {
  if (timestamp_increment_ == 0)
    throw std::invalid_argument("packetizer: frame shorter than one RTP tick");
  if (config.payload_type > 127) throw std::invalid_argument("packetizer: payload type above 127");
  header_.payload_type = config.payload_type;
  header_.ssrc = config.ssrc;
  header_.sequence = config.first_sequence;
  header_.timestamp = config.first_timestamp;
}

std::size_t RtpPacketizer::packetize(std::span<const std::uint8_t> payload,
                                     std::span<std::uint8_t> out) {
  header_.marker = talkspurt_start_;
  const std::size_t size = write_rtp(header_, payload, out);
  if (size != 0) {
    ++header_.sequence;
    talkspurt_start_ = false;
  }
  header_.timestamp += timestamp_increment_;
  return size;
}

void RtpPacketizer::skip_frame() {
  header_.timestamp += timestamp_increment_;
  talkspurt_start_ = true;
}

}  // namespace parley::media
