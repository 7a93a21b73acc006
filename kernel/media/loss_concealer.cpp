#include "media/loss_concealer.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace parley::media {
namespace {

std::int16_t to_pcm(float value) {
  return static_cast<std::int16_t>(std::clamp(std::lround(value), -32768L, 32767L));
}

}  // namespace

LossConcealer::LossConcealer(std::uint32_t sample_rate_hz, std::uint32_t channels)
    : sample_rate_hz_(sample_rate_hz),
      channels_(channels),
      // Appendix I searches 66..200 Hz at 8 kHz; 2.5 ms reaches higher voices too.
      min_pitch_(sample_rate_hz * 25 / 10000),
      max_pitch_(sample_rate_hz * 15 / 1000),
      history_samples_(3 * (sample_rate_hz * 15 / 1000) + sample_rate_hz * 20 / 1000),
      channels_state_(channels) {
  if (sample_rate_hz < 4000 || channels == 0)
    throw std::invalid_argument("loss concealer: bad format");
  for (auto& channel : channels_state_) channel.history.assign(history_samples_, 0.0f);
}

void LossConcealer::remember(Channel& channel, std::span<const std::int16_t> pcm,
                             std::size_t channel_index) {
  auto& history = channel.history;
  const std::size_t frames = pcm.size() / channels_;
  const std::size_t keep = frames >= history.size() ? 0 : history.size() - frames;
  std::move(history.end() - static_cast<std::ptrdiff_t>(keep), history.end(), history.begin());
  const std::size_t first = frames - (history.size() - keep);
  for (std::size_t i = first; i < frames; ++i) {
    history[keep + i - first] = pcm[i * channels_ + channel_index];
  }
}

std::uint32_t LossConcealer::estimate_pitch(const std::vector<float>& history) const {
  // The lag that best predicts the last 20 ms from the signal one lag earlier
  // (normalised cross-correlation, as Appendix I does).
  const std::size_t window = sample_rate_hz_ * 20 / 1000;
  const std::size_t end = history.size();
  const std::size_t start = end - window;
  double best_score = -1;
  std::size_t best_lag = max_pitch_;
  for (std::size_t lag = min_pitch_; lag <= max_pitch_ && lag <= start; ++lag) {
    double correlation = 0, energy = 1e-3;
    for (std::size_t n = start; n < end; ++n) {
      correlation += double(history[n]) * history[n - lag];
      energy += double(history[n - lag]) * history[n - lag];
    }
    const double score = correlation / std::sqrt(energy);
    if (score > best_score) {
      best_score = score;
      best_lag = lag;
    }
  }
  return static_cast<std::uint32_t>(best_lag);
}

float LossConcealer::gain_at(std::size_t lost_sample) const {
  const double lost_ms = 1000.0 * static_cast<double>(lost_sample) / sample_rate_hz_;
  if (lost_ms <= 10) return 1.0f;
  return static_cast<float>(std::max(0.0, 1.0 - 0.2 * (lost_ms - 10) / 10));
}

float LossConcealer::next_synthetic(Channel& channel) const {
  // Repeat the last 1, 2, then 3 periods as the loss reaches 10 and 20 ms.
  const std::size_t lost_ms = 1000 * lost_samples_ / sample_rate_hz_;
  const std::size_t periods = std::min<std::size_t>(3, 1 + lost_ms / 10);
  const std::size_t span = std::min(channel.history.size(), periods * channel.pitch);
  const float value = channel.history[channel.history.size() - span + channel.phase % span];
  channel.phase = (channel.phase + 1) % span;
  return value;
}

void LossConcealer::conceal(std::span<std::int16_t> pcm) {
  const std::size_t frames = pcm.size() / channels_;
  if (lost_samples_ == 0) {
    for (auto& channel : channels_state_) {
      channel.pitch = estimate_pitch(channel.history);
      channel.phase = 0;
    }
  }
  for (std::size_t i = 0; i < frames; ++i) {
    const float gain = gain_at(lost_samples_);
    for (std::size_t c = 0; c < channels_; ++c) {
      pcm[i * channels_ + c] = to_pcm(gain * next_synthetic(channels_state_[c]));
    }
    ++lost_samples_;
  }
}

void LossConcealer::on_good_frame(std::span<std::int16_t> pcm) {
  const std::size_t frames = pcm.size() / channels_;
  if (lost_samples_ > 0) {
    // Fade from the concealment into the real signal so the join does not click.
    const std::size_t fade =
        std::min<std::size_t>(frames, sample_rate_hz_ * 4 / 1000 + channels_state_[0].pitch / 4);
    for (std::size_t i = 0; i < fade; ++i) {
      const float gain = gain_at(lost_samples_);
      const float weight = static_cast<float>(i + 1) / static_cast<float>(fade + 1);
      for (std::size_t c = 0; c < channels_; ++c) {
        auto& sample = pcm[i * channels_ + c];
        const float synthetic = gain * next_synthetic(channels_state_[c]);
        sample = to_pcm(weight * static_cast<float>(sample) + (1 - weight) * synthetic);
      }
      ++lost_samples_;
    }
    lost_samples_ = 0;
  }
  for (std::size_t c = 0; c < channels_; ++c) remember(channels_state_[c], pcm, c);
}

}  // namespace parley::media
