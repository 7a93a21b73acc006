#include "portaudio_session.hpp"

#include <dlfcn.h>
#include <link.h>
#include <portaudio.h>

#include <cmath>
#include <mutex>
#include <set>

namespace parley::portaudio_device {
namespace {

std::mutex& session_mutex() {
  static std::mutex mutex;
  return mutex;
}
int session_count = 0;  // guarded by session_mutex()

}  // namespace

// PortAudio, ALSA and the modules ALSA loads on its own (the pulse and JACK
// pcm plugins, libpulse, libjack) keep heap state reachable only from their
// own globals and may leave threads behind, so unmapping them is not safe:
// every object that appears while PortAudio starts or opens a device stays
// mapped for the life of the process, whatever the kernel later unloads.
std::set<std::string> loaded_objects() {
  std::set<std::string> names;
  ::dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t /*size*/, void* user) {
        if (info->dlpi_name != nullptr && info->dlpi_name[0] != '\0') {
          static_cast<std::set<std::string>*>(user)->insert(info->dlpi_name);
        }
        return 0;
      },
      &names);
  return names;
}

void pin_objects_loaded_since(const std::set<std::string>& before) {
  Dl_info portaudio{};  // loaded with this plugin, before any session: pinned here too
  if (::dladdr(reinterpret_cast<void*>(&Pa_Initialize), &portaudio) != 0 &&
      portaudio.dli_fname != nullptr) {
    (void)::dlopen(portaudio.dli_fname, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
  }
  for (const auto& name : loaded_objects()) {
    if (before.count(name) != 0) continue;
    // NOLOAD only marks the copy already mapped; the handle is deliberately never closed.
    (void)::dlopen(name.c_str(), RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
  }
}

PortAudioSession::PortAudioSession() {
  const std::lock_guard lock(session_mutex());
  if (session_count == 0) {
    const auto before = loaded_objects();
    const PaError error = Pa_Initialize();
    pin_objects_loaded_since(before);
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
