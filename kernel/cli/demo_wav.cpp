#include "cli/demo_wav.hpp"

#include <stdexcept>
#include <string>

#include "config/paths.hpp"
#include "media/resampler.hpp"
#include "plugin/audio_plugin.hpp"

namespace parley::cli::demo {
namespace {

plugin::AudioPlugin wav_plugin(const plugin::PluginHost& host) {
  for (const auto& ranked : host.ranked(PARLEY_KIND_AUDIO_DEVICE)) {
    if (ranked.offer.interface->name == std::string_view("wav")) {
      return plugin::AudioPlugin(ranked.offer);
    }
  }
  throw std::runtime_error(
      "the demo reads WAV files through the \"wav\" audio plugin, which is not loaded "
      "(see `parley plugins list`)");
}

}  // namespace

std::filesystem::path default_sample() {
  return config::program_prefix() / "share/parley/samples/speech-en-16k.wav";
}

MonoAudio read_mono_wav(const plugin::PluginHost& host, const std::filesystem::path& path,
                        std::uint32_t rate_hz, double max_seconds) {
  plugin::AudioStreamRequest request;
  request.device_id = path.string();
  request.direction = PARLEY_AUDIO_CAPTURE;
  request.frame_samples = 4096;
  MonoAudio audio;
  try {
    auto stream = wav_plugin(host).open(request);
    if (stream.format().channels != 1) {
      throw std::runtime_error(path.string() + " is not mono");
    }
    audio.sample_rate_hz = stream.format().sample_rate_hz;
    const auto limit = static_cast<std::size_t>(max_seconds * audio.sample_rate_hz);
    std::vector<std::int16_t> block(4096);
    while (const auto frames = stream.read(block)) {
      audio.samples.insert(audio.samples.end(), block.begin(),
                           block.begin() + static_cast<std::ptrdiff_t>(frames));
      if (audio.samples.size() > limit) {
        throw std::runtime_error(path.string() + " is longer than " +
                                 std::to_string(static_cast<int>(max_seconds)) + " s");
      }
    }
  } catch (const plugin::PluginCallError& error) {
    throw std::runtime_error("cannot read " + path.string() + ": " + error.what());
  }
  if (rate_hz != 0 && rate_hz != audio.sample_rate_hz) {
    media::Resampler resampler(1, audio.sample_rate_hz, rate_hz);
    audio.samples = resampler.process(audio.samples);
    audio.sample_rate_hz = rate_hz;
  }
  return audio;
}

}  // namespace parley::cli::demo
