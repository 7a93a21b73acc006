// RFC 4571 framing: each datagram on a byte stream is preceded by its length,
// 16 bits, big-endian. A length of 0 is a legal, empty datagram (Parley uses it
// as a keep-alive that costs two bytes).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace parley::rfc4571 {

inline constexpr std::size_t kHeaderBytes = 2;
inline constexpr std::size_t kMaxFrameBytes = 65535;

// Throws std::length_error past kMaxFrameBytes.
std::array<std::uint8_t, kHeaderBytes> encode_header(std::size_t payload_bytes);

enum class FrameStatus {
  complete,   // copied into the caller's buffer
  too_large,  // longer than the caller's buffer: dropped whole, the stream stays in step
  incomplete  // more bytes needed
};

struct FrameResult {
  FrameStatus status = FrameStatus::incomplete;
  std::size_t size = 0;  // the frame's payload length (complete, too_large)
};

// Reassembles frames from stream reads of any size: a read may end inside a
// header, inside a payload, or carry many frames at once.
class FrameReader {
 public:
  FrameReader();

  // Where the next stream read should land; never empty while take_frame says
  // incomplete.
  std::span<std::uint8_t> writable();
  // That many bytes were written at the start of writable().
  void commit(std::size_t bytes);
  // Copies as much of data as fits; returns how much that was.
  std::size_t append(std::span<const std::uint8_t> data);

  // The next frame, if whole. A frame longer than out is skipped, including
  // its bytes still to come, and reported as too_large with its length.
  FrameResult take_frame(std::span<std::uint8_t> out);

  // Bytes received that do not yet make a whole frame (or belong to one being
  // skipped): a stream ending now ends mid-frame.
  [[nodiscard]] bool inside_frame() const { return end_ > begin_ || skip_remaining_ > 0; }

 private:
  std::vector<std::uint8_t> buffer_;
  std::size_t begin_ = 0;           // first unread byte
  std::size_t end_ = 0;             // one past the last received byte
  std::size_t skip_remaining_ = 0;  // payload bytes of a too-large frame not yet received
};

}  // namespace parley::rfc4571
