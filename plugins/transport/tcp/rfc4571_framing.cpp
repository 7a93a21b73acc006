#include "rfc4571_framing.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace parley::rfc4571 {
namespace {

// One whole frame of the largest size, plus as much again so that a single
// read can bring in many small frames.
constexpr std::size_t kBufferBytes = 2 * (kHeaderBytes + kMaxFrameBytes);

}  // namespace

std::array<std::uint8_t, kHeaderBytes> encode_header(std::size_t payload_bytes) {
  if (payload_bytes > kMaxFrameBytes) throw std::length_error("RFC 4571 frame over 65535 bytes");
  return {static_cast<std::uint8_t>(payload_bytes >> 8),
          static_cast<std::uint8_t>(payload_bytes & 0xff)};
}

FrameReader::FrameReader() : buffer_(kBufferBytes) {}

std::span<std::uint8_t> FrameReader::writable() {
  if (begin_ > 0) {
    // What is left is less than one frame whenever the caller reads, so this
    // move is short.
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  return std::span(buffer_).subspan(end_);
}

void FrameReader::commit(std::size_t bytes) {
  end_ = std::min(end_ + bytes, buffer_.size());
}

std::size_t FrameReader::append(std::span<const std::uint8_t> data) {
  const auto space = writable();
  const auto count = std::min(space.size(), data.size());
  std::copy_n(data.begin(), count, space.begin());
  commit(count);
  return count;
}

FrameResult FrameReader::take_frame(std::span<std::uint8_t> out) {
  if (skip_remaining_ > 0) {
    const auto dropped = std::min(skip_remaining_, end_ - begin_);
    begin_ += dropped;
    skip_remaining_ -= dropped;
    if (skip_remaining_ > 0) return {};
  }
  const auto available = end_ - begin_;
  if (available < kHeaderBytes) return {};
  const std::size_t length = (std::size_t{buffer_[begin_]} << 8) | buffer_[begin_ + 1];
  if (length > out.size()) {
    // Skip it now rather than when it has all arrived: the caller learns at
    // once, and the buffer never has to hold a frame nobody will read.
    begin_ += kHeaderBytes;
    const auto dropped = std::min(length, end_ - begin_);
    begin_ += dropped;
    skip_remaining_ = length - dropped;
    return {FrameStatus::too_large, length};
  }
  if (available < kHeaderBytes + length) return {};
  std::copy_n(buffer_.begin() + static_cast<std::ptrdiff_t>(begin_ + kHeaderBytes), length,
              out.begin());
  begin_ += kHeaderBytes + length;
  return {FrameStatus::complete, length};
}

}  // namespace parley::rfc4571
