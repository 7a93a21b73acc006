// The portaudio plugin against a real sound server: a tone played into a
// PulseAudio null sink must come back out of the sink's monitor source.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <numbers>
#include <thread>

#include "plugin/audio_plugin.hpp"
#include "plugin/plugin_registry.hpp"
#include "pulse_daemon.hpp"

namespace parley::integration {
namespace {

constexpr std::uint32_t kRateHz = 48000;
constexpr std::uint32_t kFrameSamples = kRateHz / 50;  // 20 ms
constexpr double kToneHz = 1000;
constexpr double kToneLevelDbfs = -6;
constexpr std::uint32_t kToneMs = 1000;
constexpr std::uint32_t kRecordMs = 3000;  // the tone, the pipeline's latency, and silence around
constexpr std::size_t kWindowSamples = kRateHz / 10;  // 100 ms analysis windows

struct WindowAnalysis {
  double rms_dbfs;
  double tone_fraction;      // power at the tone frequency / all power in the window
  double off_tone_fraction;  // the same at a frequency nothing was played at
};

// Goertzel: the power of one frequency, as a fraction of the block's power.
double fraction_at(std::span<const std::int16_t> pcm, double frequency_hz) {
  const double coefficient = 2 * std::cos(2 * std::numbers::pi * frequency_hz / kRateHz);
  double s1 = 0, s2 = 0, energy = 0;
  for (auto sample : pcm) {
    const double s0 = sample + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
    energy += static_cast<double>(sample) * sample;
  }
  const double n = static_cast<double>(pcm.size());
  const double power = 2 * (s1 * s1 + s2 * s2 - coefficient * s1 * s2) / (n * n);
  return energy == 0 ? 0 : power / (energy / n);
}

WindowAnalysis analyse(std::span<const std::int16_t> window) {
  double energy = 0;
  for (auto s : window) energy += static_cast<double>(s) * s;
  const double rms = std::sqrt(energy / static_cast<double>(window.size()));
  return {20 * std::log10(std::max(rms, 1e-3) / 32768), fraction_at(window, kToneHz),
          fraction_at(window, 1700)};
}

plugin::AudioPlugin load(plugin::PluginRegistry& registry, const char* path) {
  const auto& record = registry.add_file(path);
  if (!record.loaded) throw std::runtime_error(std::string(path) + " refused: " + record.reason);
  for (const auto& offer : registry.offers(PARLEY_KIND_AUDIO_DEVICE)) {
    if (offer.plugin == &record) return plugin::AudioPlugin(offer);
  }
  throw std::runtime_error(std::string(path) + " offers no audio device");
}

TEST(pulseaudio_device, ToneThroughANullSinkComesBackFromItsMonitor) {
  PulseDaemon daemon(PARLEY_PULSEAUDIO_PROGRAM, PARLEY_PACTL_PROGRAM, std::chrono::seconds(20));
  std::cout << "figure: pulseaudio ready after " << daemon.time_to_ready().count() << " ms\n";
  ASSERT_EQ(daemon.pactl({"set-default-sink", PulseDaemon::kSinkName}), 0);
  ASSERT_EQ(daemon.pactl({"set-default-source", std::string(PulseDaemon::kSinkName) + ".monitor"}),
            0);

  plugin::PluginRegistry registry;
  const auto portaudio = load(registry, PARLEY_PORTAUDIO_PLUGIN);
  const auto tone = load(registry, PARLEY_TONE_PLUGIN);
  ASSERT_TRUE(portaudio.paced());

  const auto devices = portaudio.devices();
  for (const auto& device : devices) std::cout << "device: " << device.device_id << "\n";
  ASSERT_TRUE(std::any_of(devices.begin(), devices.end(), [](const plugin::AudioDevice& d) {
    return d.device_id == "ALSA/default" &&
           d.directions == (PARLEY_AUDIO_CAPTURE | PARLEY_AUDIO_PLAYBACK);
  })) << "ALSA's default device (routed to the daemon) is missing";

  plugin::AudioStreamRequest request;
  request.device_id = "ALSA/default";
  request.sample_rate_hz = kRateHz;
  request.channels = 1;
  request.frame_samples = kFrameSamples;
  request.direction = PARLEY_AUDIO_CAPTURE;
  auto microphone = portaudio.open(request);
  request.direction = PARLEY_AUDIO_PLAYBACK;
  auto speaker = portaudio.open(request);

  // Recording runs at the device's pace on its own thread while the tone plays.
  std::vector<std::int16_t> recorded;
  std::exception_ptr recorder_failure;
  std::thread recorder([&] {
    try {
      std::vector<std::int16_t> frame(kFrameSamples);
      for (std::uint32_t ms = 0; ms < kRecordMs; ms += 20) {
        const auto frames = microphone.read(frame);
        recorded.insert(recorded.end(), frame.begin(), frame.begin() + static_cast<long>(frames));
      }
    } catch (...) {
      recorder_failure = std::current_exception();
    }
  });

  auto source = tone.open({"tone", PARLEY_AUDIO_CAPTURE, kRateHz, 1, kFrameSamples,
                           "freq_hz=1000;level_dbfs=-6;duration_ms=" + std::to_string(kToneMs)});
  std::vector<std::int16_t> frame(kFrameSamples);
  std::size_t played = 0;
  while (const auto frames = source.read(frame)) {
    speaker.write(std::span(frame).first(frames));
    played += frames;
  }
  std::fill(frame.begin(), frame.end(), std::int16_t{0});
  for (int i = 0; i < 25; ++i) speaker.write(frame);  // 0.5 s of silence pushes the tail out
  const auto speaker_stats = speaker.stats();
  recorder.join();
  if (recorder_failure) std::rethrow_exception(recorder_failure);
  const auto microphone_stats = microphone.stats();
  EXPECT_EQ(played, kRateHz * kToneMs / 1000);
  std::cout << "figure: playback " << speaker_stats.frames << " frames, "
            << speaker_stats.underflows << " underflows; capture " << microphone_stats.frames
            << " frames, " << microphone_stats.overflows << " overflows\n";

  ASSERT_EQ(recorded.size(), std::size_t{kRateHz} * kRecordMs / 1000);
  std::vector<WindowAnalysis> toned;
  for (std::size_t at = 0; at + kWindowSamples <= recorded.size(); at += kWindowSamples) {
    const auto window = analyse(std::span(recorded).subspan(at, kWindowSamples));
    if (window.rms_dbfs > -40) toned.push_back(window);  // the rest is the sink's silence
  }
  // The tone lasts 10 windows; edges straddle silence, so ask for most of them.
  ASSERT_GE(toned.size(), 7u) << "the tone did not come back through the monitor";
  std::sort(toned.begin(), toned.end(),
            [](const auto& a, const auto& b) { return a.tone_fraction < b.tone_fraction; });
  const auto& median = toned[toned.size() / 2];
  const double tone_over_rest_db =
      10 * std::log10(median.tone_fraction / (1 - median.tone_fraction));
  std::cout << "figure: " << toned.size() << " windows with signal; median tone fraction "
            << median.tone_fraction << " (tone " << tone_over_rest_db << " dB above the rest), "
            << "level " << median.rms_dbfs << " dBFS RMS (played " << kToneLevelDbfs - 3.01
            << "), off-tone fraction " << median.off_tone_fraction << "\n";
  EXPECT_GT(median.tone_fraction, 0.99) << "tone not at least 20 dB above everything else";
  EXPECT_LT(median.off_tone_fraction, 0.001);
  EXPECT_NEAR(median.rms_dbfs, kToneLevelDbfs - 3.01, 3.0) << "a sine's RMS is 3 dB under its peak";
}

#ifdef PARLEY_AUDIO_CONFORMANCE
// The audio conformance suite skips real-device tests on machines without
// sound; here it has a sound server, so nothing may be skipped but the file test.
TEST(pulseaudio_device, AudioConformanceSuitePassesOnTheServersDevices) {
  PulseDaemon daemon(PARLEY_PULSEAUDIO_PROGRAM, PARLEY_PACTL_PROGRAM, std::chrono::seconds(20));
  std::string output;
  const int status = daemon.run({PARLEY_AUDIO_CONFORMANCE, "--plugin", PARLEY_PORTAUDIO_PLUGIN,
                                 "--gtest_filter=-*FileDevicesGiveBackWhatWasWritten*"},
                                output);
  EXPECT_EQ(status, 0) << output;
  EXPECT_EQ(output.find("[  SKIPPED ]"), std::string::npos) << output;
  EXPECT_NE(output.find("[  PASSED  ] 8 tests"), std::string::npos) << output;
}
#endif

}  // namespace
}  // namespace parley::integration
