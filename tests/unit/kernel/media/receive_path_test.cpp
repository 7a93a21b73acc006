// Send path -> (scripted network) -> receive path, with the fake codec whose
// PCM says which frame was played and how.
#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "fake_codec.hpp"
#include "media/media_clock.hpp"
#include "media/receive_path.hpp"
#include "media/seeded_random.hpp"
#include "media/send_path.hpp"

namespace parley::media {
namespace {

using std::chrono::milliseconds;
using testing::FakeCodec;

struct Call {
  std::vector<std::int16_t> first_samples;  // of each pulled frame
  ReceivePathStats stats;
};

// frames of non-silent audio, each packet delivered 5 ms after sending unless dropped.
Call run_call(const FakeCodec& codec, int frames, bool fec, std::function<bool(int)> dropped,
              std::uint32_t playback_rate_hz = 8000) {
  SendPathConfig send_config;
  send_config.capture_rate_hz = 8000;
  send_config.codec = codec_params(8000, 1, 20);
  send_config.codec.fec = fec ? 1 : 0;
  SendPath send(codec.plugin(), send_config);
  std::vector<std::vector<std::uint8_t>> packets;
  const std::vector<std::int16_t> tone(160, 1000);
  for (int n = 0; n < frames; ++n) {
    send.push_capture(
        tone, [&](std::span<const std::uint8_t> p) { packets.emplace_back(p.begin(), p.end()); });
  }
  ReceivePathConfig receive_config;
  receive_config.playback_rate_hz = playback_rate_hz;
  receive_config.codec = send_config.codec;
  receive_config.jitter.initial_delay_ms = 20;  // start near where it will settle
  ReceivePath receive(codec.plugin(), receive_config);
  Call call;
  // Pull until the last frame is played: pulls after the stream ends conceal
  // (and count) frames nobody sent yet.
  for (int n = 0; n < frames + 1; ++n) {
    const MediaTime now = milliseconds(20 * n + 5);
    if (n < frames && !dropped(n)) receive.push_packet(packets[static_cast<std::size_t>(n)], now);
    const auto frame = receive.pull_frame(now);
    EXPECT_EQ(frame.size(), playback_rate_hz / 50);
    call.first_samples.push_back(frame[0]);
  }
  call.stats = receive.stats();
  return call;
}

TEST(ReceivePath, PlaysEveryFrameInOrder) {
  FakeCodec codec;
  const auto call = run_call(codec, 100, false, [](int) { return false; });
  std::vector<std::int16_t> played;
  for (auto s : call.first_samples) {
    if (s > 0) played.push_back(s);
  }
  ASSERT_GE(played.size(), 98u);
  for (std::size_t i = 1; i < played.size(); ++i) EXPECT_EQ(played[i], played[i - 1] + 1);
  EXPECT_EQ(call.stats.jitter.frames_concealed, 0u);
}

TEST(ReceivePath, RecoversALostFrameFromTheNextPacketsFec) {
  FakeCodec codec;
  const auto call = run_call(codec, 100, true, [](int n) { return n == 50; });
  // Frame 50 is rebuilt from packet 51's FEC data: the fake marks it -(50 + 1).
  EXPECT_NE(std::find(call.first_samples.begin(), call.first_samples.end(), -51),
            call.first_samples.end());
  EXPECT_EQ(call.stats.jitter.frames_fec_recovered, 1u);
  EXPECT_EQ(call.stats.decoder.frames_fec_decoded, 1u);
  EXPECT_EQ(call.stats.jitter.frames_concealed, 0u);
  EXPECT_TRUE(call.stats.fec);
}

TEST(ReceivePath, WithoutFecALostFrameIsConcealed) {
  FakeCodec codec;
  const auto call = run_call(codec, 100, false, [](int n) { return n == 50; });
  EXPECT_EQ(std::find(call.first_samples.begin(), call.first_samples.end(), 51),
            call.first_samples.end());
  EXPECT_EQ(call.stats.jitter.frames_concealed, 1u);
  EXPECT_EQ(call.stats.jitter.frames_fec_recovered, 0u);
}

TEST(ReceivePath, FecNeedsTheCodecsCapability) {
  FakeCodec codec(PARLEY_CODEC_CAP_PLC);
  const auto call = run_call(codec, 60, true, [](int n) { return n == 30; });
  EXPECT_FALSE(call.stats.fec);
  EXPECT_EQ(call.stats.jitter.frames_fec_recovered, 0u);
}

TEST(ReceivePath, ResamplesToThePlaybackRateInWholeFrames) {
  FakeCodec codec;
  const auto call = run_call(
      codec, 100, false, [](int) { return false; }, 48000);
  EXPECT_TRUE(call.stats.resampling);
  EXPECT_EQ(call.stats.output_underruns, 0u);
}

TEST(ReceivePath, HostilePacketsAreCountedNeverThrown) {
  FakeCodec codec;
  ReceivePathConfig config;
  config.playback_rate_hz = 8000;
  config.codec = codec_params(8000, 1, 20);
  ReceivePath receive(codec.plugin(), config);
  SeededRandom random(1);
  for (int n = 0; n < 2000; ++n) {
    std::vector<std::uint8_t> packet(random.next() % 40);
    for (auto& b : packet) b = static_cast<std::uint8_t>(random.next());
    if (n % 2 == 0 && packet.size() >= 12) {
      packet[0] = 0x80;  // plausible RTP, payload of any size: the decoder refuses most
      packet[1] = 96;
    }
    EXPECT_NO_THROW(receive.push_packet(packet, milliseconds(20 * n)));
    EXPECT_NO_THROW(receive.pull_frame(milliseconds(20 * n)));
  }
  const auto stats = receive.stats();
  EXPECT_GT(stats.packets_malformed, 0u);
  EXPECT_GT(stats.packets_wrong_payload_type, 0u);
  EXPECT_GT(stats.decoder.decode_errors, 0u);
}

TEST(ReceivePath, KernelConcealmentStandsInForCodecsWithoutPlc) {
  FakeCodec codec(0);
  const auto call = run_call(codec, 100, false, [](int n) { return n == 40; });
  EXPECT_TRUE(call.stats.kernel_concealment);
  EXPECT_EQ(call.stats.decoder.frames_concealed, 1u);
  // The kernel repeats the signal rather than playing the codec's silence.
  const auto loss =
      std::find(call.first_samples.begin(), call.first_samples.end(), 40);  // frame 39
  ASSERT_NE(loss, call.first_samples.end());
  EXPECT_NE(*(loss + 1), 0);
}

}  // namespace
}  // namespace parley::media
