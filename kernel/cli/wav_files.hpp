// WAV files for the CLI commands (the codec lab's input and output, the
// demo's sample and recordings), read and written through the "wav" audio
// plugin like every other audio in Parley, with errors that say how to fix
// the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

#include "media/pcm_audio.hpp"
#include "plugin/audio_plugin.hpp"
#include "plugin/plugin_host.hpp"

namespace parley::cli {

// The "wav" audio plugin; throws std::runtime_error naming who needs it
// ("the codec lab") when it is not installed or is denied by policy.
plugin::AudioPlugin wav_plugin(const plugin::PluginHost& host, std::string_view who);

// The whole file. Throws std::runtime_error saying what is wrong and how to
// convert it, when it cannot be read, holds no audio or is longer than
// max_seconds (so a huge file is refused, not read into memory).
media::PcmAudio read_wav(const plugin::AudioPlugin& wav, const std::filesystem::path& path,
                         double max_seconds = 600);

// samples interleaved, channels of them per frame.
void write_wav(const plugin::AudioPlugin& wav, const std::filesystem::path& path,
               std::span<const std::int16_t> samples, std::uint32_t rate_hz,
               std::uint32_t channels);

}  // namespace parley::cli
