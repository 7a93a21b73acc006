// The demultiplexing of media datagrams and Parley's RTCP control packets.
#include "call/media_packets.hpp"

#include <gtest/gtest.h>

namespace parley::call {
namespace {

TEST(CallMediaPackets, ClassifiesByFirstBytes) {
  EXPECT_EQ(classify_datagram(std::vector<std::uint8_t>{0x00, 0x01}), DatagramKind::stun);
  EXPECT_EQ(classify_datagram(std::vector<std::uint8_t>{0x01, 0x01}), DatagramKind::stun);
  EXPECT_EQ(classify_datagram(std::vector<std::uint8_t>{0x80, 96}), DatagramKind::rtp);
  EXPECT_EQ(classify_datagram(std::vector<std::uint8_t>{0x80, 96 | 0x80}), DatagramKind::rtp);
  EXPECT_EQ(classify_datagram(std::vector<std::uint8_t>{0x80, 200}), DatagramKind::rtcp);
  EXPECT_EQ(classify_datagram(std::vector<std::uint8_t>{0x81, 204}), DatagramKind::rtcp);
  EXPECT_EQ(classify_datagram(std::vector<std::uint8_t>{0x50, 0x52}), DatagramKind::other);
  EXPECT_EQ(classify_datagram(std::vector<std::uint8_t>{}), DatagramKind::other);
}

TEST(CallMediaPackets, ControlPacketsRoundTrip) {
  for (const auto kind : {ControlKind::check_request, ControlKind::check_response,
                          ControlKind::ping, ControlKind::pong, ControlKind::bye}) {
    ControlPacket packet{kind, 0x01020304, {1, 2, 3, 4, 5, 6, 7, 8}};
    const auto wire = write_control(packet);
    EXPECT_EQ(classify_datagram(wire), DatagramKind::rtcp);
    const auto read = read_control(wire);
    ASSERT_TRUE(read);
    EXPECT_EQ(read->kind, kind);
    EXPECT_EQ(read->ssrc, 0x01020304u);
    if (kind != ControlKind::bye) {
      EXPECT_EQ(read->id, packet.id);
    }
  }
}

TEST(CallMediaPackets, ForeignRtcpIsNotControl) {
  auto app = write_control({ControlKind::check_request, 1, {}});
  app[8] = 'X';  // another application's APP packet
  EXPECT_FALSE(read_control(app));
  auto subtype = write_control({ControlKind::check_request, 1, {}});
  subtype[0] = 0x80 | 9;
  EXPECT_FALSE(read_control(subtype));
  EXPECT_FALSE(read_control(std::vector<std::uint8_t>{0x80, 201, 0, 1, 0, 0, 0, 1}));  // RR
  EXPECT_FALSE(read_control(std::vector<std::uint8_t>{0x80, 204}));                    // short
}

}  // namespace
}  // namespace parley::call
