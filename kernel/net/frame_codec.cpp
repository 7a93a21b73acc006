#include "net/frame_codec.hpp"

#include <algorithm>
#include <stdexcept>

namespace parley::net {

std::vector<std::uint8_t> encode_frame(std::span<const std::uint8_t> message,
                                       std::size_t max_frame_bytes) {
  if (message.empty()) throw std::length_error("refusing to send an empty frame");
  if (message.size() > max_frame_bytes) {
    throw std::length_error("message of " + std::to_string(message.size()) +
                            " bytes exceeds the frame limit of " + std::to_string(max_frame_bytes));
  }
  const auto length = static_cast<std::uint32_t>(message.size());
  std::vector<std::uint8_t> frame;
  frame.reserve(kFrameHeaderBytes + message.size());
  frame.push_back(static_cast<std::uint8_t>(length >> 24));
  frame.push_back(static_cast<std::uint8_t>(length >> 16));
  frame.push_back(static_cast<std::uint8_t>(length >> 8));
  frame.push_back(static_cast<std::uint8_t>(length));
  frame.insert(frame.end(), message.begin(), message.end());
  return frame;
}

void FrameDecoder::feed(std::span<const std::uint8_t> bytes) {
  while (!bytes.empty() && error_ == Error::none) {
    if (partial_.size() < kFrameHeaderBytes) {
      const auto take = std::min(kFrameHeaderBytes - partial_.size(), bytes.size());
      partial_.insert(partial_.end(), bytes.begin(), bytes.begin() + static_cast<long>(take));
      bytes = bytes.subspan(take);
      if (partial_.size() < kFrameHeaderBytes) return;
      const std::uint32_t length = (std::uint32_t{partial_[0]} << 24) |
                                   (std::uint32_t{partial_[1]} << 16) |
                                   (std::uint32_t{partial_[2]} << 8) | std::uint32_t{partial_[3]};
      announced_bytes_ = length;
      if (length == 0) {
        error_ = Error::empty;
        return;
      }
      if (length > max_frame_bytes_) {
        error_ = Error::oversize;
        return;
      }
      body_bytes_ = length;
      // Reserve only what the announced size needs, which is bounded above.
      partial_.reserve(kFrameHeaderBytes + body_bytes_);
    }
    const auto missing = kFrameHeaderBytes + body_bytes_ - partial_.size();
    const auto take = std::min(missing, bytes.size());
    partial_.insert(partial_.end(), bytes.begin(), bytes.begin() + static_cast<long>(take));
    bytes = bytes.subspan(take);
    if (partial_.size() == kFrameHeaderBytes + body_bytes_) {
      ready_.emplace_back(partial_.begin() + kFrameHeaderBytes, partial_.end());
      partial_.clear();
      body_bytes_ = 0;
    }
  }
}

std::optional<std::vector<std::uint8_t>> FrameDecoder::next_frame() {
  if (ready_head_ == ready_.size()) {
    ready_.clear();
    ready_head_ = 0;
    return std::nullopt;
  }
  return std::move(ready_[ready_head_++]);
}

std::string FrameDecoder::error_text() const {
  switch (error_) {
    case Error::none: return {};
    case Error::oversize:
      return "frame of " + std::to_string(announced_bytes_) + " bytes exceeds the limit of " +
             std::to_string(max_frame_bytes_) + " bytes";
    case Error::empty: return "zero-length frame";
  }
  return {};
}

}  // namespace parley::net
