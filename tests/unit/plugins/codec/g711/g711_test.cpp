#include <gtest/gtest.h>

#include <cmath>

#include "g711.hpp"

namespace {

using namespace parley::g711;

// Reference code points from ITU-T G.711 tables.
TEST(G711, KnownCodePoints) {
  EXPECT_EQ(linear_to_ulaw(0), 0xff);
  EXPECT_EQ(linear_to_ulaw(-1), 0x7f);
  EXPECT_EQ(linear_to_ulaw(32767), 0x80);
  EXPECT_EQ(linear_to_ulaw(-32768), 0x00);
  EXPECT_EQ(linear_to_alaw(0), 0xd5);
  EXPECT_EQ(linear_to_alaw(-1), 0x55);
  EXPECT_EQ(linear_to_alaw(32767), 0xaa);
  EXPECT_EQ(linear_to_alaw(-32768), 0x2a);
}

TEST(G711, EveryCodeRoundTripsExactly) {
  for (int code = 0; code < 256; ++code) {
    const auto u = static_cast<std::uint8_t>(code);
    // 0x7f and 0xff both decode to zero in mu-law; zero encodes as 0xff.
    if (u != 0x7f) {
      EXPECT_EQ(linear_to_ulaw(ulaw_to_linear(u)), u) << code;
    }
    EXPECT_EQ(linear_to_alaw(alaw_to_linear(u)), u) << code;
  }
}

// Companding keeps the signal-to-quantisation-noise ratio near 38 dB for speech levels.
TEST(G711, SineWaveSnrAboveThirtyDecibels) {
  double signal = 0, noise_u = 0, noise_a = 0;
  for (int i = 0; i < 8000; ++i) {
    const auto s = static_cast<std::int16_t>(8000 * std::sin(2 * M_PI * 1000 * i / 8000.0 + 0.3));
    signal += double(s) * s;
    const double du = s - ulaw_to_linear(linear_to_ulaw(s));
    const double da = s - alaw_to_linear(linear_to_alaw(s));
    noise_u += du * du;
    noise_a += da * da;
  }
  EXPECT_GT(10 * std::log10(signal / noise_u), 30.0);
  EXPECT_GT(10 * std::log10(signal / noise_a), 30.0);
}

}  // namespace
