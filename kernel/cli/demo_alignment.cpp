#include "cli/demo_alignment.hpp"

#include <algorithm>
#include <cmath>

namespace parley::cli::demo {
namespace {

// Mean absolute value per block: a low-rate energy envelope, zero-mean so a
// louder stretch correlates with a louder stretch, not with everything.
std::vector<double> envelope(std::span<const std::int16_t> pcm, std::size_t block) {
  std::vector<double> out(pcm.size() / block);
  for (std::size_t b = 0; b < out.size(); ++b) {
    double sum = 0;
    for (std::size_t i = 0; i < block; ++i) sum += std::abs(double(pcm[b * block + i]));
    out[b] = sum / double(block);
  }
  double mean = 0;
  for (const double v : out) mean += v;
  mean /= std::max<double>(1, double(out.size()));
  for (double& v : out) v -= mean;
  return out;
}

// Normalised correlation of source[i] with recording[i + lag] over
// i in [begin, end) where both exist: of waveforms (samples) or of their
// envelopes (doubles).
template <typename Sample>
double correlation_at(std::span<const Sample> source, std::span<const Sample> recording,
                      std::int64_t lag, std::int64_t begin, std::int64_t end) {
  begin = std::max({begin, std::int64_t{0}, -lag});
  end = std::min({end, static_cast<std::int64_t>(source.size()),
                  static_cast<std::int64_t>(recording.size()) - lag});
  double cross = 0, source_energy = 0, recording_energy = 0;
  for (auto i = begin; i < end; ++i) {
    const double s = source[static_cast<std::size_t>(i)];
    const double r = recording[static_cast<std::size_t>(i + lag)];
    cross += s * r;
    source_energy += s * s;
    recording_energy += r * r;
  }
  if (source_energy <= 0 || recording_energy <= 0) return 0;
  return cross / std::sqrt(source_energy * recording_energy);
}

double energy(std::span<const std::int16_t> pcm, std::size_t begin, std::size_t end) {
  double sum = 0;
  for (auto i = begin; i < std::min(end, pcm.size()); ++i) sum += double(pcm[i]) * pcm[i];
  return sum;
}

}  // namespace

AudioMatch match_recording(std::span<const std::int16_t> source,
                           std::span<const std::int16_t> recording, std::uint32_t rate_hz,
                           double max_lag_s) {
  AudioMatch match;
  const std::size_t block = std::max<std::uint32_t>(1, rate_hz / 1000);
  const auto source_env = envelope(source, block);
  const auto recording_env = envelope(recording, block);
  if (source_env.empty() || recording_env.empty()) return match;

  // Coarse: the envelope lag (in blocks) with the highest normalised correlation.
  const auto max_lag_blocks = static_cast<std::int64_t>(max_lag_s * 1000);
  const auto source_n = static_cast<std::int64_t>(source_env.size());
  const auto recording_n = static_cast<std::int64_t>(recording_env.size());
  double best = -2;
  std::int64_t best_blocks = 0;
  for (std::int64_t lag = -max_lag_blocks; lag <= max_lag_blocks; ++lag) {
    const auto begin = std::max<std::int64_t>(0, -lag);
    const auto end = std::min(source_n, recording_n - lag);
    // At least a second of overlap, so a lucky short stretch cannot win.
    if (end - begin < 1000) continue;
    const double score = correlation_at<double>(source_env, recording_env, lag, begin, end);
    if (score > best) {
      best = score;
      best_blocks = lag;
    }
  }

  // Fine: the waveform lag within two blocks of the coarse one.
  const auto total = static_cast<std::int64_t>(source.size());
  const auto coarse = best_blocks * static_cast<std::int64_t>(block);
  const auto reach = 2 * static_cast<std::int64_t>(block);
  match.correlation = -2;
  for (auto lag = coarse - reach; lag <= coarse + reach; ++lag) {
    const double score = correlation_at(source, recording, lag, 0, total);
    if (score > match.correlation) {
      match.correlation = score;
      match.lag_samples = lag;
    }
  }
  // The stretch of the source the recording holds.
  const auto overlap_begin = std::max<std::int64_t>(0, -match.lag_samples);
  const auto overlap_end =
      std::min(total, static_cast<std::int64_t>(recording.size()) - match.lag_samples);
  match.overlap_s = double(std::max<std::int64_t>(0, overlap_end - overlap_begin)) / rate_hz;

  // Per second of source: a gap (media lost mid-call) shows here even when
  // the whole-call figure still looks fine.
  const double loudest = [&] {
    double most = 0;
    for (std::size_t start = 0; start < source.size(); start += rate_hz) {
      most = std::max(most, energy(source, start, start + rate_hz));
    }
    return most;
  }();
  match.min_window_correlation = 1;
  for (std::size_t start = 0; start + rate_hz / 2 < source.size(); start += rate_hz) {
    WindowMatch window;
    window.start_s = double(start) / rate_hz;
    // The jitter buffer may move playout by a few milliseconds as it adapts
    // (mostly in the first second), so each window is matched within 20 ms of
    // the whole call's lag: a shift is not a gap.
    const auto shift = static_cast<std::int64_t>(rate_hz / 50);
    window.correlation = -2;
    for (auto lag = match.lag_samples - shift; lag <= match.lag_samples + shift; lag += 2) {
      window.correlation =
          std::max(window.correlation,
                   correlation_at(source, recording, lag, static_cast<std::int64_t>(start),
                                  static_cast<std::int64_t>(start + rate_hz)));
    }
    // Quieter than 20 dB below the loudest second: a pause, nothing to
    // compare. Less than half inside the recording: the call's ends. The
    // first second of the call: the jitter buffer is still settling its
    // delay (measured: up to 300 ms at another lag), which is not a gap.
    const auto inside = std::min<std::int64_t>(overlap_end, std::int64_t(start + rate_hz)) -
                        std::max<std::int64_t>(overlap_begin, std::int64_t(start));
    const bool settling = std::int64_t(start) < overlap_begin + std::int64_t(rate_hz);
    window.active = energy(source, start, start + rate_hz) > loudest / 100 &&
                    2 * inside >= rate_hz && !settling;
    if (window.active) {
      match.min_window_correlation = std::min(match.min_window_correlation, window.correlation);
    }
    match.windows.push_back(window);
  }
  return match;
}

}  // namespace parley::cli::demo
