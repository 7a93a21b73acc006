#include "wav_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>
#include <system_error>

namespace parley::wav {
namespace {

using Problem = WavError::Problem;

constexpr std::uint16_t kFormatPcm = 0x0001;
constexpr std::uint16_t kFormatExtensible = 0xfffe;
constexpr std::uint32_t kFmtMinBytes = 16;
constexpr std::uint32_t kFmtExtensibleBytes = 40;
// Chunks before data worth looking at; a file with more is hostile, not useful.
constexpr int kMaxChunksBeforeData = 1024;
// KSDATAFORMAT_SUBTYPE_PCM {00000001-0000-0010-8000-00aa00389b71} after its format tag.
constexpr std::array<std::uint8_t, 14> kPcmGuidTail{0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
                                                    0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71};
// A WAV file's sizes are 32 bits: RIFF size = 4 ("WAVE") + chunks.
constexpr std::uint64_t kMaxRiffBytes = std::numeric_limits<std::uint32_t>::max();

std::uint16_t le16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
std::uint32_t le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
void put16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
}
void put32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// A chunk id as text for messages; bytes that are not printable shown as hex.
std::string fourcc(const std::uint8_t* p) {
  std::string text;
  for (int i = 0; i < 4; ++i) {
    if (p[i] >= 0x20 && p[i] < 0x7f) {
      text += static_cast<char>(p[i]);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", p[i]);
      text += hex;
    }
  }
  return "'" + text + "'";
}

[[noreturn]] void malformed(const std::string& message) {
  throw WavError(Problem::malformed, "malformed WAV: " + message);
}
[[noreturn]] void unsupported(const std::string& found) {
  throw WavError(Problem::unsupported, "unsupported WAV: " + found +
                                           "; supported: 16-bit PCM (format 1, or extensible "
                                           "with the PCM subformat), mono or stereo, 8000 to "
                                           "192000 Hz");
}

std::string format_tag_name(std::uint16_t tag) {
  switch (tag) {
    case 0x0002: return "Microsoft ADPCM (compressed)";
    case 0x0003: return "IEEE float";
    case 0x0006: return "A-law (compressed)";
    case 0x0007: return "mu-law (compressed)";
    case 0x0011: return "IMA ADPCM (compressed)";
    case 0x0031: return "GSM 6.10 (compressed)";
    case 0x0050: return "MPEG (compressed)";
    case 0x0055: return "MPEG layer 3 (compressed)";
    default: {
      char text[48];
      std::snprintf(text, sizeof text, "format tag 0x%04x (compressed or unknown)", tag);
      return text;
    }
  }
}

Format parse_fmt(const std::uint8_t* fmt, std::uint32_t size) {
  if (size < kFmtMinBytes) {
    malformed("fmt chunk is " + std::to_string(size) + " bytes, at least 16 are needed");
  }
  std::uint16_t tag = le16(fmt);
  const std::uint16_t channels = le16(fmt + 2);
  const std::uint32_t rate = le32(fmt + 4);
  const std::uint32_t byte_rate = le32(fmt + 8);
  const std::uint16_t block_align = le16(fmt + 12);
  const std::uint16_t bits = le16(fmt + 14);

  if (tag == kFormatExtensible) {
    if (size < kFmtExtensibleBytes || le16(fmt + 16) < 22) {
      malformed("extensible fmt chunk is " + std::to_string(size) +
                " bytes, 40 with a 22-byte extension are needed");
    }
    const std::uint16_t valid_bits = le16(fmt + 18);
    const std::uint16_t subformat = le16(fmt + 24);
    if (std::memcmp(fmt + 26, kPcmGuidTail.data(), kPcmGuidTail.size()) != 0) {
      unsupported("extensible format with a subformat GUID that is not a standard one");
    }
    if (subformat != kFormatPcm) unsupported("extensible " + format_tag_name(subformat));
    if (valid_bits != bits) {
      unsupported(std::to_string(valid_bits) + " valid bits in " + std::to_string(bits) +
                  "-bit containers");
    }
    tag = kFormatPcm;
  }
  if (tag != kFormatPcm) unsupported(format_tag_name(tag));
  if (bits != 16) unsupported(std::to_string(bits) + "-bit PCM");
  if (channels == 0 || channels > kMaxChannels) {
    unsupported(std::to_string(channels) + " channels");
  }
  if (rate < kMinSampleRateHz || rate > kMaxSampleRateHz) {
    unsupported("a sample rate of " + std::to_string(rate) + " Hz");
  }
  const Format format{rate, channels};
  if (block_align != format.bytes_per_frame()) {
    malformed("block align is " + std::to_string(block_align) + " bytes, " +
              std::to_string(channels) + " channels of 16 bits make " +
              std::to_string(format.bytes_per_frame()));
  }
  if (byte_rate != rate * format.bytes_per_frame()) {
    malformed("byte rate is " + std::to_string(byte_rate) + ", " + std::to_string(rate) +
              " Hz of " + std::to_string(format.bytes_per_frame()) + "-byte frames make " +
              std::to_string(rate * format.bytes_per_frame()));
  }
  return format;
}

std::string errno_text() {
  return std::error_code(errno, std::generic_category()).message();
}

// Writes all of bytes at offset, retrying short writes and EINTR.
void write_all_at(int fd, std::span<const std::uint8_t> bytes, std::uint64_t offset) {
  while (!bytes.empty()) {
    const auto written = ::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset));
    if (written < 0) {
      if (errno == EINTR) continue;
      throw WavError(Problem::io, "cannot write WAV file: " + errno_text());
    }
    bytes = bytes.subspan(static_cast<std::size_t>(written));
    offset += static_cast<std::uint64_t>(written);
  }
}

