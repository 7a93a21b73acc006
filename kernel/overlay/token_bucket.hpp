// A token bucket: at most `burst` units at once, refilled at `rate_per_s`.
// The super node meters call routes per session and relayed bytes per call
// with it. Time is passed in so tests need no clock.
#pragma once

#include <algorithm>
#include <chrono>

namespace parley::overlay {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  TokenBucket(double rate_per_s, double burst, Clock::time_point now)
      : rate_per_s_(rate_per_s), burst_(burst), tokens_(burst), updated_(now) {}

  // Takes cost units when that many are there; false (and nothing taken) when not.
  bool take(double cost, Clock::time_point now) {
    const std::chrono::duration<double> elapsed = now - updated_;
    if (elapsed.count() > 0) {
      tokens_ = std::min(burst_, tokens_ + elapsed.count() * rate_per_s_);
      updated_ = now;
    }
    if (tokens_ < cost) return false;
    tokens_ -= cost;
    return true;
  }

 private:
  double rate_per_s_;
  double burst_;
  double tokens_;
  Clock::time_point updated_;
};

}  // namespace parley::overlay
