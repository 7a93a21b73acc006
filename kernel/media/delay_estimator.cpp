#include "media/delay_estimator.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace parley::media {

DelayEstimator::DelayEstimator(const DelayEstimatorConfig& config)
    : config_(config),
      window_(config.window_packets),
      histogram_(static_cast<std::size_t>(std::clamp(config.max_delay_ms, 1.0, 60000.0)) + 1) {
  if (config.window_packets == 0) throw std::invalid_argument("delay estimator: empty window");
}

void DelayEstimator::reset() {
  min_window_.clear();
  have_previous_ = false;
  jitter_ms_ = 0;
  window_next_ = 0;
  window_count_ = 0;
  std::fill(histogram_.begin(), histogram_.end(), 0);
}

void DelayEstimator::add(double arrival_ms, double media_ms) {
  const double transit_ms = arrival_ms - media_ms;
  if (have_previous_) {
    jitter_ms_ += (std::abs(transit_ms - previous_transit_ms_) - jitter_ms_) / 16;
  }
  have_previous_ = true;
  previous_transit_ms_ = transit_ms;

  while (!min_window_.empty() && min_window_.back().transit_ms >= transit_ms)
    min_window_.pop_back();
  min_window_.push_back({arrival_ms, transit_ms});
  while (min_window_.front().arrival_ms < arrival_ms - config_.history_ms) min_window_.pop_front();

  const double relative_ms = transit_ms - min_window_.front().transit_ms;
  const auto bin = static_cast<std::uint16_t>(
      std::clamp(std::ceil(relative_ms), 0.0, static_cast<double>(histogram_.size() - 1)));
  if (window_count_ == window_.size()) {
    --histogram_[window_[window_next_]];
  } else {
    ++window_count_;
  }
  window_[window_next_] = bin;
  ++histogram_[bin];
  window_next_ = (window_next_ + 1) % window_.size();
}

double DelayEstimator::min_transit_ms() const {
  return min_window_.empty() ? 0 : min_window_.front().transit_ms;
}

double DelayEstimator::relative_delay_percentile_ms(double q) const {
  if (window_count_ == 0) return 0;
  // Walk down from the top: the answer is where more than (1 - q) of the
  // window lies at or above.
  const double above_allowed = (1 - std::clamp(q, 0.0, 1.0)) * static_cast<double>(window_count_);
  std::uint64_t seen = 0;
  for (std::size_t bin = histogram_.size(); bin-- > 0;) {
    seen += histogram_[bin];
    if (static_cast<double>(seen) > above_allowed) return static_cast<double>(bin);
  }
  return 0;
}

}  // namespace parley::media
