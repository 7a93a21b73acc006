#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "media/resampler.hpp"

namespace parley::media {
namespace {

std::vector<std::int16_t> sine(double freq_hz, std::uint32_t rate_hz, std::size_t samples) {
  std::vector<std::int16_t> out(samples);
  for (std::size_t i = 0; i < samples; ++i) {
    out[i] =
        static_cast<std::int16_t>(10000 * std::sin(2 * std::numbers::pi * freq_hz * i / rate_hz));
  }
  return out;
}

// Power at one frequency (Goertzel), normalised per sample.
double tone_power(std::span<const std::int16_t> pcm, double freq_hz, std::uint32_t rate_hz) {
  const double w = 2 * std::numbers::pi * freq_hz / rate_hz;
  double s1 = 0, s2 = 0;
  for (auto x : pcm) {
    const double s0 = x + 2 * std::cos(w) * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - 2 * std::cos(w) * s1 * s2) / (double(pcm.size()) * pcm.size());
}

TEST(Resampler, KeepsLengthRatioAndTone) {
  for (auto [from, to] : {std::pair{16000u, 8000u}, {8000u, 48000u}, {48000u, 16000u}}) {
    SCOPED_TRACE(std::to_string(from) + " -> " + std::to_string(to));
    Resampler resampler(1, from, to);
    std::vector<std::int16_t> output;
    const auto input = sine(440, from, from);                                   // 1 s
    for (std::size_t offset = 0; offset < input.size(); offset += from / 50) {  // 20 ms blocks
      auto block = resampler.process(std::span(input).subspan(offset, from / 50));
      output.insert(output.end(), block.begin(), block.end());
    }
    EXPECT_NEAR(static_cast<double>(output.size()), to, to * 0.01 + resampler.delay_samples());
    const auto steady = std::span(output).subspan(output.size() / 4, output.size() / 2);
    const double in_power =
        tone_power(std::span(input).subspan(input.size() / 4, input.size() / 2), 440, from);
    const double out_power = tone_power(steady, 440, to);
    EXPECT_NEAR(10 * std::log10(out_power / in_power), 0.0, 1.0) << "440 Hz must pass within 1 dB";
  }
}

TEST(Resampler, RemovesWhatTheLowerRateCannotCarry) {
  Resampler resampler(1, 16000, 8000);
  const auto input = sine(6000, 16000, 16000);  // above the 4 kHz Nyquist of 8 kHz
  const auto output = resampler.process(input);
  double energy = 0;
  for (auto s : std::span(output).subspan(output.size() / 4)) energy += double(s) * s;
  energy /= double(output.size() * 3 / 4);
  EXPECT_LT(10 * std::log10(energy / (10000.0 * 10000 / 2)), -30.0) << "aliasing not suppressed";
}

TEST(Resampler, SameRateIsAPassthroughAndBadArgumentsThrow) {
  Resampler same(2, 48000, 48000);
  const std::vector<std::int16_t> pcm{1, 2, 3, 4};
  EXPECT_EQ(same.process(pcm), pcm);
  EXPECT_THROW(Resampler(0, 8000, 16000), std::invalid_argument);
  EXPECT_THROW(Resampler(1, 0, 16000), std::invalid_argument);
}

}  // namespace
}  // namespace parley::media
