#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "media/audio_processing.hpp"
#include "media/seeded_random.hpp"

namespace parley::media {
namespace {

constexpr std::uint32_t kRate = 16000;
constexpr std::uint32_t kFrame = 320;

double energy(std::span<const std::int16_t> pcm) {
  double e = 0;
  for (auto x : pcm) e += double(x) * x;
  return e;
}

TEST(AudioProcessing, AllOffLeavesFramesUntouched) {
  AudioProcessing processing(kRate, kFrame, {});
  std::vector<std::int16_t> frame(kFrame, 1234);
  processing.process_capture(frame);
  EXPECT_EQ(frame, std::vector<std::int16_t>(kFrame, 1234));
  EXPECT_FALSE(processing.active());
}

TEST(AudioProcessing, NoiseSuppressionAttenuatesSteadyNoise) {
  AudioProcessingConfig config;
  config.noise_suppression = true;
  AudioProcessing processing(kRate, kFrame, config);
  SeededRandom random(2);
  double in = 0, out = 0;
  for (int n = 0; n < 300; ++n) {  // 6 s: the noise estimate settles
    std::vector<std::int16_t> frame(kFrame);
    for (auto& s : frame) s = static_cast<std::int16_t>(300 * random.normal());
    if (n >= 150) in += energy(frame);
    processing.process_capture(frame);
    if (n >= 150) out += energy(frame);
  }
  EXPECT_LT(10 * std::log10(out / in), -10);
}

TEST(AudioProcessing, EchoCancellationRemovesTheFarEnd) {
  AudioProcessingConfig config;
  config.echo_cancellation = true;
  AudioProcessing processing(kRate, kFrame, config);
  SeededRandom random(4);
  // The microphone hears the loudspeaker 10 ms later at a quarter of its level.
  std::vector<std::int16_t> far_history(kFrame * 2, 0);
  double echo = 0, residual = 0;
  for (int n = 0; n < 500; ++n) {
    std::vector<std::int16_t> far(kFrame);
    for (auto& s : far) s = static_cast<std::int16_t>(3000 * random.normal());
    far_history.insert(far_history.end(), far.begin(), far.end());
    std::vector<std::int16_t> mic(kFrame);
    const std::size_t delay = 160;
    for (std::size_t i = 0; i < kFrame; ++i) {
      mic[i] = static_cast<std::int16_t>(far_history[far_history.size() - kFrame - delay + i] / 4);
    }
    processing.on_playback(far);
    if (n >= 400) echo += energy(mic);
    processing.process_capture(mic);
    if (n >= 400) residual += energy(mic);
  }
  EXPECT_LT(10 * std::log10(residual / echo), -15);
  EXPECT_EQ(processing.stats().frames_without_reference, 0u);
}

TEST(AudioProcessing, AgcReportsWhetherThisBuildHasIt) {
  AudioProcessing processing(kRate, kFrame, {});
  const bool accepted = processing.set_automatic_gain_control(true);
  EXPECT_EQ(accepted, processing.stats().agc_available);
  EXPECT_EQ(processing.stats().automatic_gain_control, accepted);
  EXPECT_TRUE(processing.set_automatic_gain_control(false));
}

}  // namespace
}  // namespace parley::media
