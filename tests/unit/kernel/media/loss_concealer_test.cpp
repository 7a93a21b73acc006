#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "media/loss_concealer.hpp"

namespace parley::media {
namespace {

constexpr std::uint32_t kRate = 8000;
constexpr std::size_t kFrame = 160;

std::vector<std::int16_t> voiced(std::size_t from, std::size_t count) {
  std::vector<std::int16_t> out(count);
  for (std::size_t i = 0; i < count; ++i) {
    const double t = double(from + i) / kRate;
    out[i] = static_cast<std::int16_t>(6000 * std::sin(2 * std::numbers::pi * 125 * t) +
                                       3000 * std::sin(2 * std::numbers::pi * 250 * t));
  }
  return out;
}

double energy(std::span<const std::int16_t> pcm) {
  double e = 0;
  for (auto x : pcm) e += double(x) * x;
  return e / double(pcm.size());
}

LossConcealer primed(std::size_t frames) {
  LossConcealer concealer(kRate, 1);
  for (std::size_t f = 0; f < frames; ++f) {
    auto frame = voiced(f * kFrame, kFrame);
    concealer.on_good_frame(frame);
  }
  return concealer;
}

TEST(LossConcealer, FindsThePitchAndContinuesTheWaveform) {
  auto concealer = primed(10);
  std::vector<std::int16_t> frame(kFrame);
  concealer.conceal(frame);
  EXPECT_EQ(concealer.last_pitch_samples() % 64,
            0u);  // 125 Hz: a period of 64 samples (or a multiple)
  // A periodic signal is continued almost exactly for the first 10 ms.
  const auto truth = voiced(10 * kFrame, kFrame);
  double error = 0;
  for (std::size_t i = 0; i < 80; ++i) error += std::pow(double(frame[i]) - truth[i], 2);
  EXPECT_LT(error / 80, 0.01 * energy(truth));
}

TEST(LossConcealer, FadesToSilenceBy60Ms) {
  auto concealer = primed(10);
  std::vector<std::int16_t> frame(kFrame);
  std::vector<double> energies;
  for (int n = 0; n < 4; ++n) {
    concealer.conceal(frame);
    energies.push_back(energy(frame));
  }
  EXPECT_GT(energies[0], 0.8 * energy(voiced(0, 640)));
  EXPECT_LT(energies[1], energies[0]);
  EXPECT_LT(energies[2], energies[1]);
  EXPECT_EQ(energies[3], 0);  // 60..80 ms: silent
}

TEST(LossConcealer, TheFirstGoodFrameIsFadedIn) {
  auto concealer = primed(10);
  std::vector<std::int16_t> lost(kFrame);
  concealer.conceal(lost);
  auto good = voiced(11 * kFrame, kFrame);
  const auto untouched = good;
  concealer.on_good_frame(good);
  // Blended with the concealment...
  EXPECT_FALSE(std::equal(good.begin(), good.begin() + 20, untouched.begin()));
  EXPECT_EQ(good[kFrame - 1], untouched[kFrame - 1]);  // ...only at the start
}

TEST(LossConcealer, StereoChannelsAreConcealedApart) {
  LossConcealer concealer(kRate, 2);
  for (std::size_t f = 0; f < 10; ++f) {
    const auto mono = voiced(f * kFrame, kFrame);
    std::vector<std::int16_t> stereo(2 * kFrame);
    for (std::size_t i = 0; i < kFrame; ++i) {
      stereo[2 * i] = mono[i];
      stereo[2 * i + 1] = 0;  // a silent right channel stays silent
    }
    concealer.on_good_frame(stereo);
  }
  std::vector<std::int16_t> frame(2 * kFrame);
  concealer.conceal(frame);
  double left = 0, right = 0;
  for (std::size_t i = 0; i < kFrame; ++i) {
    left += std::abs(frame[2 * i]);
    right += std::abs(frame[2 * i + 1]);
  }
  EXPECT_GT(left, 0);
  EXPECT_EQ(right, 0);
}

}  // namespace
}  // namespace parley::media
