// WAV files for the call tests, written and read through the build's wav
// audio plugin (the same one a call uses), and a signal worth correlating:
// a chirp under a slow envelope, so exactly one alignment matches.
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <numbers>
#include <stdexcept>
#include <vector>

#include "call_test_world.hpp"
#include "plugin/audio_plugin.hpp"

namespace parley::call_test {

inline plugin::AudioPlugin wav_plugin() {
  for (const auto& ranked : built_plugins().ranked(PARLEY_KIND_AUDIO_DEVICE)) {
    if (ranked.offer.interface->name == "wav") return plugin::AudioPlugin(ranked.offer);
  }
  throw std::runtime_error("the wav plugin is not built");
}

inline std::vector<std::int16_t> test_signal(std::uint32_t rate_hz, double seconds,
                                             double base_hz) {
  std::vector<std::int16_t> samples(static_cast<std::size_t>(rate_hz * seconds));
  double phase = 0;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const double t = static_cast<double>(i) / rate_hz;
    const double frequency = base_hz * (1 + 0.6 * std::sin(2 * std::numbers::pi * 0.7 * t));
    phase += 2 * std::numbers::pi * frequency / rate_hz;
    const double envelope = 0.55 + 0.45 * std::sin(2 * std::numbers::pi * 1.3 * t);
    samples[i] = static_cast<std::int16_t>(9000 * envelope *
                                           (std::sin(phase) + 0.4 * std::sin(2.7 * phase)));
  }
  return samples;
}

inline void write_wav(const std::filesystem::path& path, const std::vector<std::int16_t>& samples,
                      std::uint32_t rate_hz) {
  plugin::AudioStreamRequest request;
  request.device_id = path.string();
  request.direction = PARLEY_AUDIO_PLAYBACK;
  request.sample_rate_hz = rate_hz;
  request.channels = 1;
  auto stream = wav_plugin().open(request);
  stream.write(samples);
}

inline std::vector<std::int16_t> read_wav(const std::filesystem::path& path) {
  plugin::AudioStreamRequest request;
  request.device_id = path.string();
  request.direction = PARLEY_AUDIO_CAPTURE;
  auto stream = wav_plugin().open(request);
  std::vector<std::int16_t> all;
  std::vector<std::int16_t> chunk(4800);
  while (const auto got = stream.read(chunk)) {
    all.insert(all.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(got));
  }
  return all;
}

// Normalised correlation of degraded against reference delayed by lag samples.
inline double correlation_at(const std::vector<std::int16_t>& reference,
                             const std::vector<std::int16_t>& degraded, std::int64_t lag,
                             std::size_t length) {
  double cross = 0, reference_energy = 0, degraded_energy = 0;
  for (std::size_t i = 0; i < length; ++i) {
    const auto j = static_cast<std::int64_t>(i) + lag;
    if (j < 0 || static_cast<std::size_t>(j) >= degraded.size() || i >= reference.size()) continue;
    const double r = reference[i];
    const double d = degraded[static_cast<std::size_t>(j)];
    cross += r * d;
    reference_energy += r * r;
    degraded_energy += d * d;
  }
  return cross / std::sqrt(std::max(reference_energy * degraded_energy, 1.0));
}

}  // namespace parley::call_test
