#include "tone_generator.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <vector>

namespace parley::tone {
namespace {

// Power of one frequency in a block (Goertzel), as a fraction of the block's power.
double tone_fraction(const std::vector<std::int16_t>& pcm, double frequency_hz, double rate_hz) {
  const double coefficient = 2 * std::cos(2 * std::numbers::pi * frequency_hz / rate_hz);
  double s1 = 0, s2 = 0, energy = 0;
  for (auto sample : pcm) {
    const double s0 = sample + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
    energy += static_cast<double>(sample) * sample;
  }
  const double n = static_cast<double>(pcm.size());
  const double tone_power = 2 * (s1 * s1 + s2 * s2 - coefficient * s1 * s2) / (n * n);
  return energy == 0 ? 0 : tone_power / (energy / n);
}

double peak(const std::vector<std::int16_t>& pcm) {
  double highest = 0;
  for (auto s : pcm) highest = std::max(highest, std::abs(static_cast<double>(s)));
  return highest;
}

TEST(tone_generator, SineHasItsFrequencyAndLevel) {
  ToneSettings settings;
  settings.frequency_hz = 1000;
  settings.level_dbfs = -6;
  ToneGenerator generator(settings, 48000, 1);
  std::vector<std::int16_t> pcm(48000);
  ASSERT_EQ(generator.generate(pcm), pcm.size());
  EXPECT_GT(tone_fraction(pcm, 1000, 48000), 0.999);
  EXPECT_NEAR(20 * std::log10(peak(pcm) / 32767), -6.0, 0.1);
}

TEST(tone_generator, PhaseIsContinuousAcrossCalls) {
  ToneSettings settings;
  settings.frequency_hz = 440;
  ToneGenerator in_one(settings, 8000, 1);
  ToneGenerator in_pieces(settings, 8000, 1);
  std::vector<std::int16_t> whole(8000), pieces;
  in_one.generate(whole);
  std::vector<std::int16_t> piece(160);
  for (int i = 0; i < 50; ++i) {
    in_pieces.generate(piece);
    pieces.insert(pieces.end(), piece.begin(), piece.end());
  }
  EXPECT_EQ(whole, pieces);
}

TEST(tone_generator, EveryChannelCarriesTheSignal) {
  ToneGenerator generator({}, 16000, 3);
  std::vector<std::int16_t> pcm(3 * 100);
  ASSERT_EQ(generator.generate(pcm), 100u);
  for (std::size_t frame = 0; frame < 100; ++frame) {
    EXPECT_EQ(pcm[frame * 3], pcm[frame * 3 + 1]);
    EXPECT_EQ(pcm[frame * 3], pcm[frame * 3 + 2]);
  }
}

TEST(tone_generator, SilenceIsZero) {
  ToneSettings settings;
  settings.frequency_hz = 0;
  ToneGenerator generator(settings, 8000, 1);
  std::vector<std::int16_t> pcm(800, 1);
  generator.generate(pcm);
  EXPECT_EQ(peak(pcm), 0);
}

TEST(tone_generator, NoiseIsWhiteAndWithinItsLevel) {
  ToneSettings settings;
  settings.noise = true;
  settings.level_dbfs = -20;
  ToneGenerator generator(settings, 48000, 1);
  std::vector<std::int16_t> pcm(48000);
  generator.generate(pcm);
  EXPECT_LE(peak(pcm), 32767 * std::pow(10, -20 / 20.0) + 1);
  // Uniform noise: RMS is peak / sqrt(3); no single frequency dominates.
  double energy = 0;
  for (auto s : pcm) energy += static_cast<double>(s) * s;
  EXPECT_NEAR(std::sqrt(energy / pcm.size()), 3276.7 / std::sqrt(3.0), 50);
  EXPECT_LT(tone_fraction(pcm, 1000, 48000), 0.01);
}

TEST(tone_generator, DurationEndsTheSignal) {
  ToneSettings settings;
  settings.duration_ms = 25;
  ToneGenerator generator(settings, 8000, 2);  // 200 frames
  std::vector<std::int16_t> pcm(2 * 160);
  EXPECT_EQ(generator.generate(pcm), 160u);
  EXPECT_EQ(generator.generate(pcm), 40u);
  EXPECT_EQ(generator.generate(pcm), 0u);
  EXPECT_EQ(generator.generate(pcm), 0u);
}

TEST(tone_generator, RefusesImpossibleSettings) {
  ToneSettings nyquist;
  nyquist.frequency_hz = 4000;
  EXPECT_THROW(ToneGenerator(nyquist, 8000, 1), std::invalid_argument);
  ToneSettings loud;
  loud.level_dbfs = 3;
  EXPECT_THROW(ToneGenerator(loud, 8000, 1), std::invalid_argument);
  ToneSettings not_a_number;
  not_a_number.frequency_hz = std::nan("");
  EXPECT_THROW(ToneGenerator(not_a_number, 8000, 1), std::invalid_argument);
  EXPECT_THROW(ToneGenerator({}, 8000, 0), std::invalid_argument);
}

}  // namespace
}  // namespace parley::tone
