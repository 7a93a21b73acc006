#include "plugin/audio_plugin.hpp"

#include <cstddef>
#include <exception>
#include <stdexcept>
#include <utility>

namespace parley::plugin {
namespace {

parley_str to_c(std::string_view text) {
  return {text.data(), text.size()};
}
std::string from_c(parley_str text) {
  return text.data == nullptr ? std::string{} : std::string(text.data, text.size);
}

struct DeviceListContext {
  std::vector<AudioDevice> devices;
  std::exception_ptr failure;  // nothing may unwind through the plugin's frames
};

int collect_device(void* user, const parley_audio_device_desc* c) {
  auto& context = *static_cast<DeviceListContext*>(user);
  try {
    context.devices.push_back({from_c(c->device_id), from_c(c->display_name), c->directions,
                               c->default_sample_rate_hz, c->max_channels});
    return 0;
  } catch (...) {
    context.failure = std::current_exception();
    return 1;
  }
}

void check_call(parley_status status, const std::string& plugin, const char* call) {
  if (status != PARLEY_OK) {
    throw PluginCallError(status,
                          "audio " + plugin + ": " + call + " failed: " + describe_status(status));
  }
}

}  // namespace

AudioPlugin::AudioPlugin(const Offer& offer)
    : api_(static_cast<const parley_audio_device_api*>(offer.interface->api)),
      api_size_(offer.interface->api_size),
      name_(offer.interface->name),
      library_(offer.plugin->library) {
  if (api_ == nullptr || api_->open == nullptr || api_->close == nullptr) {
    throw std::runtime_error("audio " + name_ + " has an incomplete table");
  }
}

std::vector<AudioDevice> AudioPlugin::devices() const {
  DeviceListContext context;
  const auto status = api_->enumerate(&collect_device, &context);
  if (context.failure) std::rethrow_exception(context.failure);
  check_call(status, name_, "enumerate");
  return std::move(context.devices);
}

AudioStream AudioPlugin::open(const AudioStreamRequest& request) const {
  parley_audio_stream_params params{};
  params.struct_size = sizeof params;
  params.device_id = to_c(request.device_id);
  params.direction = request.direction;
  params.sample_rate_hz = request.sample_rate_hz;
  params.channels = request.channels;
  params.frame_samples = request.frame_samples;
  params.options = to_c(request.options);
  void* handle = nullptr;
  const auto status = api_->open(&params, &handle);
  if (status != PARLEY_OK) {
    throw PluginCallError(status, "audio " + name_ + ": cannot open '" + request.device_id +
                                      "': " + describe_status(status));
  }
  // Owns the handle from here, so a bad format below still closes it.
  AudioStream stream(*this, handle);
  check_call(api_->stream_format(handle, &stream.format_.sample_rate_hz, &stream.format_.channels),
             name_, "stream_format");
  if (stream.format_.channels == 0 || stream.format_.sample_rate_hz == 0) {
    throw PluginCallError(PARLEY_ERR_INTERNAL,
                          "audio " + name_ + " opened a stream with no format");
  }
  return stream;
}

AudioStream::AudioStream(AudioPlugin plugin, void* handle)
    : plugin_(std::move(plugin)), handle_(handle) {}
AudioStream::AudioStream(AudioStream&& other) noexcept
    : plugin_(std::move(other.plugin_)),  // other keeps no handle, so needs no plugin
      handle_(std::exchange(other.handle_, nullptr)),
      format_(other.format_) {}
AudioStream::~AudioStream() {
  if (handle_ != nullptr) plugin_.api_->close(handle_);
}

void AudioStream::check(parley_status status, const char* call) const {
  check_call(status, plugin_.name_, call);
}

std::size_t AudioStream::read(std::span<std::int16_t> pcm) {
  const auto frames = static_cast<std::uint32_t>(pcm.size() / format_.channels);
  std::uint32_t got = 0;
  check(plugin_.api_->read(handle_, pcm.data(), frames, &got), "read");
  if (got > frames) {
    throw PluginCallError(PARLEY_ERR_INTERNAL, "audio " + plugin_.name_ + " read past its buffer");
  }
  return got;
}

void AudioStream::write(std::span<const std::int16_t> pcm) {
  const auto frames = static_cast<std::uint32_t>(pcm.size() / format_.channels);
  check(plugin_.api_->write(handle_, pcm.data(), frames), "write");
}

AudioStreamStats AudioStream::stats() const {
  // Tables from before stream_stats end earlier: read only what the plugin has.
  if (!PARLEY_TABLE_HAS(plugin_.api_, plugin_.api_size_, parley_audio_device_api, stream_stats)) {
    return {};
  }
  parley_audio_stream_stats c{};
  c.struct_size = sizeof c;
  check(plugin_.api_->stream_stats(handle_, &c), "stream_stats");
  return {c.frames, c.overflows, c.underflows};
}

}  // namespace parley::plugin
