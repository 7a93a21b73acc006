// Timeouts cross the ABI as uint32_t milliseconds.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>

namespace parley::plugin {

// Negative becomes 0 (poll once); beyond the ABI's range saturates instead of wrapping.
inline std::uint32_t to_timeout_ms(std::chrono::milliseconds timeout) {
  const auto count = timeout.count();
  if (count <= 0) return 0;
  return count > std::numeric_limits<std::uint32_t>::max()
             ? std::numeric_limits<std::uint32_t>::max()
             : static_cast<std::uint32_t>(count);
}

}  // namespace parley::plugin
