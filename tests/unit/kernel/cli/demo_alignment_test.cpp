// match_recording against recordings made from a synthetic talker: bursts of
// band-limited noise ("syllables") and pauses, seeded, so each case is the
// same every run. A recording is the source delayed, and then shifted, cut or
// overwritten the ways a call can: the scores must tell a shift (the jitter
// buffer moved its playout) from a gap or from something else heard.
#include "cli/demo_alignment.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

namespace parley::cli::demo {
namespace {

constexpr std::uint32_t kRate = 16'000;
constexpr std::size_t kSeconds = 10;

std::size_t samples_of_ms(std::size_t ms) {
  return ms * kRate / 1000;
}

// Syllables of 120-320 ms of low-passed noise with a smooth envelope,
// separated by 50-200 ms pauses.
std::vector<std::int16_t> talker(std::uint32_t seed) {
  std::mt19937 random(seed);
  std::normal_distribution<double> noise(0, 1);
  std::uniform_int_distribution<std::size_t> syllable_ms(120, 320);
  std::uniform_int_distribution<std::size_t> pause_ms(50, 200);
  std::vector<std::int16_t> out;
  double low_passed = 0;
  while (out.size() < kSeconds * kRate) {
    const auto length = samples_of_ms(syllable_ms(random));
    for (std::size_t i = 0; i < length; ++i) {
      low_passed = 0.7 * low_passed + 0.3 * noise(random);
      const double envelope = std::sin(3.14159265 * static_cast<double>(i) / length);
      out.push_back(
          static_cast<std::int16_t>(std::clamp(8000 * envelope * low_passed, -32767.0, 32767.0)));
    }
    out.insert(out.end(), samples_of_ms(pause_ms(random)), 0);
  }
  out.resize(kSeconds * kRate);
  return out;
}

std::vector<std::int16_t> delayed(const std::vector<std::int16_t>& source, std::size_t ms) {
  std::vector<std::int16_t> out(samples_of_ms(ms), 0);
  out.insert(out.end(), source.begin(), source.end());
  return out;
}

class DemoAlignment : public testing::Test {
 protected:
  const std::vector<std::int16_t> source_ = talker(1);
};

TEST_F(DemoAlignment, FindsTheDelayAndScoresAFaithfulRecordingHigh) {
  const auto match = match_recording(source_, delayed(source_, 40), kRate);
  EXPECT_EQ(match.lag_samples, static_cast<std::int64_t>(samples_of_ms(40)));
  EXPECT_GT(match.correlation, 0.99);
  EXPECT_GT(match.min_window_correlation, 0.99);
  EXPECT_NEAR(match.overlap_s, 10.0, 0.05);
  EXPECT_GE(match.windows.size(), 9u);
}

TEST_F(DemoAlignment, APlayoutShiftMidCallIsNotAGap) {
  for (const std::size_t at_ms : {4100, 4250, 4500, 4750, 4900}) {
    for (const std::size_t shift_ms : {40, 140}) {
      auto recording = delayed(source_, 40);
      // From at_ms on, the far end played everything shift_ms later.
      recording.insert(recording.begin() + static_cast<std::ptrdiff_t>(samples_of_ms(40 + at_ms)),
                       samples_of_ms(shift_ms), 0);
      const auto match = match_recording(source_, recording, kRate);
      std::printf("shift %zu ms at %zu ms: lowest window %.3f\n", shift_ms, at_ms,
                  match.min_window_correlation);
      EXPECT_GE(match.min_window_correlation, 0.7)
          << "shifted by " << shift_ms << " ms at " << at_ms << " ms";
      for (const auto& window : match.windows) {
        if (window.start_s >= 5.5 && window.active) {
          EXPECT_GT(window.correlation, 0.95)
              << "shifted by " << shift_ms << " ms, window at " << window.start_s << " s";
        }
      }
    }
  }
}

TEST_F(DemoAlignment, AGapOrSomethingElseHeardLowersItsWindow) {
  // The call tests ask 0.7 of every active window: a hole of 800 ms in one
  // second of what was heard falls below it, wherever in the second it starts
  // (a shorter one may not: 600 ms of this talker's speech scored 0.52-0.72).
  constexpr std::size_t kHoleMs = 800;
  for (const std::size_t at_ms : {5000, 5100, 5200}) {
    auto gap = delayed(source_, 40);
    std::fill_n(gap.begin() + static_cast<std::ptrdiff_t>(samples_of_ms(40 + at_ms)),
                samples_of_ms(kHoleMs), std::int16_t{0});
    const auto lowest = match_recording(source_, gap, kRate).min_window_correlation;
    std::printf("hole of %zu ms at %zu ms: lowest window %.3f\n", kHoleMs, at_ms, lowest);
    EXPECT_LT(lowest, 0.7) << "a hole at " << at_ms << " ms";
  }

  auto other = delayed(source_, 40);
  const auto stranger = talker(2);
  std::copy_n(stranger.begin() + static_cast<std::ptrdiff_t>(samples_of_ms(5000)),
              samples_of_ms(1000),
              other.begin() + static_cast<std::ptrdiff_t>(samples_of_ms(5040)));
  const auto match = match_recording(source_, other, kRate);
  EXPECT_LT(match.min_window_correlation, 0.3);
  EXPECT_GT(match.correlation, 0.8);  // the other nine seconds still match
}

TEST_F(DemoAlignment, UnrelatedShortOrSilentRecordingsScoreLow) {
  EXPECT_LT(match_recording(source_, talker(3), kRate).correlation, 0.3);
  const std::vector<std::int16_t> half_second(source_.begin(),
                                              source_.begin() + samples_of_ms(500));
  EXPECT_EQ(match_recording(source_, half_second, kRate).correlation, 0);
  EXPECT_EQ(
      match_recording(source_, std::vector<std::int16_t>(source_.size(), 0), kRate).correlation, 0);
  EXPECT_EQ(match_recording(source_, {}, kRate).correlation, 0);
}

}  // namespace
}  // namespace parley::cli::demo
