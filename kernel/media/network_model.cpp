#include "media/network_model.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace parley::media {
namespace {

void require(bool condition, const char* message) {
  if (!condition) throw std::invalid_argument(message);
}

MediaTime from_ms(double ms) {
  return MediaTime(static_cast<std::int64_t>(std::llround(ms * 1e6)));
}

}  // namespace

std::optional<GilbertElliott> NetworkConfig::loss_chain() const {
  if (gilbert) return gilbert;
  if (mean_burst_packets <= 0 || loss_pct <= 0) return std::nullopt;
  const double loss = loss_pct / 100;
  const double r = 1 / mean_burst_packets;
  // Stationary P(bad) = p / (p + r) = loss.
  return GilbertElliott{std::min(1.0, loss * r / (1 - loss)), r};
}

void NetworkConfig::validate() const {
  require(loss_pct >= 0 && loss_pct < 100, "loss must be in [0, 100) %");
  require(mean_burst_packets == 0 || mean_burst_packets >= 1,
          "mean burst length must be 0 (independent losses) or at least 1 packet");
  if (gilbert) {
    require(gilbert->p >= 0 && gilbert->p <= 1, "Gilbert-Elliott p must be in [0, 1]");
    require(gilbert->r > 0 && gilbert->r <= 1, "Gilbert-Elliott r must be in (0, 1]");
  }
  if (mean_burst_packets > 0 && !gilbert) {
    require(loss_pct / 100 * (1 / mean_burst_packets) / (1 - loss_pct / 100) <= 1,
            "this loss cannot be reached with bursts that short (p would exceed 1)");
  }
  require(delay_ms >= 0 && delay_ms <= 10000, "delay must be in [0, 10000] ms");
  require(jitter_ms >= 0 && jitter_ms <= 5000, "jitter must be in [0, 5000] ms");
  require(reorder_pct >= 0 && reorder_pct <= 100, "reorder must be in [0, 100] %");
  require(reorder_extra_ms >= 0 && reorder_extra_ms <= 5000,
          "reorder delay must be in [0, 5000] ms");
  require(duplicate_pct >= 0 && duplicate_pct <= 100, "duplicate must be in [0, 100] %");
}

std::string NetworkConfig::describe(bool with_loss) const {
  char text[256];
  const auto chain = loss_chain();
  if (gilbert) {
    std::snprintf(text, sizeof text, "Gilbert-Elliott p=%.4g r=%.4g (loss %.2f%%, bursts %.2f)",
                  chain->p, chain->r, 100 * chain->p / (chain->p + chain->r), 1 / chain->r);
  } else if (!with_loss && mean_burst_packets > 0) {
    std::snprintf(text, sizeof text, "loss swept in bursts of %.3g", mean_burst_packets);
  } else if (!with_loss) {
    std::snprintf(text, sizeof text, "loss swept, independent");
  } else if (chain) {
    std::snprintf(text, sizeof text, "loss %.4g%% in bursts of %.3g", loss_pct, mean_burst_packets);
  } else {
    std::snprintf(text, sizeof text, "loss %.4g%% independent", loss_pct);
  }
  std::string out = text;
  std::snprintf(text, sizeof text,
                ", delay %.4g ms, jitter %.4g ms, reorder %.4g%%, duplicate %.4g%%, seed %llu",
                delay_ms, jitter_ms, reorder_pct, duplicate_pct,
                static_cast<unsigned long long>(seed));
  return out + text;
}

double NetworkStats::loss_pct() const {
  return packets_sent == 0
             ? 0
             : 100.0 * static_cast<double>(packets_lost) / static_cast<double>(packets_sent);
}

double NetworkStats::mean_burst_packets() const {
  return loss_bursts == 0 ? 0
                          : static_cast<double>(packets_lost) / static_cast<double>(loss_bursts);
}

NetworkModel::NetworkModel(const NetworkConfig& config)
    : config_(config), chain_(config.loss_chain()), random_(config.seed) {
  config_.validate();
  // Start the chain in its stationary distribution, so short runs are not biased towards "good".
  if (chain_) in_bad_state_ = random_.chance(chain_->p / (chain_->p + chain_->r));
}

bool NetworkModel::next_is_lost() {
  if (!chain_) return random_.chance(config_.loss_pct / 100);
  const bool lost = in_bad_state_;
  in_bad_state_ = in_bad_state_ ? !random_.chance(chain_->r) : random_.chance(chain_->p);
  return lost;
}

MediaTime NetworkModel::delivery_time(MediaTime send_time, bool first_in_first_out,
                                      double extra_ms) {
  MediaTime arrival = send_time + from_ms(config_.delay_ms + extra_ms);
  if (first_in_first_out) {
    // A packet cannot leave the queue before the one ahead of it.
    arrival = std::max(arrival, last_queue_exit_);
    last_queue_exit_ = arrival;
  }
  const double delay_ms = static_cast<double>((arrival - send_time).count()) * 1e-6;
  stats_.min_delay_ms = delays_counted_ == 0 ? delay_ms : std::min(stats_.min_delay_ms, delay_ms);
  delay_sum_ms_ += delay_ms;
  ++delays_counted_;
  stats_.mean_delay_ms = delay_sum_ms_ / static_cast<double>(delays_counted_);
  return arrival;
}

std::vector<MediaTime> NetworkModel::send(MediaTime send_time) {
  ++stats_.packets_sent;
  // Every draw happens for every packet, so changing one knob (say duplication)
  // does not reshuffle the loss pattern of the others.
  const bool lost = next_is_lost();
  const bool reordered = random_.chance(config_.reorder_pct / 100);
  const double reorder_ms = random_.uniform() * config_.reorder_extra_ms;
  const bool duplicated = random_.chance(config_.duplicate_pct / 100);
  const double queueing_ms = config_.jitter_ms > 0 ? random_.exponential(config_.jitter_ms) : 0;
  const double copy_queueing_ms =
      config_.jitter_ms > 0 ? random_.exponential(config_.jitter_ms) : 0;

  if (lost) {
    ++stats_.packets_lost;
    if (!previous_lost_) ++stats_.loss_bursts;
    previous_lost_ = true;
    return {};
  }
  previous_lost_ = false;
  std::vector<MediaTime> arrivals;
  if (reordered && reorder_ms > 0) {
    ++stats_.packets_reordered;
    arrivals.push_back(delivery_time(send_time, false, queueing_ms + reorder_ms));
  } else {
    arrivals.push_back(delivery_time(send_time, true, queueing_ms));
  }
  if (duplicated) {
    ++stats_.packets_duplicated;
    arrivals.push_back(delivery_time(send_time, false, copy_queueing_ms));
  }
  return arrivals;
}

}  // namespace parley::media
