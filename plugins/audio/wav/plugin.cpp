// audio-wav: WAV files as capture sources and playback sinks.
#include "wav_stream.hpp"

namespace {

struct WavFiles {
  static constexpr std::uint32_t flags = 0;  // unpaced: files go as fast as they are asked
  // Files have no list: any path is a device.
  static std::vector<parley::sdk::AudioDevice> devices() { return {}; }
  using Stream = parley::wav_device::WavStream;
};

constexpr parley::sdk::PluginInfo kInfo{
    .id = "org.parley.audio.wav",
    .display_name = "WAV files",
    .version = "1.0.0",
    .license = "LGPL-2.1-or-later",
    .description = "Reads 16-bit PCM WAV files as capture, writes them as playback",
};

}  // namespace

PARLEY_PLUGIN(kInfo, parley::sdk::audio_device<WavFiles>("wav", 10))
