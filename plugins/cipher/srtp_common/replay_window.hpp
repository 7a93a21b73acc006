// Sliding replay window over packet indices (RFC 3711 section 3.3.2): remembers
// which of the last kSize indices below the highest one were accepted.
#pragma once

#include <bitset>
#include <cstdint>

namespace parley::srtp {

class ReplayWindow {
 public:
  // 128, like libsrtp's default: RFC 3711 asks for at least 64, and audio
  // reordered by more than 128 packets (2.5 s at 20 ms) is past any jitter buffer.
  static constexpr std::uint64_t kSize = 128;

  enum class Verdict { fresh, duplicate, too_old };

  [[nodiscard]] Verdict check(std::uint64_t index) const {
    if (!started_ || index > highest_) return Verdict::fresh;
    const std::uint64_t age = highest_ - index;
    if (age >= kSize) return Verdict::too_old;
    return seen_.test(age) ? Verdict::duplicate : Verdict::fresh;
  }

  // Only for an index check() called fresh, and only once the packet is authentic:
  // a forged packet must not move the window.
  void accept(std::uint64_t index) {
    if (!started_) {
      started_ = true;
      highest_ = index;
      seen_.reset();
      seen_.set(0);
      return;
    }
    if (index > highest_) {
      const std::uint64_t shift = index - highest_;
      if (shift >= kSize) {
        seen_.reset();
      } else {
        seen_ <<= static_cast<std::size_t>(shift);
      }
      seen_.set(0);
      highest_ = index;
      return;
    }
    seen_.set(static_cast<std::size_t>(highest_ - index));
  }

  [[nodiscard]] bool started() const { return started_; }
  [[nodiscard]] std::uint64_t highest() const { return highest_; }

 private:
  bool started_ = false;
  std::uint64_t highest_ = 0;
  std::bitset<kSize> seen_;  // bit n: index highest_ - n was accepted
};

}  // namespace parley::srtp
