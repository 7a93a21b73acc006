#include "call/call_id.hpp"

#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <stdexcept>

namespace parley::call {

std::string new_call_id() {
  std::array<std::uint8_t, kCallIdChars / 2> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("cannot draw a call id from OpenSSL's random generator");
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string id;
  id.reserve(kCallIdChars);
  for (const auto byte : bytes) {
    id.push_back(kDigits[byte >> 4]);
    id.push_back(kDigits[byte & 0x0f]);
  }
  return id;
}

bool is_call_id(std::string_view text) {
  if (text.size() != kCallIdChars) return false;
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace parley::call