class FileSource final : public ByteSource {
 public:
  explicit FileSource(int fd) : fd_(fd) {
    struct stat info {};
    if (::fstat(fd_, &info) != 0)
      throw WavError(Problem::io, "cannot stat WAV file: " + errno_text());
    if (!S_ISREG(info.st_mode)) throw WavError(Problem::io, "not a regular file");
    size_ = static_cast<std::uint64_t>(info.st_size);
  }
  [[nodiscard]] std::uint64_t size() const override { return size_; }
  void read_at(std::uint64_t offset, std::span<std::uint8_t> out) const override {
    while (!out.empty()) {
      const auto got = ::pread(fd_, out.data(), out.size(), static_cast<off_t>(offset));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) throw WavError(Problem::io, "cannot read WAV file: " + errno_text());
      if (got == 0) malformed("file shrank while it was read");
      out = out.subspan(static_cast<std::size_t>(got));
      offset += static_cast<std::uint64_t>(got);
    }
  }

 private:
  int fd_;
  std::uint64_t size_ = 0;
};

}  // namespace

void MemorySource::read_at(std::uint64_t offset, std::span<std::uint8_t> out) const {
  if (offset > bytes_.size() || out.size() > bytes_.size() - offset) {
    throw WavError(Problem::malformed, "read past the end of the buffer");
  }
  std::memcpy(out.data(), bytes_.data() + offset, out.size());
}

