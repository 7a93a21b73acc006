// Signals and measurements shared by the codec plugin unit tests (opus, speex,
// gsm, codec2): the speech sample, tones, tone power, long-term spectrum, delay
// alignment, SNR, and a frame-by-frame round trip through a codec's logic.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <numbers>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "parley/sdk/codec.hpp"

namespace parley::codec_test {

struct Tone {
  double frequency_hz;
  double amplitude;
};

inline std::vector<std::int16_t> tones(std::uint32_t rate_hz, std::size_t samples,
                                       std::span<const Tone> parts) {
  std::vector<std::int16_t> pcm(samples);
  for (std::size_t i = 0; i < samples; ++i) {
    double value = 0;
    for (const auto& part : parts) {
      value += part.amplitude * std::sin(2 * std::numbers::pi * part.frequency_hz *
                                         static_cast<double>(i) / rate_hz);
    }
    pcm[i] = static_cast<std::int16_t>(std::clamp(value, -32768.0, 32767.0));
  }
  return pcm;
}

// The shipped sample (share/samples/speech-en-16k.wav): 16 kHz mono 16-bit PCM.
inline std::vector<std::int16_t> read_speech_sample_16k() {
  std::ifstream file(PARLEY_SPEECH_SAMPLE_WAV, std::ios::binary);
  const std::vector<char> bytes{std::istreambuf_iterator<char>(file), {}};
  auto u32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    std::memcpy(&v, bytes.data() + at, 4);
    return v;
  };
  auto u16 = [&](std::size_t at) {
    std::uint16_t v = 0;
    std::memcpy(&v, bytes.data() + at, 2);
    return v;
  };
  if (bytes.size() < 12 || std::memcmp(bytes.data(), "RIFF", 4) != 0 ||
      std::memcmp(bytes.data() + 8, "WAVE", 4) != 0) {
    throw std::runtime_error("not a WAV file: " PARLEY_SPEECH_SAMPLE_WAV);
  }
  bool format_ok = false;
  for (std::size_t at = 12; at + 8 <= bytes.size();) {
    const std::uint32_t size = u32(at + 4);
    if (at + 8 + size > bytes.size()) break;
    if (std::memcmp(bytes.data() + at, "fmt ", 4) == 0 && size >= 16) {
      // PCM, mono, 16 kHz, 16 bits
      format_ok =
          u16(at + 8) == 1 && u16(at + 10) == 1 && u32(at + 12) == 16000 && u16(at + 22) == 16;
    } else if (std::memcmp(bytes.data() + at, "data", 4) == 0 && format_ok) {
      std::vector<std::int16_t> pcm(size / 2);
      std::memcpy(pcm.data(), bytes.data() + at + 8, pcm.size() * 2);
      return pcm;
    }
    at += 8 + size + (size & 1);
  }
  throw std::runtime_error("WAV is not 16 kHz mono 16-bit PCM: " PARLEY_SPEECH_SAMPLE_WAV);
}

// 16 kHz -> 8 kHz: windowed-sinc low-pass at 3.6 kHz (63 taps, Hann), then every second sample.
inline std::vector<std::int16_t> downsample_by_2(std::span<const std::int16_t> pcm) {
  constexpr std::size_t kHalf = 31;
  constexpr double kCutoff = 3600.0 / 16000.0;  // of the input rate
  constexpr std::size_t kTaps = 2 * kHalf + 1;
  std::array<double, kTaps> taps{};
  for (std::size_t tap = 0; tap < kTaps; ++tap) {
    const int n = static_cast<int>(tap) - static_cast<int>(kHalf);
    const double sinc = n == 0
                            ? 2 * kCutoff
                            : std::sin(2 * std::numbers::pi * kCutoff * n) / (std::numbers::pi * n);
    const double hann = 0.5 + 0.5 * std::cos(std::numbers::pi * n / (kHalf + 1));
    taps[tap] = sinc * hann;
  }
  std::vector<std::int16_t> out(pcm.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    double sum = 0;
    for (std::size_t tap = 0; tap < kTaps; ++tap) {
      // Input index 2i - n, with n = tap - kHalf.
      if (2 * i + kHalf >= tap && 2 * i + kHalf - tap < pcm.size()) {
        sum += taps[tap] * pcm[2 * i + kHalf - tap];
      }
    }
    out[i] = static_cast<std::int16_t>(std::clamp(sum, -32768.0, 32767.0));
  }
  return out;
}

inline double mean_square(std::span<const std::int16_t> pcm) {
  double sum = 0;
  for (auto s : pcm) sum += static_cast<double>(s) * s;
  return pcm.empty() ? 0 : sum / static_cast<double>(pcm.size());
}

inline double db(double power_ratio) {
  return 10 * std::log10(power_ratio);
}

// Prints a measured figure next to the test's verdict (and into the XML report),
// so a passing run still shows how much margin there was.
inline void report(const std::string& name, double value) {
  std::printf("[ measured ] %s = %.2f\n", name.c_str(), value);
  testing::Test::RecordProperty(name, std::to_string(value));
}

// Power of one frequency component (Goertzel), as the mean square of that sine:
// A^2/2 for a tone of amplitude A.
inline double tone_power(std::span<const std::int16_t> pcm, std::uint32_t rate_hz,
                         double frequency_hz) {
  const double coefficient = 2 * std::cos(2 * std::numbers::pi * frequency_hz / rate_hz);
  double previous = 0, before_previous = 0;
  for (auto sample : pcm) {
    const double current = sample + coefficient * previous - before_previous;
    before_previous = previous;
    previous = current;
  }
  const double power = previous * previous + before_previous * before_previous -
                       coefficient * previous * before_previous;
  const auto n = static_cast<double>(pcm.size());
  return 2 * power / (n * n);
}

