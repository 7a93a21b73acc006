#include "plugin/kinds.hpp"

#include <array>

#include "parley/abi/audio_device.h"
#include "parley/abi/cipher.h"
#include "parley/abi/codec.h"
#include "parley/abi/directory.h"
#include "parley/abi/nat.h"
#include "parley/abi/storage.h"
#include "parley/abi/transport.h"
#include "parley/abi/ui_extension.h"

namespace parley::plugin {
namespace {

constexpr std::array kKinds{
    // codec/1.0 ended before encoder_update.
    KindSpec{PARLEY_KIND_CODEC, "codec", PARLEY_CODEC_MAJOR, PARLEY_CODEC_MINOR,
             offsetof(parley_codec_api, encoder_update)},
    KindSpec{PARLEY_KIND_CIPHER, "cipher", PARLEY_CIPHER_MAJOR, PARLEY_CIPHER_MINOR,
             sizeof(parley_cipher_api)},
    KindSpec{PARLEY_KIND_NAT, "nat", PARLEY_NAT_MAJOR, PARLEY_NAT_MINOR, sizeof(parley_nat_api)},
    KindSpec{PARLEY_KIND_TRANSPORT, "transport", PARLEY_TRANSPORT_MAJOR, PARLEY_TRANSPORT_MINOR,
             sizeof(parley_transport_api)},
    KindSpec{PARLEY_KIND_STORAGE, "storage", PARLEY_STORAGE_MAJOR, PARLEY_STORAGE_MINOR,
             sizeof(parley_storage_api)},
    // directory/1.0 ended before bound_port.
    KindSpec{PARLEY_KIND_DIRECTORY, "directory", PARLEY_DIRECTORY_MAJOR, PARLEY_DIRECTORY_MINOR,
             offsetof(parley_directory_api, bound_port)},
    // audio/1.0 ended before stream_stats.
    KindSpec{PARLEY_KIND_AUDIO_DEVICE, "audio", PARLEY_AUDIO_MAJOR, PARLEY_AUDIO_MINOR,
             offsetof(parley_audio_device_api, stream_stats)},
    KindSpec{PARLEY_KIND_UI_EXTENSION, "ui", PARLEY_UI_MAJOR, PARLEY_UI_MINOR,
             sizeof(parley_ui_extension_api)},
};

}  // namespace

std::span<const KindSpec> all_kinds() {
  return kKinds;
}

const KindSpec* find_kind(parley_kind kind) {
  return find_kind_number(static_cast<std::uint32_t>(kind));
}

const KindSpec* find_kind_number(std::uint32_t number) {
  for (const auto& spec : kKinds) {
    if (static_cast<std::uint32_t>(spec.kind) == number) return &spec;
  }
  return nullptr;
}

const KindSpec* find_kind(std::string_view name) {
  for (const auto& spec : kKinds) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

}  // namespace parley::plugin
