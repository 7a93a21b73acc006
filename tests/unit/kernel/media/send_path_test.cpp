#include <gtest/gtest.h>

#include <vector>

#include "fake_codec.hpp"
#include "media/send_path.hpp"

namespace parley::media {
namespace {

using testing::FakeCodec;

std::vector<RtpHeader> headers_of(const std::vector<std::vector<std::uint8_t>>& packets) {
  std::vector<RtpHeader> out;
  for (const auto& p : packets) out.push_back(parse_rtp(p).packet->header);
  return out;
}

TEST(SendPath, OnePacketPerFrameWithRtpClockTimestamps) {
  FakeCodec codec(PARLEY_CODEC_CAP_PLC, 8000, 48000);  // an Opus-like 48 kHz RTP clock
  SendPathConfig config;
  config.capture_rate_hz = 8000;
  config.codec = codec_params(8000, 1, 20);
  config.payload_type = 111;
  config.ssrc = 99;
  config.first_sequence = 10;
  config.first_timestamp = 1000;
  SendPath send(codec.plugin(), config);
  std::vector<std::vector<std::uint8_t>> packets;
  const std::vector<std::int16_t> audio(160 * 10, 500);
  send.push_capture(
      audio, [&](std::span<const std::uint8_t> p) { packets.emplace_back(p.begin(), p.end()); });
  const auto headers = headers_of(packets);
  ASSERT_EQ(headers.size(), 10u);
  for (std::size_t n = 0; n < headers.size(); ++n) {
    EXPECT_EQ(headers[n].sequence, 10 + n);
    EXPECT_EQ(headers[n].timestamp, 1000 + 960 * n);
    EXPECT_EQ(headers[n].payload_type, 111);
    EXPECT_EQ(headers[n].ssrc, 99u);
  }
  EXPECT_EQ(send.stats().packets_sent, 10u);
  EXPECT_EQ(send.stats().payload_bytes, 40u);
}

TEST(SendPath, DtxSendsNothingForSilenceAndMarksTheNextTalkspurt) {
  FakeCodec codec;
  SendPathConfig config;
  config.capture_rate_hz = 8000;
  config.codec = codec_params(8000, 1, 20);
  config.codec.dtx = 1;
  SendPath send(codec.plugin(), config);
  std::vector<std::vector<std::uint8_t>> packets;
  const auto sink = [&](std::span<const std::uint8_t> p) {
    packets.emplace_back(p.begin(), p.end());
  };
  const std::vector<std::int16_t> speech(160, 700), silence(160, 0);
  send.push_capture(speech, sink);
  for (int n = 0; n < 5; ++n) send.push_capture(silence, sink);
  send.push_capture(speech, sink);
  const auto headers = headers_of(packets);
  ASSERT_EQ(headers.size(), 2u);
  EXPECT_EQ(headers[1].sequence, headers[0].sequence + 1);
  EXPECT_EQ(headers[1].timestamp, headers[0].timestamp + 6 * 160);
  EXPECT_TRUE(headers[1].marker);
  EXPECT_EQ(send.stats().frames_dtx, 5u);
}

TEST(SendPath, ResamplesTheCaptureRateToTheCodecs) {
  FakeCodec codec;
  SendPathConfig config;
  config.capture_rate_hz = 48000;
  config.codec = codec_params(8000, 1, 20);
  SendPath send(codec.plugin(), config);
  std::size_t packets = 0;
  const std::vector<std::int16_t> frame(960, 300);  // 20 ms at 48 kHz
  for (int n = 0; n < 100; ++n) send.push_capture(frame, [&](auto) { ++packets; });
  // The resampler's filter delay holds back a fraction of a frame.
  EXPECT_GE(packets, 99u);
  EXPECT_LE(packets, 100u);
  EXPECT_TRUE(send.stats().resampling);
}

TEST(SendPath, ProcessingCanBeSwitchedDuringACall) {
  FakeCodec codec;
  SendPathConfig config;
  config.capture_rate_hz = 8000;
  config.codec = codec_params(8000, 1, 20);
  SendPath send(codec.plugin(), config);
  const std::vector<std::int16_t> frame(160, 300);
  send.push_capture(frame, [](auto) {});
  EXPECT_EQ(send.stats().processing.frames_processed, 0u);  // off: untouched
  send.processing()->set_noise_suppression(true);
  send.processing()->set_echo_cancellation(true);
  send.push_playback_reference(frame);
  send.push_capture(frame, [](auto) {});
  const auto stats = send.stats().processing;
  EXPECT_EQ(stats.frames_processed, 1u);
  EXPECT_TRUE(stats.noise_suppression);
  EXPECT_TRUE(stats.echo_cancellation);
  EXPECT_EQ(stats.frames_without_reference, 0u);
}

}  // namespace
}  // namespace parley::media
