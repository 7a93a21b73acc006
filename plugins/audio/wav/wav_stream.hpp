// A WAV file as an audio device: capture reads a file, playback writes one.
// Unpaced: the kernel's media clock decides how fast frames flow.
#pragma once

#include <optional>

#include "parley/sdk/audio_device.hpp"
#include "wav_file.hpp"

namespace parley::wav_device {

class WavStream {
 public:
  // device_id is the file path. Options (playback): header_refresh_ms=1000,
  // how much audio a crash may lose from the file's header.
  explicit WavStream(const sdk::StreamParams& params);
  [[nodiscard]] sdk::StreamFormat format() const { return format_; }
  std::size_t read(std::span<std::int16_t> pcm);
  void write(std::span<const std::int16_t> pcm);

 private:
  sdk::StreamFormat format_;
  std::optional<wav::WavReader> reader_;
  std::optional<wav::WavWriter> writer_;
};

}  // namespace parley::wav_device