// Long-term average spectrum summed into bands: mean power per band of 32 ms
// Hann-windowed frames. Band edges in Hz, ascending.
inline std::vector<double> band_powers(std::span<const std::int16_t> pcm, std::uint32_t rate_hz,
                                       std::span<const double> edges_hz) {
  const std::size_t frame = rate_hz * 32 / 1000;
  std::vector<double> window(frame);
  for (std::size_t i = 0; i < frame; ++i) {
    window[i] = 0.5 - 0.5 * std::cos(2 * std::numbers::pi * static_cast<double>(i) /
                                     static_cast<double>(frame));
  }
  std::vector<double> bands(edges_hz.size() - 1, 0.0);
  std::vector<double> windowed(frame);
  for (std::size_t start = 0; start + frame <= pcm.size(); start += frame / 2) {
    for (std::size_t i = 0; i < frame; ++i) windowed[i] = window[i] * pcm[start + i];
    for (std::size_t band = 0; band + 1 < edges_hz.size(); ++band) {
      const auto first_bin = static_cast<std::size_t>(
          std::ceil(edges_hz[band] * static_cast<double>(frame) / rate_hz));
      const auto end_bin = static_cast<std::size_t>(
          std::ceil(edges_hz[band + 1] * static_cast<double>(frame) / rate_hz));
      for (std::size_t bin = first_bin; bin < end_bin; ++bin) {
        // Goertzel: |X(bin)|^2 without computing the whole transform.
        const double coefficient = 2 * std::cos(2 * std::numbers::pi * static_cast<double>(bin) /
                                                static_cast<double>(frame));
        double previous = 0, before_previous = 0;
        for (double sample : windowed) {
          const double current = sample + coefficient * previous - before_previous;
          before_previous = previous;
          previous = current;
        }
        bands[band] += previous * previous + before_previous * before_previous -
                       coefficient * previous * before_previous;
      }
    }
  }
  return bands;
}

// The delay (in samples, 0..max_lag) at which `delayed` best matches `reference`.
// Cost is max_lag * reference.size(): pass an excerpt of a second or so.
inline std::size_t best_lag(std::span<const std::int16_t> reference,
                            std::span<const std::int16_t> delayed, std::size_t max_lag) {
  std::size_t best = 0;
  double best_score = -1e300;
  for (std::size_t lag = 0; lag <= max_lag && lag < delayed.size(); ++lag) {
    const std::size_t n = std::min(reference.size(), delayed.size() - lag);
    double cross = 0, energy = 1e-9;
    for (std::size_t i = 0; i < n; ++i) {
      cross += static_cast<double>(reference[i]) * delayed[i + lag];
      energy += static_cast<double>(delayed[i + lag]) * delayed[i + lag];
    }
    const double score = cross / std::sqrt(energy);
    if (score > best_score) {
      best_score = score;
      best = lag;
    }
  }
  return best;
}

// Signal-to-noise ratio of `test` against `reference`, sample by sample.
inline double snr_db(std::span<const std::int16_t> reference, std::span<const std::int16_t> test) {
  double signal = 0, noise = 0;
  const std::size_t n = std::min(reference.size(), test.size());
  for (std::size_t i = 0; i < n; ++i) {
    const double difference = static_cast<double>(reference[i]) - test[i];
    signal += static_cast<double>(reference[i]) * reference[i];
    noise += difference * difference;
  }
  return db(signal / std::max(noise, 1e-9));
}

struct RoundTrip {
  std::vector<std::int16_t> decoded;
  std::vector<std::size_t> payload_bytes;  // per frame, 0 for DTX
  [[nodiscard]] double mean_payload_bytes() const {
    double sum = 0;
    for (auto size : payload_bytes) sum += static_cast<double>(size);
    return payload_bytes.empty() ? 0 : sum / static_cast<double>(payload_bytes.size());
  }
};

// Encodes `input` frame by frame and decodes every payload (a DTX frame is
// concealed, as a receiver would), so decoded has input's length, minus any
// incomplete last frame.
template <typename Codec>
RoundTrip round_trip(const sdk::CodecParams& params, std::span<const std::int16_t> input) {
  typename Codec::Encoder encoder(params);
  typename Codec::Decoder decoder(params);
  const std::size_t frame = std::size_t{params.samples_per_channel()} * params.channels;
  std::vector<std::uint8_t> payload(Codec::info().max_payload_bytes);
  std::vector<std::int16_t> pcm(frame);
  RoundTrip result;
  for (std::size_t at = 0; at + frame <= input.size(); at += frame) {
    const auto size = encoder.encode(input.subspan(at, frame), payload);
    result.payload_bytes.push_back(size);
    sdk::DecodeRequest request;
    request.lost = size == 0;
    request.payload = std::span<const std::uint8_t>(payload.data(), size);
    const auto samples = decoder.decode(request, pcm);
    if (samples * params.channels != frame) throw std::runtime_error("decoded a partial frame");
    result.decoded.insert(result.decoded.end(), pcm.begin(), pcm.end());
  }
  return result;
}

}  // namespace parley::codec_test
