// audio-tone: a capture-only test signal generator (sine, silence, noise).
#include <stdexcept>

#include "parley/sdk/audio_device.hpp"
#include "tone_generator.hpp"

namespace {

using parley::sdk::Error;

constexpr std::uint32_t kDefaultRateHz = 48000;

class ToneStream {
 public:
  // Options: freq_hz=440 (0: silence), level_dbfs=-12, noise=1, duration_ms=N.
  explicit ToneStream(const parley::sdk::StreamParams& params)
      : format_{params.sample_rate_hz != 0 ? params.sample_rate_hz : kDefaultRateHz,
                params.channels != 0 ? params.channels : 1},
        generator_(make_generator(params, format_)) {}

  [[nodiscard]] parley::sdk::StreamFormat format() const { return format_; }
  std::size_t read(std::span<std::int16_t> pcm) { return generator_.generate(pcm); }
  void write(std::span<const std::int16_t> /*pcm*/) {
    throw Error(PARLEY_ERR_UNSUPPORTED, "the tone generator only captures");
  }

 private:
  static parley::tone::ToneGenerator make_generator(const parley::sdk::StreamParams& params,
                                                    parley::sdk::StreamFormat format) {
    if (!params.capture()) throw Error(PARLEY_ERR_UNSUPPORTED, "the tone generator only captures");
    if (!params.device_id.empty() && params.device_id != "tone") {
      throw Error(PARLEY_ERR_NOT_FOUND, "the tone plugin has one device, 'tone'");
    }
    parley::sdk::Options options(params.options);
    parley::tone::ToneSettings settings;
    settings.frequency_hz = options.number<double>("freq_hz", 440.0, 0.0, 96000.0);
    settings.level_dbfs = options.number<double>("level_dbfs", -12.0, -200.0, 0.0);
    settings.noise = options.number<int>("noise", 0, 0, 1) == 1;
    settings.noise_seed = options.number<std::uint64_t>("seed", 1, 0, UINT64_MAX);
    if (options.text("duration_ms")) {
      settings.duration_ms = options.number<std::uint64_t>("duration_ms", 0, 0, 86400000);
    }
    options.reject_unknown();
    try {
      return {settings, format.sample_rate_hz, format.channels};
    } catch (const std::invalid_argument& error) {
      throw Error(PARLEY_ERR_INVALID_ARGUMENT, error.what());
    }
  }

  parley::sdk::StreamFormat format_;
  parley::tone::ToneGenerator generator_;
};

struct Tone {
  static constexpr std::uint32_t flags = 0;  // unpaced: the media clock paces it
  static std::vector<parley::sdk::AudioDevice> devices() {
    return {{"tone", "Test tone generator", PARLEY_AUDIO_CAPTURE, kDefaultRateHz,
             PARLEY_AUDIO_MAX_CHANNELS}};
  }
  using Stream = ToneStream;
};

constexpr parley::sdk::PluginInfo kInfo{
    .id = "org.parley.audio.tone",
    .display_name = "Tone generator",
    .version = "1.0.0",
    .license = "LGPL-2.1-or-later",
    .description = "Sine tone, silence or white noise as a capture source, for tests",
};

}  // namespace

PARLEY_PLUGIN(kInfo, parley::sdk::audio_device<Tone>("tone", 0))
