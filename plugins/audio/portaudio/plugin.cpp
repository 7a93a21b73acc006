// audio-portaudio: the machine's real capture and playback devices.
#include "portaudio_stream.hpp"

namespace {

struct PortAudio {
  static constexpr std::uint32_t flags = PARLEY_AUDIO_PACED;
  static std::vector<parley::sdk::AudioDevice> devices() {
    const parley::portaudio_device::PortAudioSession session;
    return parley::portaudio_device::list_devices();
  }
  using Stream = parley::portaudio_device::PortAudioStream;
};

constexpr parley::sdk::PluginInfo kInfo{
    .id = "org.parley.audio.portaudio",
    .display_name = "PortAudio devices",
    .version = "1.0.0",
    .license = "LGPL-2.1-or-later",
    .description = "Microphones and speakers through PortAudio (ALSA, and PulseAudio via ALSA)",
};

}  // namespace

PARLEY_PLUGIN(kInfo, parley::sdk::audio_device<PortAudio>("portaudio", 50))
