// The kernel's view of an audio device interface: device lists as vectors and
// RAII streams that keep their plugin's library mapped.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "parley/abi/audio_device.h"
#include "plugin/plugin_call_error.hpp"
#include "plugin/plugin_registry.hpp"

namespace parley::plugin {

struct AudioDevice {
  std::string device_id;
  std::string display_name;
  std::uint32_t directions = 0;  // PARLEY_AUDIO_CAPTURE | PARLEY_AUDIO_PLAYBACK
  std::uint32_t default_sample_rate_hz = 0;
  std::uint32_t max_channels = 0;
};

struct AudioStreamRequest {
  std::string device_id;  // file path for file devices; empty: the default device
  std::uint32_t direction = PARLEY_AUDIO_CAPTURE;
  std::uint32_t sample_rate_hz = 0;  // 0: the device's own
  std::uint32_t channels = 0;        // 0: the device's own
  std::uint32_t frame_samples = 960;
  std::string options;  // "key=value;..."
};

struct AudioFormat {
  std::uint32_t sample_rate_hz = 0;
  std::uint32_t channels = 0;
};

struct AudioStreamStats {
  std::uint64_t frames = 0;
  std::uint64_t overflows = 0;
  std::uint64_t underflows = 0;
};

class AudioStream;

class AudioPlugin {
 public:
  explicit AudioPlugin(const Offer& offer);
  [[nodiscard]] const std::string& name() const { return name_; }
  // Paced streams block at the device's pace; others need the media clock.
  [[nodiscard]] bool paced() const { return (api_->flags & PARLEY_AUDIO_PACED) != 0; }
  [[nodiscard]] std::vector<AudioDevice> devices() const;
  [[nodiscard]] AudioStream open(const AudioStreamRequest& request) const;

 private:
  friend class AudioStream;
  const parley_audio_device_api* api_;
  std::size_t api_size_;
  std::string name_;
  std::shared_ptr<const PluginLibrary> library_;
};

class AudioStream {
 public:
  AudioStream(AudioStream&& other) noexcept;
  AudioStream& operator=(AudioStream&&) = delete;
  AudioStream(const AudioStream&) = delete;
  AudioStream& operator=(const AudioStream&) = delete;
  ~AudioStream();

  // The format the stream really runs at (the device's own when asked for 0).
  [[nodiscard]] const AudioFormat& format() const { return format_; }
  // Fills pcm (interleaved) with up to pcm.size() / channels frames; returns the
  // frames read, fewer only at the end of a file, 0 once it is finished.
  std::size_t read(std::span<std::int16_t> pcm);
  // Writes pcm.size() / channels frames.
  void write(std::span<const std::int16_t> pcm);
  [[nodiscard]] AudioStreamStats stats() const;

 private:
  friend class AudioPlugin;
  AudioStream(AudioPlugin plugin, void* handle);
  void check(parley_status status, const char* call) const;
  AudioPlugin plugin_;
  void* handle_;
  AudioFormat format_;
};

}  // namespace parley::plugin
