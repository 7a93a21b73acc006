// Extends RTP's wrapping counters (16-bit sequence numbers, 32-bit
// timestamps) to 64 bits, relative to the highest value seen, as RFC 3550
// appendix A.1 does for sequence numbers: a value within half the range
// behind the highest is older, anything else is newer.
#pragma once

#include <cstdint>
#include <limits>

namespace parley::media {

template <typename Wrapping>
class RtpUnwrapper {
 public:
  static_assert(std::numeric_limits<Wrapping>::is_integer &&
                !std::numeric_limits<Wrapping>::is_signed);
  static constexpr std::int64_t kRange = std::int64_t{1} << std::numeric_limits<Wrapping>::digits;

  // The extended value of raw; the first value seen extends to itself.
  std::int64_t extend(Wrapping raw) {
    if (!started_) {
      started_ = true;
      highest_ = raw;
      return highest_;
    }
    const auto highest_raw = static_cast<Wrapping>(highest_);
    // Forward distance modulo the range, in (-range/2, range/2].
    std::int64_t delta = static_cast<std::int64_t>(static_cast<Wrapping>(raw - highest_raw));
    if (delta > kRange / 2) delta -= kRange;
    const std::int64_t extended = highest_ + delta;
    if (extended > highest_) highest_ = extended;
    return extended;
  }
  [[nodiscard]] bool started() const { return started_; }
  [[nodiscard]] std::int64_t highest() const { return highest_; }
  void reset() { started_ = false; }

 private:
  bool started_ = false;
  std::int64_t highest_ = 0;
};

}  // namespace parley::media