Layout parse(const ByteSource& source) {
  const std::uint64_t file_size = source.size();
  std::array<std::uint8_t, 12> riff{};
  if (file_size < riff.size()) {
    malformed("file is " + std::to_string(file_size) + " bytes, shorter than a RIFF header");
  }
  source.read_at(0, riff);
  if (std::memcmp(riff.data(), "RIFX", 4) == 0) unsupported("big-endian RIFX");
  if (std::memcmp(riff.data(), "RF64", 4) == 0) unsupported("RF64 (WAV over 4 GiB)");
  if (std::memcmp(riff.data(), "RIFF", 4) != 0)
    malformed("no RIFF header, found " + fourcc(riff.data()));
  if (std::memcmp(riff.data() + 8, "WAVE", 4) != 0) {
    malformed("RIFF form is " + fourcc(riff.data() + 8) + ", not 'WAVE'");
  }
  const std::uint32_t riff_size = le32(riff.data() + 4);
  // Bytes after the RIFF chunk (tags some tools append) are ignored; a RIFF
  // chunk that claims more than the file holds is a truncated file.
  const std::uint64_t riff_end = 8 + std::uint64_t{riff_size};
  if (riff_size < 4) malformed("RIFF size " + std::to_string(riff_size) + " cannot hold 'WAVE'");
  if (riff_end > file_size) {
    malformed("truncated: RIFF header says " + std::to_string(riff_end) + " bytes, file has " +
              std::to_string(file_size));
  }

  std::optional<Format> format;
  std::uint64_t offset = 12;
  for (int chunk = 0; chunk < kMaxChunksBeforeData; ++chunk) {
    if (offset == riff_end) malformed("no data chunk");
    if (riff_end - offset < 8) {
      malformed("truncated chunk header at offset " + std::to_string(offset));
    }
    std::array<std::uint8_t, 8> header{};
    source.read_at(offset, header);
    const std::uint32_t size = le32(header.data() + 4);
    const std::uint64_t body = offset + 8;
    if (size > riff_end - body) {
      malformed("chunk " + fourcc(header.data()) + " at offset " + std::to_string(offset) +
                " claims " + std::to_string(size) + " bytes, only " +
                std::to_string(riff_end - body) + " remain");
    }
    if (std::memcmp(header.data(), "fmt ", 4) == 0) {
      if (format) malformed("second fmt chunk at offset " + std::to_string(offset));
      std::array<std::uint8_t, kFmtExtensibleBytes> fmt{};
      const auto used = std::min<std::uint32_t>(size, kFmtExtensibleBytes);
      source.read_at(body, std::span(fmt).first(used));
      format = parse_fmt(fmt.data(), size);
    } else if (std::memcmp(header.data(), "data", 4) == 0) {
      if (!format) malformed("data chunk before the fmt chunk");
      if (size % format->bytes_per_frame() != 0) {
        malformed("data chunk of " + std::to_string(size) + " bytes is not a whole number of " +
                  std::to_string(format->bytes_per_frame()) + "-byte frames");
      }
      return {*format, body, size};
    }
    // RIFF pads odd-sized chunks to an even length; the pad byte is not counted.
    const std::uint64_t padded = std::uint64_t{size} + (size & 1u);
    if (padded > riff_end - body) {
      malformed("chunk " + fourcc(header.data()) + " lacks its pad byte at the end of the file");
    }
    offset = body + padded;
  }
  malformed("more than " + std::to_string(kMaxChunksBeforeData) + " chunks before the data");
}

void decode_samples(std::span<const std::uint8_t> bytes, std::span<std::int16_t> out) {
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::int16_t>(le16(bytes.data() + 2 * i));
  }
}

