// Where a call's audio comes from and goes to, one frame at a time on the
// engine's media clock: a WAV file through the "wav" audio plugin (looped or
// followed by silence), the preferred audio device plugin's default devices,
// or, when no device opens, a tone and a sink that discards.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "plugin/plugin_host.hpp"

namespace parley::call {

struct AudioEndpoints;

class CallAudioSource {
 public:
  virtual ~CallAudioSource() = default;
  [[nodiscard]] virtual std::uint32_t rate_hz() const = 0;
  // Fills the whole frame (mono): silence past the end of a file that is not looped.
  virtual void read_frame(std::span<std::int16_t> frame) = 0;
};

class CallAudioSink {
 public:
  virtual ~CallAudioSink() = default;
  [[nodiscard]] virtual std::uint32_t rate_hz() const = 0;
  virtual void write_frame(std::span<const std::int16_t> frame) = 0;
};

struct CallAudio {
  std::unique_ptr<CallAudioSource> source;
  std::unique_ptr<CallAudioSink> sink;
  std::string recording;              // the WAV written, when one is
  std::vector<std::string> warnings;  // for the event log: why a fallback was taken
};

// Throws std::runtime_error when a file asked for cannot be opened (a missing
// WAV is the user's mistake, not a reason to send a tone instead).
CallAudio open_call_audio(const plugin::PluginHost& host, const AudioEndpoints& endpoints);

}  // namespace parley::call
