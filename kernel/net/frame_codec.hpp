// Message framing on a byte stream: each message is a u32 big-endian length,
// then that many bytes. The decoder is independent of sockets so every edge
// (a header split across reads, several frames in one read, oversize, empty)
// is unit-tested without a network.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace parley::net {

inline constexpr std::size_t kFrameHeaderBytes = 4;
inline constexpr std::size_t kDefaultMaxFrameBytes = std::size_t{64} * 1024;

// Header + message, ready to write. Throws std::length_error when message is
// empty or larger than max_frame_bytes (the peer would refuse it).
std::vector<std::uint8_t> encode_frame(std::span<const std::uint8_t> message,
                                       std::size_t max_frame_bytes = kDefaultMaxFrameBytes);

class FrameDecoder {
 public:
  enum class Error {
    none,
    oversize,  // the header announces more than max_frame_bytes
    empty,     // a zero-length frame: every message has at least a type tag,
               // so an empty frame can only come from a broken or hostile peer
  };

  explicit FrameDecoder(std::size_t max_frame_bytes = kDefaultMaxFrameBytes)
      : max_frame_bytes_(max_frame_bytes) {}

  // Takes bytes as they arrive. Complete frames are queued for next_frame();
  // after an error the decoder takes nothing more (the connection must close).
  void feed(std::span<const std::uint8_t> bytes);
  std::optional<std::vector<std::uint8_t>> next_frame();

  [[nodiscard]] Error error() const { return error_; }
  [[nodiscard]] std::string error_text() const;
  // True while part of a frame (header or body) has arrived but not all of it:
  // the connection's frame deadline runs only then.
  [[nodiscard]] bool inside_frame() const { return !partial_.empty(); }
  [[nodiscard]] std::size_t max_frame_bytes() const { return max_frame_bytes_; }

 private:
  std::size_t max_frame_bytes_;
  std::vector<std::uint8_t> partial_;  // header bytes, then header + body so far
  std::size_t body_bytes_ = 0;         // announced length, once the header is complete
  std::size_t announced_bytes_ = 0;    // for error_text()
  std::vector<std::vector<std::uint8_t>> ready_;
  std::size_t ready_head_ = 0;
  Error error_ = Error::none;
};

}  // namespace parley::net
