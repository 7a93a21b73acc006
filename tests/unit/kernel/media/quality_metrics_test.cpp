#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "media/quality_metrics.hpp"
#include "media/seeded_random.hpp"

namespace parley::media {
namespace {

// A vowel-like signal: harmonics of 150 Hz, switched on and off every 300 ms.
std::vector<std::int16_t> speechlike(std::uint32_t rate_hz, double seconds) {
  std::vector<std::int16_t> out(static_cast<std::size_t>(rate_hz * seconds));
  for (std::size_t i = 0; i < out.size(); ++i) {
    const double t = double(i) / rate_hz;
    if (static_cast<int>(t / 0.3) % 2 == 1) continue;
    double v = 0;
    for (int h = 1; h <= 10; ++h) v += std::sin(2 * std::numbers::pi * 150 * h * t) / h;
    out[i] = static_cast<std::int16_t>(4000 * v);
  }
  return out;
}

TEST(QualityMetrics, IdenticalSignalsScoreBest) {
  const auto x = speechlike(16000, 2);
  EXPECT_EQ(segmental_snr_db(x, x, 16000), 35);
  EXPECT_NEAR(log_spectral_distance_db(x, x, 16000), 0, 1e-9);
}

TEST(QualityMetrics, MoreNoiseScoresWorse) {
  const auto x = speechlike(16000, 2);
  SeededRandom random(1);
  double last_snr = 100, last_lsd = -1;
  for (double noise : {30.0, 300.0, 3000.0}) {
    SCOPED_TRACE(noise);
    auto y = x;
    for (auto& s : y)
      s = static_cast<std::int16_t>(std::clamp(s + noise * random.normal(), -32768.0, 32767.0));
    const double snr = segmental_snr_db(x, y, 16000);
    const double lsd = log_spectral_distance_db(x, y, 16000);
    EXPECT_LT(snr, last_snr);
    EXPECT_GT(lsd, last_lsd);
    last_snr = snr;
    last_lsd = lsd;
  }
}

TEST(QualityMetrics, LostFramesLowerSegmentalSnrInProportion) {
  const auto x = speechlike(8000, 4);
  auto y = x;
  // Zero every 10th 20 ms frame: those frames score 0 dB (noise = signal).
  for (std::size_t f = 0; f < y.size() / 160; f += 10)
    std::fill_n(y.begin() + static_cast<std::ptrdiff_t>(f * 160), 160, 0);
  const double snr = segmental_snr_db(x, y, 8000);
  EXPECT_NEAR(snr, 0.9 * 35 + 0.1 * 0, 1.5);
}

TEST(QualityMetrics, AlignmentFindsTheDelay) {
  const auto x = speechlike(16000, 2);
  std::vector<std::int16_t> delayed(123, 0);
  delayed.insert(delayed.end(), x.begin(), x.end());
  EXPECT_EQ(alignment_lag(x, delayed, 400, 16000), 123);
  EXPECT_EQ(alignment_lag(delayed, x, 400, 16000), -123);
}

}  // namespace
}  // namespace parley::media
