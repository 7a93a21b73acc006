// Segment-based companding as specified in ITU-T G.711 (tables 1a/1b, 2a/2b).
#include "g711.hpp"

namespace parley::g711 {
namespace {

constexpr int kUlawBias = 0x84;   // 132: shifts segment boundaries onto powers of two
constexpr int kUlawClip = 32635;  // largest magnitude that still fits after the bias

int segment_of(int magnitude_shifted) {
  int segment = 0;
  while (magnitude_shifted > 0x1f && segment < 7) {  // 5 bits per segment step
    magnitude_shifted >>= 1;
    ++segment;
  }
  return segment;
}

}  // namespace

std::uint8_t linear_to_ulaw(std::int16_t sample) {
  int value = sample;
  const int sign = value < 0 ? 0x80 : 0;
  if (value < 0) value = -value;
  if (value > kUlawClip) value = kUlawClip;
  value += kUlawBias;
  int exponent = 7;
  for (int mask = 0x4000; (value & mask) == 0 && exponent > 0; mask >>= 1) --exponent;
  const int mantissa = (value >> (exponent + 3)) & 0x0f;
  return static_cast<std::uint8_t>(~(sign | (exponent << 4) | mantissa));
}

std::int16_t ulaw_to_linear(std::uint8_t code) {
  const int inverted = static_cast<std::uint8_t>(~code);
  const int sign = inverted & 0x80;
  const int exponent = (inverted >> 4) & 0x07;
  const int mantissa = inverted & 0x0f;
  const int magnitude = (((mantissa << 3) + kUlawBias) << exponent) - kUlawBias;
  return static_cast<std::int16_t>(sign != 0 ? -magnitude : magnitude);
}

std::uint8_t linear_to_alaw(std::int16_t sample) {
  int value = sample;
  int sign_bit = 0x80;  // A-law sets the bit for positive values
  if (value < 0) {
    value = -value - 1;
    sign_bit = 0;
  }
  const int magnitude = value >> 3;  // 13-bit A-law input
  int code = 0;
  if (magnitude < 32) {
    code = magnitude >> 1;
  } else {
    const int segment = segment_of(magnitude);
    code = (segment << 4) | ((magnitude >> segment) & 0x0f);
  }
  return static_cast<std::uint8_t>((sign_bit | code) ^ 0x55);  // even bits inverted on the line
}

std::int16_t alaw_to_linear(std::uint8_t code) {
  const int value = code ^ 0x55;
  const int segment = (value >> 4) & 0x07;
  const int mantissa = value & 0x0f;
  int magnitude = segment == 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (segment - 1);
  return static_cast<std::int16_t>((value & 0x80) != 0 ? magnitude : -magnitude);
}

}  // namespace parley::g711
