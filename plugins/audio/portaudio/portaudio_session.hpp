// PortAudio is initialised once per process: every user holds a session, the
// first one initialises the library and the last one terminates it.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "parley/sdk/audio_device.hpp"

namespace parley::portaudio_device {

class PortAudioSession {
 public:
  PortAudioSession();  // throws sdk::Error(IO) when PortAudio cannot start
  PortAudioSession(const PortAudioSession&);
  PortAudioSession& operator=(const PortAudioSession&) = delete;
  ~PortAudioSession();
};

// Pins every shared object that appeared since `before` (see the .cpp: the
// sound libraries PortAudio loads cannot be unloaded safely).
std::set<std::string> loaded_objects();
void pin_objects_loaded_since(const std::set<std::string>& before);

// "<host API>/<device name>", e.g. "ALSA/pulse": stable across runs, unlike
// PortAudio's device index, which shifts when any device comes or goes.
std::string device_id_of(int device_index);

// -1 when absent. An empty id is the host's default device for the direction.
int find_device(const std::string& device_id, bool capture);

std::vector<sdk::AudioDevice> list_devices();

}  // namespace parley::portaudio_device
