// Protobuf and std::string hold binary fields as char; the crypto and parsers
// take bytes. One view between the two, so the cast is written once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace parley::net {

inline std::span<const std::uint8_t> byte_view(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// A literal's bytes, without its terminating NUL.
template <std::size_t N>
std::span<const std::uint8_t> byte_view(const char (&text)[N]) {
  return byte_view(std::string_view(text, N - 1));
}

// A view of a temporary would dangle at the end of the statement
// (byte_view(message.SerializeAsString())): keep the string in a variable.
std::span<const std::uint8_t> byte_view(std::string&&) = delete;

}  // namespace parley::net
