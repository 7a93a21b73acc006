// RIFF/WAVE files of 16-bit PCM: a strict parser that refuses anything it
// cannot play with a message naming what it found, a reader and a crash-safe
// writer. No Parley dependency, so tools (the codec lab) can reuse it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace parley::wav {

inline constexpr std::uint32_t kMinSampleRateHz = 8000;
inline constexpr std::uint32_t kMaxSampleRateHz = 192000;
inline constexpr std::uint16_t kMaxChannels = 2;
inline constexpr std::uint16_t kBytesPerSample = 2;
// The canonical header the writer produces: RIFF, fmt (16 bytes), data.
inline constexpr std::uint32_t kCanonicalHeaderBytes = 44;

class WavError : public std::runtime_error {
 public:
  enum class Problem {
    malformed,    // not a well-formed RIFF/WAVE file: truncated, sizes that lie
    unsupported,  // well-formed, but not 16-bit PCM mono/stereo at 8..192 kHz
    io,           // the operating system refused a read or write
    limit         // a WAV file cannot grow past 4 GiB
  };
  WavError(Problem problem, const std::string& message)
      : std::runtime_error(message), problem_(problem) {}
  [[nodiscard]] Problem problem() const { return problem_; }

 private:
  Problem problem_;
};

struct Format {
  std::uint32_t sample_rate_hz = 0;
  std::uint16_t channels = 0;
  [[nodiscard]] std::uint32_t bytes_per_frame() const { return channels * kBytesPerSample; }
  friend bool operator==(const Format&, const Format&) = default;
};

// Where the samples are, once the header has been checked.
struct Layout {
  Format format;
  std::uint64_t data_offset = 0;  // from the start of the file
  std::uint32_t data_bytes = 0;   // a whole number of frames
  [[nodiscard]] std::uint64_t frames() const { return data_bytes / format.bytes_per_frame(); }
};

// Random access to a file's bytes, so one parser serves files and memory.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  [[nodiscard]] virtual std::uint64_t size() const = 0;
  // Fills out from offset; offset + out.size() <= size() is the caller's promise.
  virtual void read_at(std::uint64_t offset, std::span<std::uint8_t> out) const = 0;
};

class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  [[nodiscard]] std::uint64_t size() const override { return bytes_.size(); }
  void read_at(std::uint64_t offset, std::span<std::uint8_t> out) const override;

 private:
  std::span<const std::uint8_t> bytes_;
};

// Checks the RIFF structure up to the data chunk and returns where the samples
// are. Throws WavError (malformed or unsupported) saying what it found.
Layout parse(const ByteSource& source);

// Little-endian 16-bit samples to host order; bytes.size() == 2 * out.size().
void decode_samples(std::span<const std::uint8_t> bytes, std::span<std::int16_t> out);

class WavReader {
 public:
  explicit WavReader(const std::filesystem::path& path);
  WavReader(const WavReader&) = delete;
  WavReader& operator=(const WavReader&) = delete;
  ~WavReader();

  [[nodiscard]] const Format& format() const { return layout_.format; }
  [[nodiscard]] std::uint64_t frames_total() const { return layout_.frames(); }
  // Fills pcm (interleaved, a whole number of frames) from the current
  // position; returns frames read, fewer than asked only at the end.
  std::size_t read(std::span<std::int16_t> pcm);

 private:
  int fd_ = -1;
  Layout layout_;
  std::uint64_t next_frame_ = 0;
  std::vector<std::uint8_t> bytes_;
};

class WavWriter {
 public:
  // Creates or truncates path (mode 0600: recordings are private). Every
  // header_refresh_frames frames the buffered samples are handed to the
  // kernel and the header's sizes rewritten, so a crash leaves a valid file
  // holding all but the last refresh period.
  WavWriter(const std::filesystem::path& path, Format format, std::uint32_t header_refresh_frames);
  WavWriter(const WavWriter&) = delete;
  WavWriter& operator=(const WavWriter&) = delete;
  // Finishes the file; errors are lost here, so call close() to see them.
  ~WavWriter();

  [[nodiscard]] const Format& format() const { return format_; }
  [[nodiscard]] std::uint64_t frames_written() const { return frames_written_; }
  // pcm is interleaved and a whole number of frames.
  void write(std::span<const std::int16_t> pcm);
  // Writes out what is buffered and the final sizes; idempotent.
  void close();

 private:
  void flush_samples();
  void write_header();
  int fd_ = -1;
  Format format_;
  std::uint32_t header_refresh_frames_;
  std::uint64_t frames_written_ = 0;
  std::uint64_t frames_at_last_refresh_ = 0;
  std::uint64_t data_bytes_ = 0;  // flushed and buffered
  std::vector<std::uint8_t> buffer_;
};

}  // namespace parley::wav
