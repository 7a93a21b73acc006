#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "media/rtp_packet.hpp"

namespace parley::media {
namespace {

TEST(RtpPacket, WriteThenParseRoundTrips) {
  const std::vector<std::uint8_t> payload{1, 2, 3, 4, 5};
  RtpHeader header{111, true, 65535, 0xdeadbeef, 0x01020304};
  std::vector<std::uint8_t> packet(64);
  const auto size = write_rtp(header, payload, packet);
  ASSERT_EQ(size, kRtpFixedHeaderBytes + payload.size());
  const auto parsed = parse_rtp(std::span(packet.data(), size));
  ASSERT_TRUE(parsed.packet);
  EXPECT_EQ(parsed.packet->header.payload_type, 111);
  EXPECT_TRUE(parsed.packet->header.marker);
  EXPECT_EQ(parsed.packet->header.sequence, 65535);
  EXPECT_EQ(parsed.packet->header.timestamp, 0xdeadbeefu);
  EXPECT_EQ(parsed.packet->header.ssrc, 0x01020304u);
  EXPECT_TRUE(std::equal(payload.begin(), payload.end(), parsed.packet->payload.begin(),
                         parsed.packet->payload.end()));
}

TEST(RtpPacket, WriteRefusesASmallBuffer) {
  std::vector<std::uint8_t> tiny(kRtpFixedHeaderBytes);
  const std::vector<std::uint8_t> payload{1};
  EXPECT_EQ(write_rtp({}, payload, tiny), 0u);
}

TEST(RtpPacket, SkipsCsrcsExtensionAndPadding) {
  // V=2 P=1 X=1 CC=2, PT 0; two CSRCs; extension of one word; payload "ab"; 2 bytes padding.
  std::vector<std::uint8_t> packet{0xb2, 0x00, 0, 1, 0, 0, 0, 2,  0, 0, 0, 3,  // fixed header
                                   0,    0,    0, 9, 0, 0, 0, 10,              // CSRCs
                                   0xbe, 0xde, 0, 1, 7, 7, 7, 7,               // extension
                                   'a',  'b',  0, 2};                          // payload + padding
  const auto parsed = parse_rtp(packet);
  ASSERT_TRUE(parsed.packet) << describe(parsed.error);
  ASSERT_EQ(parsed.packet->payload.size(), 2u);
  EXPECT_EQ(parsed.packet->payload[0], 'a');
}

TEST(RtpPacket, RefusesEachMalformation) {
  EXPECT_EQ(parse_rtp(std::vector<std::uint8_t>(11, 0x80)).error, RtpError::too_short);
  std::vector<std::uint8_t> v1(12, 0);
  v1[0] = 0x40;
  EXPECT_EQ(parse_rtp(v1).error, RtpError::bad_version);
  std::vector<std::uint8_t> csrc(12, 0);
  csrc[0] = 0x8f;  // 15 CSRCs, none present
  EXPECT_EQ(parse_rtp(csrc).error, RtpError::csrc_overflow);
  std::vector<std::uint8_t> ext{0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde, 0xff, 0xff};
  EXPECT_EQ(parse_rtp(ext).error, RtpError::extension_overflow);
  std::vector<std::uint8_t> pad(13, 0);
  pad[0] = 0xa0;
  pad[12] = 200;
  EXPECT_EQ(parse_rtp(pad).error, RtpError::bad_padding);
  pad[12] = 0;  // a zero padding count is invalid too
  EXPECT_EQ(parse_rtp(pad).error, RtpError::bad_padding);
}

TEST(RtpPacket, RandomBytesNeverReadOutOfBounds) {
  std::mt19937 random(3);
  for (int i = 0; i < 20000; ++i) {
    std::vector<std::uint8_t> bytes(random() % 64);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(random());
    if (!bytes.empty()) bytes[0] = static_cast<std::uint8_t>(0x80 | (bytes[0] & 0x3f));
    const auto parsed = parse_rtp(bytes);
    if (parsed.packet) {
      EXPECT_GE(parsed.packet->payload.data(), bytes.data());
      EXPECT_LE(parsed.packet->payload.data() + parsed.packet->payload.size(),
                bytes.data() + bytes.size());
    }
  }
}

}  // namespace
}  // namespace parley::media
