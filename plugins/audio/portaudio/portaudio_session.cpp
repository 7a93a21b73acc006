#include "portaudio_session.hpp"

#include <portaudio.h>

#include <cmath>
#include <mutex>

namespace parley::portaudio_device {
namespace {

std::mutex& session_mutex() {
  static std::mutex mutex;
  return mutex;
}
int session_count = 0;  // guarded by session_mutex()

}  // namespace

PortAudioSession::PortAudioSession() {
  const std::lock_guard lock(session_mutex());
  if (session_count == 0) {
    const PaError error = Pa_Initialize();
    if (error != paNoError) {
      throw sdk::Error(PARLEY_ERR_IO,
                       std::string("PortAudio failed to start: ") + Pa_GetErrorText(error));
    }
  }
  ++session_count;
}

PortAudioSession::PortAudioSession(const PortAudioSession& /*other*/) {
  const std::lock_guard lock(session_mutex());
  ++session_count;  // the other session keeps PortAudio up, so no initialisation
}

PortAudioSession::~PortAudioSession() {
  const std::lock_guard lock(session_mutex());
  if (--session_count == 0) Pa_Terminate();
}

std::string device_id_of(int device_index) {
  const PaDeviceInfo* device = Pa_GetDeviceInfo(device_index);
  if (device == nullptr) return {};
  const PaHostApiInfo* host = Pa_GetHostApiInfo(device->hostApi);
  return std::string(host != nullptr ? host->name : "?") + "/" + device->name;
}

int find_device(const std::string& device_id, bool capture) {
  if (device_id.empty()) return capture ? Pa_GetDefaultInputDevice() : Pa_GetDefaultOutputDevice();
  const int count = Pa_GetDeviceCount();
  for (int index = 0; index < count; ++index) {
    const PaDeviceInfo* device = Pa_GetDeviceInfo(index);
    if (device == nullptr) continue;
    const int channels = capture ? device->maxInputChannels : device->maxOutputChannels;
    if (channels > 0 && device_id_of(index) == device_id) return index;
  }
  return -1;
}

std::vector<sdk::AudioDevice> list_devices() {
  std::vector<sdk::AudioDevice> devices;
  const int count = Pa_GetDeviceCount();
  for (int index = 0; index < count; ++index) {
    const PaDeviceInfo* device = Pa_GetDeviceInfo(index);
    if (device == nullptr) continue;
    sdk::AudioDevice entry;
    entry.device_id = device_id_of(index);
    entry.display_name = device->name;
    if (device->maxInputChannels > 0) entry.directions |= PARLEY_AUDIO_CAPTURE;
    if (device->maxOutputChannels > 0) entry.directions |= PARLEY_AUDIO_PLAYBACK;
    entry.default_sample_rate_hz =
        static_cast<std::uint32_t>(std::lround(device->defaultSampleRate));
    entry.max_channels =
        static_cast<std::uint32_t>(std::max(device->maxInputChannels, device->maxOutputChannels));
    if (entry.directions != 0) devices.push_back(std::move(entry));
  }
  return devices;
}

}  // namespace parley::portaudio_device