WavReader::WavReader(const std::filesystem::path& path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    throw WavError(Problem::io, "cannot open " + path.string() + ": " + errno_text());
  }
  try {
    layout_ = parse(FileSource(fd_));
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

WavReader::~WavReader() {
  ::close(fd_);
}

std::size_t WavReader::read(std::span<std::int16_t> pcm) {
  const auto& format = layout_.format;
  if (pcm.size() % format.channels != 0) {
    throw std::invalid_argument("WavReader::read: not a whole number of frames");
  }
  const std::uint64_t wanted = pcm.size() / format.channels;
  const std::uint64_t frames = std::min(wanted, layout_.frames() - next_frame_);
  if (frames == 0) return 0;
  bytes_.resize(frames * format.bytes_per_frame());
  FileSource(fd_).read_at(layout_.data_offset + next_frame_ * format.bytes_per_frame(), bytes_);
  decode_samples(bytes_, pcm.first(frames * format.channels));
  next_frame_ += frames;
  return static_cast<std::size_t>(frames);
}

WavWriter::WavWriter(const std::filesystem::path& path, Format format,
                     std::uint32_t header_refresh_frames)
    : format_(format), header_refresh_frames_(header_refresh_frames) {
  if (format.channels == 0 || format.channels > kMaxChannels ||
      format.sample_rate_hz < kMinSampleRateHz || format.sample_rate_hz > kMaxSampleRateHz) {
    unsupported("writing " + std::to_string(format.channels) + " channels at " +
                std::to_string(format.sample_rate_hz) + " Hz");
  }
  if (header_refresh_frames_ == 0) header_refresh_frames_ = format.sample_rate_hz;
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd_ < 0) {
    throw WavError(Problem::io, "cannot create " + path.string() + ": " + errno_text());
  }
  try {
    write_header();  // a valid empty file from the first instant
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

WavWriter::~WavWriter() {
  try {
    close();
  } catch (const WavError&) {
    // Nothing to tell from a destructor; close() reports it to those who ask.
    if (fd_ >= 0) ::close(fd_);
  }
}

void WavWriter::write(std::span<const std::int16_t> pcm) {
  if (fd_ < 0) throw WavError(Problem::io, "WAV writer is closed");
  if (pcm.size() % format_.channels != 0) {
    throw std::invalid_argument("WavWriter::write: not a whole number of frames");
  }
  const std::uint64_t bytes = pcm.size() * std::uint64_t{kBytesPerSample};
  if (kCanonicalHeaderBytes - 8 + data_bytes_ + bytes > kMaxRiffBytes) {
    throw WavError(Problem::limit, "WAV file would exceed 4 GiB");
  }
  const std::size_t start = buffer_.size();
  buffer_.resize(start + bytes);
  for (std::size_t i = 0; i < pcm.size(); ++i) {
    put16(buffer_.data() + start + 2 * i, static_cast<std::uint16_t>(pcm[i]));
  }
  data_bytes_ += bytes;
  frames_written_ += pcm.size() / format_.channels;
  if (frames_written_ - frames_at_last_refresh_ >= header_refresh_frames_) {
    flush_samples();
    write_header();
    frames_at_last_refresh_ = frames_written_;
  }
}

void WavWriter::close() {
  if (fd_ < 0) return;
  flush_samples();
  write_header();
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) throw WavError(Problem::io, "cannot close WAV file: " + errno_text());
}

void WavWriter::flush_samples() {
  const std::uint64_t flushed = data_bytes_ - buffer_.size();
  write_all_at(fd_, buffer_, kCanonicalHeaderBytes + flushed);
  buffer_.clear();
}

void WavWriter::write_header() {
  // Sizes describe only samples already handed to the kernel, so the header
  // never promises bytes a crash could lose.
  const auto flushed = static_cast<std::uint32_t>(data_bytes_ - buffer_.size());
  std::array<std::uint8_t, kCanonicalHeaderBytes> header{};
  std::memcpy(header.data(), "RIFF", 4);
  put32(header.data() + 4, kCanonicalHeaderBytes - 8 + flushed);
  std::memcpy(header.data() + 8, "WAVEfmt ", 8);
  put32(header.data() + 16, kFmtMinBytes);
  put16(header.data() + 20, kFormatPcm);
  put16(header.data() + 22, format_.channels);
  put32(header.data() + 24, format_.sample_rate_hz);
  put32(header.data() + 28, format_.sample_rate_hz * format_.bytes_per_frame());
  put16(header.data() + 32, static_cast<std::uint16_t>(format_.bytes_per_frame()));
  put16(header.data() + 34, 16);
  std::memcpy(header.data() + 36, "data", 4);
  put32(header.data() + 40, flushed);
  write_all_at(fd_, header, 0);
}

}  // namespace parley::wav
