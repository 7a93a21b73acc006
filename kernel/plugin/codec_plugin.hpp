// The kernel's view of a codec interface: RAII encoders and decoders that keep
// their plugin's library mapped, and adaptation to older codec/1.x minors.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>

#include "parley/abi/codec.h"
#include "plugin/plugin_call_error.hpp"
#include "plugin/plugin_registry.hpp"

namespace parley::plugin {

class CodecEncoder;
class CodecDecoder;

class CodecPlugin {
 public:
  explicit CodecPlugin(const Offer& offer);
  [[nodiscard]] const parley_codec_info& info() const { return *api_->info; }
  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] bool supports_update() const;
  [[nodiscard]] CodecEncoder make_encoder(const parley_codec_params& params) const;
  [[nodiscard]] CodecDecoder make_decoder(const parley_codec_params& params) const;

 private:
  friend class CodecEncoder;
  friend class CodecDecoder;
  const parley_codec_api* api_;
  std::size_t api_size_;
  std::string name_;
  std::shared_ptr<const PluginLibrary> library_;
};

class CodecEncoder {
 public:
  CodecEncoder(CodecEncoder&& other) noexcept;
  CodecEncoder& operator=(CodecEncoder&&) = delete;
  CodecEncoder(const CodecEncoder&) = delete;
  CodecEncoder& operator=(const CodecEncoder&) = delete;
  ~CodecEncoder();
  // Returns the payload size; 0 means DTX (nothing to send for this frame).
  std::size_t encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> out);
  // Mid-call change; false when the plugin predates codec/1.1 or cannot adapt.
  bool update(const parley_codec_params& params);

 private:
  friend class CodecPlugin;
  CodecEncoder(CodecPlugin plugin, void* handle, std::uint32_t channels);
  CodecPlugin plugin_;
  void* handle_;
  std::uint32_t channels_;
};

class CodecDecoder {
 public:
  CodecDecoder(CodecDecoder&& other) noexcept;
  CodecDecoder& operator=(CodecDecoder&&) = delete;
  CodecDecoder(const CodecDecoder&) = delete;
  CodecDecoder& operator=(const CodecDecoder&) = delete;
  ~CodecDecoder();
  // Empty payload with lost=true conceals one frame. Returns samples per channel.
  std::size_t decode(std::span<const std::uint8_t> payload, bool lost, bool fec,
                     std::span<std::int16_t> pcm);

 private:
  friend class CodecPlugin;
  CodecDecoder(CodecPlugin plugin, void* handle, std::uint32_t channels);
  CodecPlugin plugin_;
  void* handle_;
  std::uint32_t channels_;
};

}  // namespace parley::plugin
