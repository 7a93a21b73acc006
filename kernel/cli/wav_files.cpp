#include "cli/wav_files.hpp"

#include <algorithm>
#include <span>
#include <stdexcept>
#include <string>

#include "log/log.hpp"

namespace parley::cli {
namespace {

constexpr std::size_t kBlockFrames = 4096;

std::string wav_advice(parley_status status, const std::filesystem::path& path) {
  const std::string convert = "\n  Convert it to 16-bit PCM, e.g.: sox '" + path.string() +
                              "' -b 16 -e signed-integer fixed.wav   (or: ffmpeg -i '" +
                              path.string() + "' -c:a pcm_s16le fixed.wav)";
  switch (status) {
    case PARLEY_ERR_NOT_FOUND: return "no such file: " + path.string();
    case PARLEY_ERR_INVALID_ARGUMENT:
      return path.string() +
             " is not a well-formed WAV file: not RIFF/WAVE at all, truncated, or with header "
             "sizes that do not match its contents (the reason is logged above)." +
             convert;
    case PARLEY_ERR_UNSUPPORTED:
      return path.string() +
             " is a WAV format Parley does not read: it needs 16-bit PCM, mono or stereo, "
             "8 to 192 kHz (the reason is logged above)." +
             convert;
    case PARLEY_ERR_IO: return "cannot read " + path.string() + " (the reason is logged above)";
    default: return "cannot read " + path.string() + ": " + plugin::describe_status(status);
  }
}

// The plugin's own reason travels only through the host log (at warn level):
// when the user silenced that, open once more with it on.
void log_the_plugins_reason(const plugin::AudioPlugin& wav,
                            const plugin::AudioStreamRequest& request) {
  if (log::enabled(log::Level::warn)) return;
  const auto level = log::level();
  log::set_level(log::Level::debug);
  try {
    [[maybe_unused]] const auto again = wav.open(request);
  } catch (const plugin::PluginCallError&) {
  }
  log::set_level(level);
}

}  // namespace

plugin::AudioPlugin wav_plugin(const plugin::PluginHost& host, std::string_view who) {
  for (const auto& ranked : host.ranked(PARLEY_KIND_AUDIO_DEVICE)) {
    if (ranked.offer.interface->name == std::string_view("wav")) {
      return plugin::AudioPlugin(ranked.offer);
    }
  }
  throw std::runtime_error(std::string(who) +
                           " reads and writes WAV files through the \"wav\" audio plugin, which "
                           "is not installed or is denied by policy (see `parley plugins list`)");
}

media::PcmAudio read_wav(const plugin::AudioPlugin& wav, const std::filesystem::path& path,
                         double max_seconds) {
  plugin::AudioStreamRequest request;
  request.device_id = path.string();
  request.direction = PARLEY_AUDIO_CAPTURE;
  request.frame_samples = kBlockFrames;
  try {
    auto stream = wav.open(request);
    media::PcmAudio audio;
    audio.sample_rate_hz = stream.format().sample_rate_hz;
    audio.channels = stream.format().channels;
    const auto limit =
        static_cast<std::size_t>(max_seconds * audio.sample_rate_hz) * std::size_t{audio.channels};
    std::vector<std::int16_t> block(kBlockFrames * audio.channels);
    while (const auto frames = stream.read(block)) {
      audio.samples.insert(audio.samples.end(), block.begin(),
                           block.begin() + static_cast<std::ptrdiff_t>(frames * audio.channels));
      if (audio.samples.size() > limit) {
        throw std::runtime_error(path.string() + " is longer than " +
                                 std::to_string(static_cast<int>(max_seconds)) +
                                 " s; cut it shorter (e.g. sox IN.wav OUT.wav trim 0 60)");
      }
    }
    if (audio.samples.empty()) throw std::runtime_error(path.string() + " holds no audio");
    return audio;
  } catch (const plugin::PluginCallError& error) {
    if (error.status() != PARLEY_ERR_NOT_FOUND) log_the_plugins_reason(wav, request);
    throw std::runtime_error(wav_advice(error.status(), path));
  }
}

void write_wav(const plugin::AudioPlugin& wav, const std::filesystem::path& path,
               std::span<const std::int16_t> samples, std::uint32_t rate_hz,
               std::uint32_t channels) {
  plugin::AudioStreamRequest request;
  request.device_id = path.string();
  request.direction = PARLEY_AUDIO_PLAYBACK;
  request.sample_rate_hz = rate_hz;
  request.channels = channels;
  request.frame_samples = kBlockFrames;
  auto stream = wav.open(request);
  const std::size_t block = kBlockFrames * channels;
  for (std::size_t offset = 0; offset < samples.size(); offset += block) {
    stream.write(samples.subspan(offset, std::min(block, samples.size() - offset)));
  }
}

}  // namespace parley::cli
