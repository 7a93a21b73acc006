// What every codec plugin must do, whatever its algorithm.
#include <cmath>
#include <numbers>
#include <random>

#include "conformance.hpp"
#include "plugin/codec_plugin.hpp"

namespace parley::conformance {
namespace {

using plugin::CodecPlugin;

class CodecConformance : public testing::TestWithParam<plugin::Offer> {
 protected:
  CodecPlugin codec{GetParam()};

  [[nodiscard]] parley_codec_params params(std::uint32_t rate) const {
    parley_codec_params p{};
    p.struct_size = sizeof p;
    p.sample_rate_hz = rate;
    p.channels = 1;
    p.frame_duration_ms = preferred_frame_ms();
    p.complexity = -1;
    return p;
  }
  [[nodiscard]] std::uint32_t preferred_frame_ms() const {
    const auto& info = codec.info();
    for (std::uint32_t i = 0; i < info.frame_duration_count; ++i) {
      if (info.frame_durations_ms[i] == 20) return 20;
    }
    return info.frame_durations_ms[0];
  }
  [[nodiscard]] std::vector<std::uint32_t> rates() const {
    const auto& info = codec.info();
    return {info.sample_rates_hz, info.sample_rates_hz + info.sample_rate_count};
  }
};

// A steady voiced sound: harmonics of 150 Hz up to 3.4 kHz at amplitude 6000/k.
// Every speech codec models this (a vocoder such as Codec 2 does not model
// pure tones), and it stays inside the narrowest band, 8 kHz sampling.
std::vector<std::int16_t> tone(std::uint32_t rate, std::size_t samples, std::size_t offset = 0) {
  std::vector<std::int16_t> pcm(samples);
  for (std::size_t i = 0; i < samples; ++i) {
    const double t = static_cast<double>(i + offset) / rate;
    double value = 0;
    for (int k = 1; 150.0 * k <= 3400; ++k) {
      value += 6000.0 / k * std::sin(2 * std::numbers::pi * 150 * k * t);
    }
    pcm[i] = static_cast<std::int16_t>(value);  // peak below 22,200: no clipping
  }
  return pcm;
}

double energy(std::span<const std::int16_t> pcm) {
  double sum = 0;
  for (auto s : pcm) sum += static_cast<double>(s) * s;
  return pcm.empty() ? 0 : sum / static_cast<double>(pcm.size());
}

TEST_P(CodecConformance, DescribesItselfCompletely) {
  const auto& info = codec.info();
  EXPECT_GE(info.struct_size, sizeof(parley_codec_info));
  EXPECT_GT(info.rtp_encoding_name.size, 0u);
  EXPECT_GT(info.rtp_clock_rate_hz, 0u);
  ASSERT_GT(info.sample_rate_count, 0u);
  for (std::uint32_t i = 1; i < info.sample_rate_count; ++i) {
    EXPECT_LT(info.sample_rates_hz[i - 1], info.sample_rates_hz[i]) << "rates must ascend";
  }
  EXPECT_GT(info.frame_duration_count, 0u);
  EXPECT_GE(info.max_channels, 1u);
  EXPECT_GT(info.max_payload_bytes, 0u);
  EXPECT_TRUE(info.static_payload_type < 96 || info.static_payload_type == PARLEY_RTP_PT_DYNAMIC);
}

TEST_P(CodecConformance, RoundTripKeepsSignalEnergyAtEveryRate) {
  for (const auto rate : rates()) {
    SCOPED_TRACE("rate " + std::to_string(rate));
    const auto p = params(rate);
    auto encoder = codec.make_encoder(p);
    auto decoder = codec.make_decoder(p);
    const std::size_t frame = rate * p.frame_duration_ms / 1000;
    constexpr int kFrames = 50;  // 1 s at 20 ms
    const auto input = tone(rate, frame * kFrames);
    std::vector<std::int16_t> output;
    std::vector<std::uint8_t> payload(codec.info().max_payload_bytes);
    std::vector<std::int16_t> pcm(frame);
    for (int f = 0; f < kFrames; ++f) {
      const auto size = encoder.encode(std::span(input).subspan(f * frame, frame), payload);
      ASSERT_LE(size, codec.info().max_payload_bytes);
      const auto samples = decoder.decode(std::span(payload.data(), size), false, false, pcm);
      ASSERT_EQ(samples, frame);
      output.insert(output.end(), pcm.begin(), pcm.end());
    }
    // Skip the first quarter: codecs have start-up delay and adaptation.
    const auto steady_in = std::span(input).subspan(input.size() / 4);
    const auto steady_out = std::span(output).subspan(output.size() / 4);
    const double ratio = energy(steady_out) / energy(steady_in);
    EXPECT_GT(ratio, 0.25) << "decoded signal lost most of its energy";
    EXPECT_LT(ratio, 4.0) << "decoded signal gained energy";
  }
}

TEST_P(CodecConformance, ConcealsALostFrameWithAFullFrame) {
  const auto p = params(rates().front());
  auto encoder = codec.make_encoder(p);
  auto decoder = codec.make_decoder(p);
  const std::size_t frame = p.sample_rate_hz * p.frame_duration_ms / 1000;
  std::vector<std::uint8_t> payload(codec.info().max_payload_bytes);
  std::vector<std::int16_t> pcm(frame);
  const auto input = tone(p.sample_rate_hz, frame);
  const auto size = encoder.encode(input, payload);
  decoder.decode(std::span(payload.data(), size), false, false, pcm);
  EXPECT_EQ(decoder.decode({}, /*lost=*/true, false, pcm), frame);
}

TEST_P(CodecConformance, SurvivesGarbagePayloads) {
  const auto p = params(rates().front());
  auto decoder = codec.make_decoder(p);
  const std::size_t frame = p.sample_rate_hz * p.frame_duration_ms / 1000;
  // Room for the longest frame any codec may legally return from one packet.
  std::vector<std::int16_t> pcm(p.sample_rate_hz * 120 / 1000);
  std::mt19937 random(7);
  for (int round = 0; round < 500; ++round) {
    std::vector<std::uint8_t> garbage(random() % (codec.info().max_payload_bytes + 16));
    for (auto& byte : garbage) byte = static_cast<std::uint8_t>(random());
    try {
      const auto samples = decoder.decode(garbage, false, false, pcm);
      EXPECT_LE(samples, pcm.size());
    } catch (const plugin::PluginCallError& error) {
      EXPECT_NE(error.status(), PARLEY_OK);  // refusing bad input is fine; crashing is not
    }
  }
  EXPECT_EQ(decoder.decode({}, true, false, pcm), frame) << "decoder unusable after garbage";
}

TEST_P(CodecConformance, RefusesParametersOutsideItsInfo) {
  auto p = params(rates().front());
  p.sample_rate_hz = 12345;
  EXPECT_THROW((void)codec.make_encoder(p), plugin::PluginCallError);
  p = params(rates().front());
  p.channels = codec.info().max_channels + 1;
  EXPECT_THROW((void)codec.make_decoder(p), plugin::PluginCallError);
  p = params(rates().front());
  p.frame_duration_ms = 7;
  EXPECT_THROW((void)codec.make_encoder(p), plugin::PluginCallError);
}

TEST_P(CodecConformance, ReportsATooSmallOutputBuffer) {
  const auto p = params(rates().front());
  auto encoder = codec.make_encoder(p);
  const auto input = tone(p.sample_rate_hz, p.sample_rate_hz * p.frame_duration_ms / 1000);
  std::array<std::uint8_t, 1> tiny{};
  try {
    EXPECT_LE(encoder.encode(input, tiny), tiny.size());
  } catch (const plugin::PluginCallError& error) {
    EXPECT_TRUE(error.status() == PARLEY_ERR_BUFFER_TOO_SMALL ||
                error.status() == PARLEY_ERR_INTERNAL);
  }
}

TEST_P(CodecConformance, EncodersAreIndependentAndDeterministic) {
  const auto p = params(rates().back());
  auto first = codec.make_encoder(p);
  auto second = codec.make_encoder(p);
  const std::size_t frame = p.sample_rate_hz * p.frame_duration_ms / 1000;
  std::vector<std::uint8_t> a(codec.info().max_payload_bytes), b(codec.info().max_payload_bytes);
  for (int f = 0; f < 10; ++f) {
    const auto input = tone(p.sample_rate_hz, frame, f * frame);
    const auto size_a = first.encode(input, a);
    const auto size_b = second.encode(input, b);
    ASSERT_EQ(size_a, size_b);
    EXPECT_TRUE(std::equal(a.begin(), a.begin() + static_cast<long>(size_a), b.begin()));
  }
}

TEST_P(CodecConformance, UpdateIsAcceptedOrDeclined) {
  auto p = params(rates().front());
  auto encoder = codec.make_encoder(p);
  p.bitrate_bps = codec.info().max_bitrate_bps;
  p.expected_loss_pct = 10;
  if (!codec.supports_update()) GTEST_SKIP() << "plugin predates codec/1.1 update";
  (void)encoder.update(p);  // either answer is valid; it must not crash or corrupt
  const auto input = tone(p.sample_rate_hz, p.sample_rate_hz * p.frame_duration_ms / 1000);
  std::vector<std::uint8_t> payload(codec.info().max_payload_bytes);
  EXPECT_LE(encoder.encode(input, payload), payload.size());
}

INSTANTIATE_TEST_SUITE_P(Plugin, CodecConformance, testing::ValuesIn(offers_of(PARLEY_KIND_CODEC)),
                         test_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(CodecConformance);

}  // namespace
}  // namespace parley::conformance
