#include "media/quality_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <vector>

namespace parley::media {
namespace {

constexpr double kSnrFloorDb = -10;
constexpr double kSnrCeilingDb = 35;
// Power below this (about -100 dBFS per bin) counts as this: silence in both
// signals must not turn into huge spectral differences.
constexpr double kPowerFloor = 1e-10;

double frame_energy(std::span<const std::int16_t> pcm) {
  double energy = 0;
  for (auto x : pcm) energy += double(x) * x;
  return energy;
}

// Which frames of the reference are speech, by energy against the loudest frame.
std::vector<bool> active_frames(std::span<const std::int16_t> reference, std::size_t frame,
                                std::size_t frames, double below_peak_db) {
  std::vector<double> energies(frames);
  double peak = 0;
  for (std::size_t f = 0; f < frames; ++f) {
    energies[f] = frame_energy(reference.subspan(f * frame, frame));
    peak = std::max(peak, energies[f]);
  }
  const double threshold = peak * std::pow(10.0, -below_peak_db / 10);
  std::vector<bool> active(frames);
  for (std::size_t f = 0; f < frames; ++f) active[f] = energies[f] > threshold && energies[f] > 0;
  return active;
}

// In-place iterative radix-2 FFT; data.size() is a power of two.
void fft(std::vector<std::complex<double>>& data) {
  const std::size_t n = data.size();
  for (std::size_t i = 1, j = 0; i < n; ++i) {
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(data[i], data[j]);
  }
  for (std::size_t length = 2; length <= n; length <<= 1) {
    const double angle = -2 * std::numbers::pi / static_cast<double>(length);
    const std::complex<double> step(std::cos(angle), std::sin(angle));
    for (std::size_t i = 0; i < n; i += length) {
      std::complex<double> w(1);
      for (std::size_t k = 0; k < length / 2; ++k) {
        const auto even = data[i + k];
        const auto odd = data[i + k + length / 2] * w;
        data[i + k] = even + odd;
        data[i + k + length / 2] = even - odd;
        w *= step;
      }
    }
  }
}

class PowerSpectrum {
 public:
  explicit PowerSpectrum(std::size_t window) : window_(window), buffer_(fft_size(window)) {
    hann_.resize(window);
    for (std::size_t i = 0; i < window; ++i) {
      hann_[i] = 0.5 - 0.5 * std::cos(2 * std::numbers::pi * static_cast<double>(i) /
                                      static_cast<double>(window));
    }
  }
  // Power per bin (DC..Nyquist) of pcm[0..window), normalised to full scale.
  const std::vector<double>& of(std::span<const std::int16_t> pcm) {
    std::fill(buffer_.begin(), buffer_.end(), std::complex<double>{});
    for (std::size_t i = 0; i < window_ && i < pcm.size(); ++i) {
      buffer_[i] = hann_[i] * pcm[i] / 32768.0;
    }
    fft(buffer_);
    power_.resize(buffer_.size() / 2 + 1);
    for (std::size_t k = 0; k < power_.size(); ++k) power_[k] = std::norm(buffer_[k]);
    return power_;
  }

 private:
  static std::size_t fft_size(std::size_t window) {
    std::size_t n = 1;
    while (n < window) n <<= 1;
    return n;
  }
  std::size_t window_;
  std::vector<double> hann_;
  std::vector<std::complex<double>> buffer_;
  std::vector<double> power_;
};

}  // namespace

double segmental_snr_db(std::span<const std::int16_t> reference,
                        std::span<const std::int16_t> degraded, std::uint32_t sample_rate_hz,
                        const QualityOptions& options) {
  const auto frame = static_cast<std::size_t>(sample_rate_hz * options.frame_ms / 1000);
  const std::size_t frames = std::min(reference.size(), degraded.size()) / frame;
  if (frame == 0 || frames == 0) return 0;
  const auto active = active_frames(reference, frame, frames, options.active_below_peak_db);
  double sum = 0;
  std::size_t counted = 0;
  for (std::size_t f = 0; f < frames; ++f) {
    if (!active[f]) continue;
    double signal = 0, noise = 0;
    for (std::size_t i = f * frame; i < (f + 1) * frame; ++i) {
      const double error = double(reference[i]) - degraded[i];
      signal += double(reference[i]) * reference[i];
      noise += error * error;
    }
    const double snr = noise == 0 ? kSnrCeilingDb : 10 * std::log10(signal / noise);
    sum += std::clamp(snr, kSnrFloorDb, kSnrCeilingDb);
    ++counted;
  }
  return counted == 0 ? 0 : sum / static_cast<double>(counted);
}

double log_spectral_distance_db(std::span<const std::int16_t> reference,
                                std::span<const std::int16_t> degraded,
                                std::uint32_t sample_rate_hz, const QualityOptions& options) {
  const auto hop = static_cast<std::size_t>(sample_rate_hz * options.frame_ms / 1000);
  const auto window = static_cast<std::size_t>(sample_rate_hz * 0.032);
  const std::size_t length = std::min(reference.size(), degraded.size());
  if (hop == 0 || length < window) return 0;
  const std::size_t frames = (length - window) / hop + 1;
  const auto active =
      active_frames(reference, hop, std::min(frames, length / hop), options.active_below_peak_db);
  PowerSpectrum reference_spectrum(window), degraded_spectrum(window);
  double sum = 0;
  std::size_t counted = 0;
  for (std::size_t f = 0; f < frames && f < active.size(); ++f) {
    if (!active[f]) continue;
    const auto& p = reference_spectrum.of(reference.subspan(f * hop, window));
    const auto& q = degraded_spectrum.of(degraded.subspan(f * hop, window));
    std::size_t bins = p.size();
    if (options.max_frequency_hz > 0) {
      const double bin_hz = sample_rate_hz / (2.0 * static_cast<double>(p.size() - 1));
      bins = std::min(bins, static_cast<std::size_t>(options.max_frequency_hz / bin_hz) + 1);
    }
    const double peak = *std::max_element(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(bins));
    const double floor =
        std::max(kPowerFloor, peak * std::pow(10.0, -options.spectral_range_db / 10));
    double squares = 0;
    for (std::size_t k = 0; k < bins; ++k) {
      const double difference_db = 10 * std::log10(std::max(p[k], floor) / std::max(q[k], floor));
      squares += difference_db * difference_db;
    }
    sum += std::sqrt(squares / static_cast<double>(bins));
    ++counted;
  }
  return counted == 0 ? 0 : sum / static_cast<double>(counted);
}

std::int64_t alignment_lag(std::span<const std::int16_t> reference,
                           std::span<const std::int16_t> degraded, std::int64_t max_lag,
                           std::size_t analysis_samples) {
  const auto n =
      static_cast<std::int64_t>(std::min({reference.size(), degraded.size(), analysis_samples}));
  double best = -1e300;
  std::int64_t best_lag = 0;
  for (std::int64_t lag = -max_lag; lag <= max_lag; ++lag) {
    double correlation = 0;
    for (std::int64_t i = std::max<std::int64_t>(0, -lag);
         i < n && i + lag < static_cast<std::int64_t>(degraded.size()); ++i) {
      correlation += double(reference[static_cast<std::size_t>(i)]) *
                     degraded[static_cast<std::size_t>(i + lag)];
    }
    if (correlation > best) {
      best = correlation;
      best_lag = lag;
    }
  }
  return best_lag;
}

}  // namespace parley::media
