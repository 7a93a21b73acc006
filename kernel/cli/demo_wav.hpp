// The demo's WAV files (the sample it plays, the recordings it checks), read
// through the "wav" audio plugin like every other audio in Parley.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "media/pcm_audio.hpp"
#include "plugin/plugin_host.hpp"

namespace parley::cli::demo {

// The shipped speech sample: <prefix>/share/parley/samples/speech-en-16k.wav,
// the same path in the build tree and an installation.
std::filesystem::path default_sample();

// Mono 16-bit audio, resampled to rate_hz when that is not 0 and differs.
// Throws std::runtime_error naming the file when it cannot be read, is not
// mono, or is longer than max_seconds.
media::PcmAudio read_mono_wav(const plugin::PluginHost& host, const std::filesystem::path& path,
                              std::uint32_t rate_hz = 0, double max_seconds = 600);

}  // namespace parley::cli::demo
