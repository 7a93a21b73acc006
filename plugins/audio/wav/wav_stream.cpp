#include "wav_stream.hpp"

#include <filesystem>
#include <string>

namespace parley::wav_device {
namespace {

using sdk::Error;

constexpr std::uint32_t kDefaultHeaderRefreshMs = 1000;

parley_status status_of(wav::WavError::Problem problem) {
  switch (problem) {
    case wav::WavError::Problem::malformed: return PARLEY_ERR_INVALID_ARGUMENT;
    case wav::WavError::Problem::unsupported: return PARLEY_ERR_UNSUPPORTED;
    case wav::WavError::Problem::limit: return PARLEY_ERR_LIMIT;
    case wav::WavError::Problem::io: break;
  }
  return PARLEY_ERR_IO;
}

// The library speaks WavError; the plugin edge speaks statuses.
template <typename Body>
auto translating(Body&& body) {
  try {
    return body();
  } catch (const wav::WavError& error) {
    throw Error(status_of(error.problem()), error.what());
  }
}

}  // namespace

WavStream::WavStream(const sdk::StreamParams& params) {
  sdk::Options options(params.options);
  const auto refresh_ms =
      options.number<std::uint32_t>("header_refresh_ms", kDefaultHeaderRefreshMs, 10, 600000);
  options.reject_unknown();
  if (params.device_id.empty()) {
    throw Error(PARLEY_ERR_INVALID_ARGUMENT, "the wav device needs a file path as its device id");
  }
  const std::filesystem::path path(params.device_id);

  if (params.capture()) {
    std::error_code ignored;
    if (!std::filesystem::exists(path, ignored)) {
      throw Error(PARLEY_ERR_NOT_FOUND, "no such file: " + path.string());
    }
    translating([&] {
      reader_.emplace(path);
      return 0;
    });
    const auto& file = reader_->format();
    // Resampling and channel mixing are the kernel's job: a mismatch is refused, not converted.
    if (params.sample_rate_hz != 0 && params.sample_rate_hz != file.sample_rate_hz) {
      throw Error(PARLEY_ERR_UNSUPPORTED,
                  path.string() + " is " + std::to_string(file.sample_rate_hz) +
                      " Hz, the stream asked for " + std::to_string(params.sample_rate_hz) + " Hz");
    }
    if (params.channels != 0 && params.channels != file.channels) {
      throw Error(PARLEY_ERR_UNSUPPORTED, path.string() + " has " + std::to_string(file.channels) +
                                              " channels, the stream asked for " +
                                              std::to_string(params.channels));
    }
    format_ = {file.sample_rate_hz, file.channels};
    return;
  }

  if (params.sample_rate_hz == 0 || params.channels == 0) {
    throw Error(PARLEY_ERR_INVALID_ARGUMENT,
                "writing a WAV file needs an explicit sample rate and channel count");
  }
  if (params.channels > wav::kMaxChannels) {
    throw Error(PARLEY_ERR_UNSUPPORTED, "WAV files are written mono or stereo, not " +
                                            std::to_string(params.channels) + " channels");
  }
  const wav::Format format{params.sample_rate_hz, static_cast<std::uint16_t>(params.channels)};
  const auto refresh_frames =
      static_cast<std::uint32_t>(std::uint64_t{refresh_ms} * params.sample_rate_hz / 1000);
  translating([&] {
    writer_.emplace(path, format, refresh_frames);
    return 0;
  });
  format_ = {params.sample_rate_hz, params.channels};
}

std::size_t WavStream::read(std::span<std::int16_t> pcm) {
  return translating([&] { return reader_->read(pcm); });
}

void WavStream::write(std::span<const std::int16_t> pcm) {
  translating([&] {
    writer_->write(pcm);
    return 0;
  });
}

}  // namespace parley::wav_device
