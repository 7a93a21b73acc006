// Protobuf and std::string hold binary fields as char; the crypto and parsers
// take bytes. One view between the two, so the cast is written once.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace parley::net {

inline std::span<const std::uint8_t> byte_view(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace parley::net
