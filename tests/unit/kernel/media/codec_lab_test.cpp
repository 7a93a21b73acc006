// The codec lab end to end with real plugins (G.711 and Opus, loaded through
// the kernel's loader) on a synthetic voiced signal.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "media/codec_lab.hpp"
#include "plugin/plugin_loader.hpp"

namespace parley::media {
namespace {

PcmAudio voiced_audio(double seconds) {
  PcmAudio audio;
  audio.sample_rate_hz = 16000;
  audio.samples.resize(static_cast<std::size_t>(16000 * seconds));
  for (std::size_t i = 0; i < audio.samples.size(); ++i) {
    const double t = double(i) / 16000;
    if (static_cast<int>(t / 0.4) % 3 == 2) continue;  // pauses, as speech has
    const double pitch = 120 + 30 * std::sin(2 * std::numbers::pi * 0.7 * t);
    double v = 0;
    for (int h = 1; h <= 12; ++h) v += std::sin(2 * std::numbers::pi * pitch * h * t) / h;
    audio.samples[i] = static_cast<std::int16_t>(5000 * v);
  }
  return audio;
}

class CodecLab : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    g711_ = new plugin::PluginRecord(
        plugin::load_plugin(PARLEY_BUILT_PLUGIN_DIR "/parley-codec-g711.so"));
    opus_ = new plugin::PluginRecord(
        plugin::load_plugin(PARLEY_BUILT_PLUGIN_DIR "/parley-codec-opus.so"));
  }
  static void TearDownTestSuite() {
    delete g711_;
    delete opus_;
  }
  static plugin::CodecPlugin pcmu() { return plugin::CodecPlugin({g711_, &g711_->interfaces[0]}); }
  static plugin::CodecPlugin opus() { return plugin::CodecPlugin({opus_, &opus_->interfaces[0]}); }
  void SetUp() override {
    ASSERT_TRUE(g711_->loaded) << g711_->reason;
    ASSERT_TRUE(opus_->loaded) << opus_->reason;
  }
  static inline plugin::PluginRecord* g711_ = nullptr;
  static inline plugin::PluginRecord* opus_ = nullptr;
};

TEST_F(CodecLab, CleanNetworkHearsTheCleanDecode) {
  const auto result = run_codec_lab(pcmu(), voiced_audio(3), {}, {});
  EXPECT_EQ(result.codec, "pcmu");
  EXPECT_EQ(result.codec_rate_hz, 8000u);
  EXPECT_EQ(result.snrseg_db, 35);
  EXPECT_NEAR(result.lsd_db, 0, 1e-9);
  EXPECT_LT(result.lsd_vs_original_db, 3);
  // 160 bytes of G.711 + RTP 12 + UDP 8 + IPv4 20 + tag 16, 50 times a second.
  EXPECT_NEAR(result.packets_per_second, 50, 1);
  EXPECT_NEAR(result.wire_bitrate_bps, 50 * 216 * 8, 2000);
  EXPECT_NEAR(result.payload_bitrate_bps, 64000, 1500);
  EXPECT_EQ(result.overhead_bytes_per_packet, 56u);
  // No loss and ~40 ms mouth to ear: G.107's best narrowband R.
  EXPECT_GT(result.e_model.r, 91.5);
  EXPECT_NEAR(result.e_model.mos, 4.4, 0.05);
  EXPECT_GT(result.encode_speed_x, 1);
  EXPECT_EQ(result.receive.jitter.frames_concealed, 0u);
}

TEST_F(CodecLab, LossLowersQualityAndTheSameSeedRepeatsTheRun) {
  CodecLabScenario scenario;
  scenario.network.loss_pct = 10;
  scenario.network.seed = 3;
  const auto audio = voiced_audio(3);
  const auto first = run_codec_lab(pcmu(), audio, {}, scenario);
  const auto again = run_codec_lab(pcmu(), audio, {}, scenario);
  EXPECT_EQ(first.decoded, again.decoded);
  EXPECT_EQ(first.network.packets_lost, again.network.packets_lost);
  EXPECT_GT(first.network.packets_lost, 5u);
  EXPECT_LT(first.snrseg_db, 34);
  EXPECT_LT(first.e_model.mos, 3.9);
  EXPECT_NEAR(first.loss_heard_pct, first.network.loss_pct(), 2);
}

TEST_F(CodecLab, OpusFecRecoversMostLostFrames) {
  CodecLabScenario scenario;
  scenario.network.loss_pct = 10;
  scenario.network.seed = 5;
  CodecLabSettings settings;
  settings.fec = true;
  const auto with_fec = run_codec_lab(opus(), voiced_audio(4), settings, scenario);
  settings.fec = false;
  const auto without = run_codec_lab(opus(), voiced_audio(4), settings, scenario);
  EXPECT_EQ(with_fec.codec_rate_hz, 16000u);
  EXPECT_GE(with_fec.receive.jitter.frames_fec_recovered, with_fec.network.packets_lost * 7 / 10);
  EXPECT_LT(with_fec.loss_heard_pct, without.loss_heard_pct / 2);
  EXPECT_GT(with_fec.e_model.mos, without.e_model.mos);
  EXPECT_GT(with_fec.snrseg_db, without.snrseg_db);
}

TEST_F(CodecLab, JitterAndSkewStayBounded) {
  CodecLabScenario scenario;
  scenario.network.delay_ms = 40;
  scenario.network.jitter_ms = 15;
  scenario.network.reorder_pct = 3;
  scenario.network.duplicate_pct = 3;
  scenario.receiver_clock_ppm = 10000;
  const auto result = run_codec_lab(opus(), voiced_audio(6), {}, scenario);
  const auto& jb = result.receive.jitter;
  EXPECT_GT(jb.packets_duplicate, 0u);
  EXPECT_GT(jb.packets_reordered, 0u);
  EXPECT_LT(jb.mean_delay_ms, 150);
  EXPECT_LT(result.loss_heard_pct, 10);
  EXPECT_NEAR(result.network.min_delay_ms, 40, 1);
  EXPECT_GT(result.one_way_delay_ms, 40 + 20);
}

TEST_F(CodecLab, RefusesAFrameTheCodecDoesNotTake) {
  CodecLabSettings settings;
  settings.frame_ms = 25;
  EXPECT_THROW(run_codec_lab(pcmu(), voiced_audio(1), settings, {}), std::invalid_argument);
}

TEST_F(CodecLab, ChoosesTheCodecRateNearestTheInput) {
  const auto& info = opus().info();
  EXPECT_EQ(choose_codec_rate(info, 16000), 16000u);
  EXPECT_EQ(choose_codec_rate(info, 44100), 48000u);
  EXPECT_EQ(choose_codec_rate(info, 96000), 48000u);
  EXPECT_EQ(choose_codec_rate(pcmu().info(), 48000), 8000u);
}

}  // namespace
}  // namespace parley::media
