#include "portaudio_stream.hpp"

#include <portaudio.h>

#include <algorithm>
#include <cmath>

namespace parley::portaudio_device {
namespace {

using sdk::Error;

[[noreturn]] void fail(parley_status status, const std::string& doing, PaError error) {
  throw Error(status, doing + ": " + Pa_GetErrorText(error));
}

}  // namespace

PortAudioStream::PortAudioStream(const sdk::StreamParams& params) : capture_(params.capture()) {
  sdk::Options options(params.options);
  const auto latency_ms = options.number<std::uint32_t>("latency_ms", 0, 0, 2000);
  options.reject_unknown();

  const std::string wanted(params.device_id);
  const int index = find_device(wanted, capture_);
  if (index < 0) {
    throw Error(PARLEY_ERR_NOT_FOUND, wanted.empty() ? "no default device for this direction"
                                                     : "no device '" + wanted + "'");
  }
  const PaDeviceInfo* device = Pa_GetDeviceInfo(index);
  const int max_channels =
      device == nullptr ? 0 : (capture_ ? device->maxInputChannels : device->maxOutputChannels);
  if (max_channels <= 0) {
    throw Error(PARLEY_ERR_NOT_FOUND,
                device_id_of(index) + " cannot " + (capture_ ? "capture" : "play back"));
  }
  format_.sample_rate_hz = params.sample_rate_hz != 0
                               ? params.sample_rate_hz
                               : static_cast<std::uint32_t>(std::lround(device->defaultSampleRate));
  // "The device's own" count: stereo where it has it, telephony needs no more.
  format_.channels = params.channels != 0 ? params.channels
                                          : static_cast<std::uint32_t>(std::min(max_channels, 2));
  if (static_cast<int>(format_.channels) > max_channels) {
    throw Error(PARLEY_ERR_UNSUPPORTED,
                device_id_of(index) + " has at most " + std::to_string(max_channels) + " channels");
  }

  PaStreamParameters stream_params{};
  stream_params.device = index;
  stream_params.channelCount = static_cast<int>(format_.channels);
  stream_params.sampleFormat = paInt16;
  stream_params.suggestedLatency = latency_ms != 0 ? latency_ms / 1000.0
                                                   : (capture_ ? device->defaultLowInputLatency
                                                               : device->defaultLowOutputLatency);
  const PaStreamParameters* input = capture_ ? &stream_params : nullptr;
  const PaStreamParameters* output = capture_ ? nullptr : &stream_params;

  const PaError supported = Pa_IsFormatSupported(input, output, format_.sample_rate_hz);
  if (supported != paFormatIsSupported) {
    fail(PARLEY_ERR_UNSUPPORTED,
         device_id_of(index) + " at " + std::to_string(format_.sample_rate_hz) + " Hz, " +
             std::to_string(format_.channels) + " channels",
         supported);
  }
  PaStream* stream = nullptr;
  // No callback: the blocking API, so read/write pace the caller in real time.
  const auto before = loaded_objects();  // opening may load an ALSA pcm module
  PaError error = Pa_OpenStream(&stream, input, output, format_.sample_rate_hz,
                                params.frame_samples, paNoFlag, nullptr, nullptr);
  pin_objects_loaded_since(before);
  if (error != paNoError) fail(PARLEY_ERR_IO, "cannot open " + device_id_of(index), error);
  error = Pa_StartStream(stream);
  if (error != paNoError) {
    Pa_CloseStream(stream);
    fail(PARLEY_ERR_IO, "cannot start " + device_id_of(index), error);
  }
  stream_ = stream;
}

PortAudioStream::~PortAudioStream() {
  auto* stream = static_cast<PaStream*>(stream_);
  // Playback drains what was written (Stop); capture has nothing worth waiting for (Abort).
  if (capture_) {
    Pa_AbortStream(stream);
  } else {
    Pa_StopStream(stream);
  }
  Pa_CloseStream(stream);
}

std::size_t PortAudioStream::read(std::span<std::int16_t> pcm) {
  const auto frames = pcm.size() / format_.channels;
  const PaError error = Pa_ReadStream(static_cast<PaStream*>(stream_), pcm.data(),
                                      static_cast<unsigned long>(frames));
  if (error == paInputOverflowed) {
    ++overflows_;  // samples were lost before this read; what it returns is still good
  } else if (error != paNoError) {
    fail(PARLEY_ERR_IO, "capture read", error);
  }
  return frames;
}

void PortAudioStream::write(std::span<const std::int16_t> pcm) {
  const auto frames = pcm.size() / format_.channels;
  const PaError error = Pa_WriteStream(static_cast<PaStream*>(stream_), pcm.data(),
                                       static_cast<unsigned long>(frames));
  if (error == paOutputUnderflowed) {
    ++underflows_;  // a gap was played before this write; the write itself went through
  } else if (error != paNoError) {
    fail(PARLEY_ERR_IO, "playback write", error);
  }
}

sdk::GlitchCounts PortAudioStream::glitches() const {
  return {overflows_.load(), underflows_.load()};
}

}  // namespace parley::portaudio_device
