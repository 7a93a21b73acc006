#include <gtest/gtest.h>

#include "media/packetizer.hpp"
#include "media/rtp_unwrap.hpp"

namespace parley::media {
namespace {

TEST(RtpPacketizer, OpusTimestampsRunAt48kHzWhateverTheCodingRate) {
  // RFC 7587 4.1: 20 ms is 960 ticks even when the encoder runs at 16 kHz.
  RtpPacketizer packetizer({111, 7, 100, 5000, 48000, 20});
  EXPECT_EQ(packetizer.timestamp_increment(), 960u);
  std::vector<std::uint8_t> out(64);
  const std::vector<std::uint8_t> payload{1, 2, 3};
  for (int n = 0; n < 3; ++n) {
    const auto size = packetizer.packetize(payload, out);
    const auto view = parse_rtp(std::span(out).first(size));
    ASSERT_TRUE(view.packet);
    EXPECT_EQ(view.packet->header.timestamp, 5000u + 960u * n);
    EXPECT_EQ(view.packet->header.sequence, 100 + n);
    EXPECT_EQ(view.packet->header.marker, n == 0);  // first packet of the talkspurt
    EXPECT_EQ(view.packet->header.ssrc, 7u);
    EXPECT_EQ(view.packet->header.payload_type, 111);
  }
}

TEST(RtpPacketizer, DtxAdvancesTimeNotSequenceAndMarksTheNextTalkspurt) {
  RtpPacketizer packetizer({0, 1, 65535, 0xffffff00u, 8000, 20});
  std::vector<std::uint8_t> out(256);
  const std::vector<std::uint8_t> payload(160, 0xff);
  packetizer.packetize(payload, out);
  packetizer.skip_frame();
  packetizer.skip_frame();
  const auto size = packetizer.packetize(payload, out);
  const auto view = parse_rtp(std::span(out).first(size));
  EXPECT_EQ(view.packet->header.sequence, 0);                       // wrapped, and contiguous
  EXPECT_EQ(view.packet->header.timestamp, 0xffffff00u + 3 * 160);  // wrapped too
  EXPECT_TRUE(view.packet->header.marker);
}

TEST(RtpUnwrapper, ExtendsAcrossWrapsBothWays) {
  RtpUnwrapper<std::uint16_t> unwrap;
  EXPECT_EQ(unwrap.extend(65534), 65534);
  EXPECT_EQ(unwrap.extend(1), 65537);
  EXPECT_EQ(unwrap.extend(65535), 65535);  // a late one from before the wrap
  EXPECT_EQ(unwrap.highest(), 65537);
  RtpUnwrapper<std::uint32_t> timestamps;
  EXPECT_EQ(timestamps.extend(10), 10);
  EXPECT_EQ(timestamps.extend(0xfffffff0u), 10 - 26);  // behind, across zero
}

}  // namespace
}  // namespace parley::media
