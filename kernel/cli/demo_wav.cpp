#include "cli/demo_wav.hpp"

#include <stdexcept>
#include <string>

#include "cli/wav_files.hpp"
#include "config/paths.hpp"
#include "media/resampler.hpp"

namespace parley::cli::demo {

std::filesystem::path default_sample() {
  return config::program_prefix() / "share/parley/samples/speech-en-16k.wav";
}

media::PcmAudio read_mono_wav(const plugin::PluginHost& host, const std::filesystem::path& path,
                              std::uint32_t rate_hz, double max_seconds) {
  auto audio = read_wav(wav_plugin(host, "the demo"), path, max_seconds);
  if (audio.channels != 1) throw std::runtime_error(path.string() + " is not mono");
  if (rate_hz != 0 && rate_hz != audio.sample_rate_hz) {
    media::Resampler resampler(1, audio.sample_rate_hz, rate_hz);
    audio.samples = resampler.process(audio.samples);
    audio.sample_rate_hz = rate_hz;
  }
  return audio;
}

}  // namespace parley::cli::demo
