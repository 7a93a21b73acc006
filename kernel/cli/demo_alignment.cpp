#include "cli/demo_alignment.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace parley::cli::demo {
namespace {

// How far one window's lag may be from the whole call's. The jitter buffer
// moves playout as it adapts: a few milliseconds normally, tens of
// milliseconds when a CPU burst (a super node failing over, a loaded
// machine) makes it grow its delay mid-call, and every later second then
// sits at the new lag. A shift is not a gap: a gap lowers a window's
// correlation at every lag.
constexpr std::int64_t kWindowShiftMs = 150;

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

// What a normalised correlation is made of, so that stretches aligned at
// different lags can be pooled.
struct Sums {
  double cross = 0;
  double source_energy = 0;
  double recording_energy = 0;

  Sums& operator+=(const Sums& other) {
    cross += other.cross;
    source_energy += other.source_energy;
    recording_energy += other.recording_energy;
    return *this;
  }
  [[nodiscard]] double correlation() const {
    if (source_energy <= 0 || recording_energy <= 0) return 0;
    return cross / std::sqrt(source_energy * recording_energy);
  }
};

// The sums of source[i] with recording[i + lag] over i in [begin, end)
// where both exist: of waveforms (samples) or of their envelopes (doubles).
template <typename Sample>
Sums sums_at(std::span<const Sample> source, std::span<const Sample> recording, std::int64_t lag,
             std::int64_t begin, std::int64_t end) {
  begin = std::max({begin, std::int64_t{0}, -lag});
  end = std::min({end, static_cast<std::int64_t>(source.size()),
                  static_cast<std::int64_t>(recording.size()) - lag});
  Sums sums;
  for (auto i = begin; i < end; ++i) {
    const double s = source[static_cast<std::size_t>(i)];
    const double r = recording[static_cast<std::size_t>(i + lag)];
    sums.cross += s * r;
    sums.source_energy += s * s;
    sums.recording_energy += r * r;
  }
  return sums;
}

template <typename Sample>
double correlation_at(std::span<const Sample> source, std::span<const Sample> recording,
                      std::int64_t lag, std::int64_t begin, std::int64_t end) {
  return sums_at(source, recording, lag, begin, end).correlation();
}

// The lag in [low, high] (samples) at which source[begin, end) correlates
// best with the recording: the best envelope lags in blocks, each refined to
// the sample on the waveform within two blocks of it. Several envelope peaks
// are refined, not only the highest: after a playout shift the envelopes
// (smooth over a syllable) may agree best halfway between the two true lags,
// where the waveforms agree nowhere. A lag that leaves less than min_overlap
// of the stretch inside the recording is not tried, so a lucky sliver cannot
// win. Its correlation is -2 when no lag qualifies.
struct Best {
  std::int64_t lag = 0;
  double correlation = -2;
};
// Over a whole call (lags over +-2 s) the envelopes of speech have many
// peaks of about the same height; within a window's +-150 ms, few.
constexpr std::size_t kWholeCallPeaksRefined = 16;
constexpr std::size_t kWindowPeaksRefined = 4;
Best best_lag(std::span<const std::int16_t> source, std::span<const std::int16_t> recording,
              std::span<const double> source_env, std::span<const double> recording_env,
              std::int64_t block, std::int64_t low, std::int64_t high, std::int64_t begin,
              std::int64_t end, std::int64_t min_overlap, std::size_t peaks_refined) {
  const auto inside = [](std::int64_t first, std::int64_t last, std::int64_t lag,
                         std::int64_t source_n, std::int64_t recording_n) {
    return std::min({last, source_n, recording_n - lag}) - std::max({first, std::int64_t{0}, -lag});
  };
  const auto source_n = static_cast<std::int64_t>(source_env.size());
  const auto recording_n = static_cast<std::int64_t>(recording_env.size());
  std::vector<Best> coarse;  // every envelope lag that qualifies, in lag order
  for (auto lag = low / block; lag <= high / block; ++lag) {
    if (inside(begin / block, end / block, lag, source_n, recording_n) < min_overlap / block) {
      continue;
    }
    coarse.push_back(
        {lag, correlation_at<double>(source_env, recording_env, lag, begin / block, end / block)});
  }
  // The local maxima, highest first.
  std::vector<Best> peaks;
  for (std::size_t i = 0; i < coarse.size(); ++i) {
    const bool above_left = i == 0 || coarse[i].correlation >= coarse[i - 1].correlation;
    const bool above_right =
        i + 1 == coarse.size() || coarse[i].correlation > coarse[i + 1].correlation;
    if (above_left && above_right) peaks.push_back(coarse[i]);
  }
  std::sort(peaks.begin(), peaks.end(),
            [](const Best& a, const Best& b) { return a.correlation > b.correlation; });
  if (peaks.size() > peaks_refined) peaks.resize(peaks_refined);

  Best fine;
  const auto samples_n = static_cast<std::int64_t>(source.size());
  const auto recorded_n = static_cast<std::int64_t>(recording.size());
  for (const auto& peak : peaks) {
    for (auto lag = peak.lag * block - 2 * block; lag <= peak.lag * block + 2 * block; ++lag) {
      if (inside(begin, end, lag, samples_n, recorded_n) < min_overlap) continue;
      const double score = correlation_at(source, recording, lag, begin, end);
      if (score > fine.correlation) fine = {lag, score};
    }
  }
  return fine;
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
  const std::int64_t block = std::max<std::uint32_t>(1, rate_hz / 1000);
  const auto source_env = envelope(source, static_cast<std::size_t>(block));
  const auto recording_env = envelope(recording, static_cast<std::size_t>(block));
  if (source_env.empty() || recording_env.empty()) return match;

  // Coarse on the envelopes, then to the sample on the waveform.
  const auto total = static_cast<std::int64_t>(source.size());
  const auto max_lag = static_cast<std::int64_t>(max_lag_s * 1000) * block;
  // At least a second of overlap, so a lucky short stretch cannot win.
  const auto whole = best_lag(source, recording, source_env, recording_env, block, -max_lag,
                              max_lag, 0, total, 1000 * block, kWholeCallPeaksRefined);
  if (whole.correlation < -1) return match;  // shorter than a second: nothing to align
  match.correlation = whole.correlation;
  match.lag_samples = whole.lag;
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
    // Matched on its own around the call's lag (see kWindowShiftMs), and
    // never scored lower than at the call's lag itself. A shift may fall
    // inside the window, leaving no one lag for all of it: its halves are
    // also aligned each on its own and their sums pooled, so a window is
    // judged on what was heard, not on where in it the shift fell.
    const auto window_begin = static_cast<std::int64_t>(start);
    const auto window_end = window_begin + rate_hz;
    const auto shift = kWindowShiftMs * rate_hz / 1000;
    const auto align = [&](std::int64_t begin, std::int64_t end) {
      return best_lag(source, recording, source_env, recording_env, block,
                      match.lag_samples - shift, match.lag_samples + shift, begin, end,
                      (end - begin) / 2, kWindowPeaksRefined);
    };
    Sums halves;
    for (auto begin = window_begin; begin < window_end; begin += rate_hz / 2) {
      const auto end = std::min<std::int64_t>(begin + rate_hz / 2, window_end);
      if (const auto half = align(begin, end); half.correlation >= -1) {
        halves += sums_at(source, recording, half.lag, begin, end);
      }
    }
    window.correlation =
        std::max({align(window_begin, window_end).correlation, halves.correlation(),
                  correlation_at(source, recording, match.lag_samples, window_begin, window_end)});
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
