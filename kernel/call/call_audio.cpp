#include "call/call_audio.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <optional>
#include <stdexcept>

#include "call/call_engine.hpp"
#include "plugin/audio_plugin.hpp"

namespace parley::call {
namespace {

constexpr std::uint32_t kDeviceRateHz = 48000;
constexpr double kToneHz = 440;
constexpr double kToneAmplitude = 8000;  // about -12 dBFS

std::optional<plugin::Offer> audio_plugin_named(const plugin::PluginHost& host,
                                                const std::string& name) {
  for (const auto& ranked : host.ranked(PARLEY_KIND_AUDIO_DEVICE)) {
    if (ranked.offer.interface->name == name) return ranked.offer;
  }
  return std::nullopt;
}

// Mixes interleaved channels down to the mono frame the send path takes.
void downmix(std::span<const std::int16_t> interleaved, std::uint32_t channels,
             std::span<std::int16_t> mono) {
  for (std::size_t i = 0; i < mono.size(); ++i) {
    std::int32_t sum = 0;
    for (std::uint32_t c = 0; c < channels; ++c) sum += interleaved[i * channels + c];
    mono[i] = static_cast<std::int16_t>(sum / static_cast<std::int32_t>(channels));
  }
}

class StreamSource final : public CallAudioSource {
 public:
  StreamSource(plugin::AudioPlugin plugin, plugin::AudioStreamRequest request, bool loop)
      : plugin_(std::move(plugin)), request_(std::move(request)), loop_(loop) {
    stream_.emplace(plugin_.open(request_));
  }
  [[nodiscard]] std::uint32_t rate_hz() const override { return stream_->format().sample_rate_hz; }
  void read_frame(std::span<std::int16_t> frame) override {
    const auto channels = std::max<std::uint32_t>(stream_->format().channels, 1);
    buffer_.resize(frame.size() * channels);
    std::size_t filled = 0;  // frames
    // Two tries: the rest of this pass, then (looping) the start of the next.
    for (int attempt = 0; attempt < 2 && filled < frame.size() && !finished_; ++attempt) {
      const auto got = stream_->read(std::span(buffer_).subspan(filled * channels));
      filled += got;
      if (filled < frame.size()) {
        if (!loop_) {
          finished_ = true;
        } else {
          stream_.reset();
          stream_.emplace(plugin_.open(request_));
        }
      }
    }
    std::fill(buffer_.begin() + static_cast<std::ptrdiff_t>(filled * channels), buffer_.end(),
              std::int16_t{0});
    downmix(buffer_, channels, frame);
  }

 private:
  plugin::AudioPlugin plugin_;
  plugin::AudioStreamRequest request_;
  bool loop_;
  bool finished_ = false;
  std::optional<plugin::AudioStream> stream_;
  std::vector<std::int16_t> buffer_;
};

class StreamSink final : public CallAudioSink {
 public:
  explicit StreamSink(plugin::AudioStream stream) : stream_(std::move(stream)) {}
  [[nodiscard]] std::uint32_t rate_hz() const override { return stream_.format().sample_rate_hz; }
  void write_frame(std::span<const std::int16_t> frame) override {
    const auto channels = std::max<std::uint32_t>(stream_.format().channels, 1);
    if (channels == 1) {
      stream_.write(frame);
      return;
    }
    buffer_.resize(frame.size() * channels);
    for (std::size_t i = 0; i < frame.size(); ++i) {
      for (std::uint32_t c = 0; c < channels; ++c) buffer_[i * channels + c] = frame[i];
    }
    stream_.write(buffer_);
  }

 private:
  plugin::AudioStream stream_;
  std::vector<std::int16_t> buffer_;
};

class ToneSource final : public CallAudioSource {
 public:
  [[nodiscard]] std::uint32_t rate_hz() const override { return kDeviceRateHz; }
  void read_frame(std::span<std::int16_t> frame) override {
    const double step = 2 * std::numbers::pi * kToneHz / kDeviceRateHz;
    for (auto& sample : frame) {
      sample = static_cast<std::int16_t>(kToneAmplitude * std::sin(phase_));
      phase_ = std::fmod(phase_ + step, 2 * std::numbers::pi);
    }
  }

 private:
  double phase_ = 0;
};

class DiscardSink final : public CallAudioSink {
 public:
  [[nodiscard]] std::uint32_t rate_hz() const override { return kDeviceRateHz; }
  void write_frame(std::span<const std::int16_t> /*frame*/) override {}
};

plugin::AudioPlugin wav_plugin(const plugin::PluginHost& host) {
  auto offer = audio_plugin_named(host, "wav");
  if (!offer) throw std::runtime_error("no wav audio plugin loaded (see `parley plugins list`)");
  return plugin::AudioPlugin(*offer);
}

// The preferred plugin that drives real devices (paced: it blocks at the
// device's pace; files and generators are not paced).
std::optional<plugin::AudioPlugin> device_plugin(const plugin::PluginHost& host) {
  for (const auto& ranked : host.ranked(PARLEY_KIND_AUDIO_DEVICE)) {
    plugin::AudioPlugin plugin(ranked.offer);
    if (plugin.paced()) return plugin;
  }
  return std::nullopt;
}

plugin::AudioStreamRequest request(const std::string& device, std::uint32_t direction,
                                   std::uint32_t rate_hz, std::uint32_t channels) {
  plugin::AudioStreamRequest request;
  request.device_id = device;
  request.direction = direction;
  request.sample_rate_hz = rate_hz;
  request.channels = channels;
  return request;
}

}  // namespace

CallAudio open_call_audio(const plugin::PluginHost& host, const AudioEndpoints& endpoints) {
  CallAudio audio;
  const auto device = endpoints.use_devices ? device_plugin(host) : std::nullopt;

  if (endpoints.play_wav) {
    audio.source = std::make_unique<StreamSource>(
        wav_plugin(host), request(endpoints.play_wav->string(), PARLEY_AUDIO_CAPTURE, 0, 0),
        endpoints.loop_play);
  } else if (device) {
    try {
      audio.source = std::make_unique<StreamSource>(
          *device, request(endpoints.capture_device, PARLEY_AUDIO_CAPTURE, kDeviceRateHz, 1),
          false);
    } catch (const std::exception& error) {
      audio.warnings.push_back(std::string("capture device did not open (") + error.what() +
                               "): sending a 440 Hz tone");
    }
  } else {
    audio.warnings.emplace_back("no audio device (plugin) in use: sending a 440 Hz tone");
  }
  if (!audio.source) audio.source = std::make_unique<ToneSource>();

  // A recording runs at the rate of what is played into the call, so the two
  // compare sample for sample.
  if (endpoints.record_wav) {
    audio.sink = std::make_unique<StreamSink>(wav_plugin(host).open(request(
        endpoints.record_wav->string(), PARLEY_AUDIO_PLAYBACK, audio.source->rate_hz(), 1)));
    audio.recording = endpoints.record_wav->string();
  } else if (device) {
    try {
      audio.sink = std::make_unique<StreamSink>(device->open(
          request(endpoints.playback_device, PARLEY_AUDIO_PLAYBACK, kDeviceRateHz, 1)));
    } catch (const std::exception& error) {
      audio.warnings.push_back(std::string("playback device did not open (") + error.what() +
                               "): what the peer says is discarded");
    }
  } else {
    audio.warnings.emplace_back("no audio device (plugin) in use: what the peer says is discarded");
  }
  if (!audio.sink) audio.sink = std::make_unique<DiscardSink>();
  return audio;
}

}  // namespace parley::call
