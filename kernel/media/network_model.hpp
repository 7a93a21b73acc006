// A simulated one-way network path for the codec lab and tests: packet loss
// (independent, or bursty with a Gilbert-Elliott two-state chain), delay and
// jitter, reordering and duplication; seeded, so a run is reproducible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "media/media_clock.hpp"
#include "media/seeded_random.hpp"

namespace parley::media {

// The two-state chain of Gilbert (1960) as used by G.107 and RFC 3611:
// "good" delivers, "bad" loses; p = P(good -> bad), r = P(bad -> good).
// Long-run loss is p / (p + r) and the mean loss burst 1 / r packets.
struct GilbertElliott {
  double p = 0;
  double r = 1;
};

struct NetworkConfig {
  double loss_pct = 0;
  // Mean length of a loss burst, in packets. 0: losses are independent
  // (Bernoulli); >= 1: a Gilbert-Elliott chain with r = 1 / mean and p chosen
  // so the long-run loss is loss_pct.
  double mean_burst_packets = 0;
  std::optional<GilbertElliott> gilbert;  // explicit p and r; overrides the two above
  double delay_ms = 0;                    // one-way propagation delay, every packet
  // Mean queueing delay on top of delay_ms. Exponential, as the sojourn time of
  // an M/M/1 queue, and first-in first-out: a queue delays, it does not reorder.
  double jitter_ms = 0;
  double reorder_pct = 0;        // packets that leave the queue and arrive late...
  double reorder_extra_ms = 60;  // ...by up to this much (uniform), overtaken by later ones
  double duplicate_pct = 0;      // packets delivered twice (the copy with its own delay)
  std::uint64_t seed = 1;

  // The chain this configuration describes, or nullopt for independent loss.
  [[nodiscard]] std::optional<GilbertElliott> loss_chain() const;
  // Throws std::invalid_argument naming the bad field.
  void validate() const;
  // "loss 5% in bursts of 3, delay 40 ms, jitter 10 ms, ..." for reports;
  // without the loss when a sweep varies it.
  [[nodiscard]] std::string describe(bool with_loss = true) const;
};

struct NetworkStats {
  std::uint64_t packets_sent = 0;
  std::uint64_t packets_lost = 0;
  std::uint64_t packets_duplicated = 0;
  std::uint64_t packets_reordered = 0;
  std::uint64_t loss_bursts = 0;  // runs of consecutive lost packets
  double min_delay_ms = 0;        // over delivered packets
  double mean_delay_ms = 0;
  [[nodiscard]] double loss_pct() const;
  [[nodiscard]] double mean_burst_packets() const;
};

class NetworkModel {
 public:
  explicit NetworkModel(const NetworkConfig& config);

  // Arrival times of one packet sent at send_time: empty when lost, two
  // entries when duplicated. Packets must be sent in time order.
  std::vector<MediaTime> send(MediaTime send_time);
  [[nodiscard]] const NetworkStats& stats() const { return stats_; }

 private:
  bool next_is_lost();
  MediaTime delivery_time(MediaTime send_time, bool first_in_first_out, double extra_ms);

  NetworkConfig config_;
  std::optional<GilbertElliott> chain_;
  SeededRandom random_;
  bool in_bad_state_ = false;
  bool previous_lost_ = false;
  MediaTime last_queue_exit_{MediaTime::min()};
  NetworkStats stats_;
  double delay_sum_ms_ = 0;
  std::uint64_t delays_counted_ = 0;
};

}  // namespace parley::media
