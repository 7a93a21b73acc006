// A real capture or playback device through PortAudio's blocking API: read
// and write return at the device's pace (PARLEY_AUDIO_PACED).
#pragma once

#include <atomic>

#include "parley/sdk/audio_device.hpp"
#include "portaudio_session.hpp"

namespace parley::portaudio_device {

class PortAudioStream {
 public:
  // Options: latency_ms=N overrides the device's suggested latency.
  explicit PortAudioStream(const sdk::StreamParams& params);
  PortAudioStream(const PortAudioStream&) = delete;
  PortAudioStream& operator=(const PortAudioStream&) = delete;
  ~PortAudioStream();

  [[nodiscard]] sdk::StreamFormat format() const { return format_; }
  std::size_t read(std::span<std::int16_t> pcm);
  void write(std::span<const std::int16_t> pcm);
  [[nodiscard]] sdk::GlitchCounts glitches() const;

 private:
  PortAudioSession session_;  // first member: PortAudio outlives the stream below
  void* stream_ = nullptr;    // PaStream
  bool capture_;
  sdk::StreamFormat format_;
  std::atomic<std::uint64_t> overflows_{0};
  std::atomic<std::uint64_t> underflows_{0};
};

}  // namespace parley::portaudio_device
