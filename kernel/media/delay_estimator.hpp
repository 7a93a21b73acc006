// What the jitter buffer knows of the network's delay, from arrival times
// alone (sender and receiver clocks are never compared, only their drift):
//  - transit = arrival - media time; its minimum over the last history_ms is
//    the fastest path, the reference every other packet is late against;
//  - relative delay = transit - that minimum, per packet, kept for the last
//    window_packets packets: a percentile of it is how long to wait;
//  - the RFC 3550 A.8 interarrival jitter, J += (|D| - J) / 16.
// A 2 s reference window follows clock skew (1% drifts 20 ms in 2 s) while
// still spanning many packets (WebRTC NetEq uses the same span).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace parley::media {

struct DelayEstimatorConfig {
  double history_ms = 2000;
  std::size_t window_packets = 500;  // 10 s of 20 ms packets
  double max_delay_ms = 1000;        // relative delays above are counted as this
};

class DelayEstimator {
 public:
  explicit DelayEstimator(const DelayEstimatorConfig& config);

  // arrival_ms: receiver time; media_ms: the packet's RTP timestamp in ms
  // (extended, from any origin).
  void add(double arrival_ms, double media_ms);
  void reset();

  [[nodiscard]] std::size_t samples() const { return window_count_; }
  [[nodiscard]] double min_transit_ms() const;
  [[nodiscard]] double jitter_ms() const { return jitter_ms_; }
  // The relative delay that fraction q (0..1) of the window's packets did not exceed.
  [[nodiscard]] double relative_delay_percentile_ms(double q) const;

 private:
  struct Transit {
    double arrival_ms;
    double transit_ms;
  };
  DelayEstimatorConfig config_;
  std::deque<Transit> min_window_;  // increasing transit: the front is the minimum
  bool have_previous_ = false;
  double previous_transit_ms_ = 0;
  double jitter_ms_ = 0;
  std::vector<std::uint16_t> window_;  // relative delays (whole ms), a ring
  std::size_t window_next_ = 0;
  std::size_t window_count_ = 0;
  std::vector<std::uint32_t> histogram_;  // counts of window_ per whole ms
};

}  // namespace parley::media
