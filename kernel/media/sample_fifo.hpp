// Interleaved samples in, whole frames out: joins a resampler, whose output
// length wobbles by a sample, to a codec that wants exact frames.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

namespace parley::media {

class SampleFifo {
 public:
  void push(std::span<const std::int16_t> samples) {
    // Compact once the consumed part outweighs the rest: amortised O(1), no reallocation in steady
    // state.
    if (read_ > 0 && read_ >= buffer_.size() - read_) {
      buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(read_));
      read_ = 0;
    }
    buffer_.insert(buffer_.end(), samples.begin(), samples.end());
  }
  [[nodiscard]] std::size_t size() const { return buffer_.size() - read_; }
  // Copies out.size() samples when that many are held; false (and nothing taken) otherwise.
  bool pop(std::span<std::int16_t> out) {
    if (size() < out.size()) return false;
    std::copy_n(buffer_.begin() + static_cast<std::ptrdiff_t>(read_), out.size(), out.begin());
    read_ += out.size();
    return true;
  }

 private:
  std::vector<std::int16_t> buffer_;
  std::size_t read_ = 0;
};

}  // namespace parley::media
