#include "plugin/codec_plugin.hpp"

#include <cstddef>
#include <utility>

namespace parley::plugin {

namespace {
void check(parley_status status, const std::string& codec, const char* call) {
  if (status != PARLEY_OK) {
    throw PluginCallError(status,
                          "codec " + codec + ": " + call + " failed: " + describe_status(status));
  }
}
}  // namespace

CodecPlugin::CodecPlugin(const Offer& offer)
    : api_(static_cast<const parley_codec_api*>(offer.interface->api)),
      api_size_(offer.interface->api_size),
      name_(offer.interface->name),
      library_(offer.plugin->library) {
  if (api_->info == nullptr) throw std::runtime_error("codec " + name_ + " has no info");
}

bool CodecPlugin::supports_update() const {
  // codec/1.0 tables end before encoder_update: read only what the plugin has.
  return PARLEY_TABLE_HAS(api_, api_size_, parley_codec_api, encoder_update);
}

CodecEncoder CodecPlugin::make_encoder(const parley_codec_params& params) const {
  void* handle = nullptr;
  check(api_->encoder_create(&params, &handle), name_, "encoder_create");
  return {*this, handle, params.channels};
}

CodecDecoder CodecPlugin::make_decoder(const parley_codec_params& params) const {
  void* handle = nullptr;
  check(api_->decoder_create(&params, &handle), name_, "decoder_create");
  return {*this, handle, params.channels};
}

CodecEncoder::CodecEncoder(CodecPlugin plugin, void* handle, std::uint32_t channels)
    : plugin_(std::move(plugin)), handle_(handle), channels_(channels) {}
CodecEncoder::CodecEncoder(CodecEncoder&& other) noexcept
    : plugin_(std::move(other.plugin_)),  // other keeps no handle, so needs no plugin
      handle_(std::exchange(other.handle_, nullptr)),
      channels_(other.channels_) {}
CodecEncoder::~CodecEncoder() {
  if (handle_ != nullptr) plugin_.api_->encoder_destroy(handle_);
}

std::size_t CodecEncoder::encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> out) {
  std::size_t size = 0;
  check(
      plugin_.api_->encode(handle_, pcm.data(), static_cast<std::uint32_t>(pcm.size() / channels_),
                           out.data(), out.size(), &size),
      plugin_.name_, "encode");
  if (size > out.size()) {
    throw PluginCallError(PARLEY_ERR_INTERNAL, "codec " + plugin_.name_ + " wrote past its buffer");
  }
  return size;
}

bool CodecEncoder::update(const parley_codec_params& params) {
  if (!plugin_.supports_update()) return false;
  return plugin_.api_->encoder_update(handle_, &params) == PARLEY_OK;
}

CodecDecoder::CodecDecoder(CodecPlugin plugin, void* handle, std::uint32_t channels)
    : plugin_(std::move(plugin)), handle_(handle), channels_(channels) {}
CodecDecoder::CodecDecoder(CodecDecoder&& other) noexcept
    : plugin_(std::move(other.plugin_)),  // other keeps no handle, so needs no plugin
      handle_(std::exchange(other.handle_, nullptr)),
      channels_(other.channels_) {}
CodecDecoder::~CodecDecoder() {
  if (handle_ != nullptr) plugin_.api_->decoder_destroy(handle_);
}

std::size_t CodecDecoder::decode(std::span<const std::uint8_t> payload, bool lost, bool fec,
                                 std::span<std::int16_t> pcm) {
  std::uint32_t samples = 0;
  const auto capacity = static_cast<std::uint32_t>(pcm.size() / channels_);
  check(plugin_.api_->decode(handle_, lost ? nullptr : payload.data(), lost ? 0 : payload.size(),
                             fec ? std::uint32_t{PARLEY_DECODE_FEC} : std::uint32_t{0}, pcm.data(),
                             capacity, &samples),
        plugin_.name_, "decode");
  if (samples > capacity) {
    throw PluginCallError(PARLEY_ERR_INTERNAL, "codec " + plugin_.name_ + " wrote past its buffer");
  }
  return samples;
}

}  // namespace parley::plugin
