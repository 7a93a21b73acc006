#include "plugin/host_api.hpp"

#include <chrono>
#include <string>

#include "log/log.hpp"
#include "parley_version.hpp"

namespace parley::plugin {
namespace {

log::Level to_level(parley_log_level level) {
  switch (level) {
    case PARLEY_LOG_TRACE: return log::Level::trace;
    case PARLEY_LOG_DEBUG: return log::Level::debug;
    case PARLEY_LOG_INFO: return log::Level::info;
    case PARLEY_LOG_WARN: return log::Level::warn;
    default: return log::Level::error;
  }
}

std::string_view view(parley_str text, std::size_t limit) {
  if (text.data == nullptr) return {};
  return {text.data, std::min(text.size, limit)};
}

void plugin_log(parley_log_level level, parley_str plugin_id, parley_str message) {
  const auto at = to_level(level);
  if (!log::enabled(at)) return;
  log::write(at, log::sanitize(view(plugin_id, 128), 128), view(message, 4096));
}

std::uint64_t monotonic_us() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

}  // namespace

const parley_host_api& host_api() {
  static const parley_host_api api{sizeof(parley_host_api),
                                   PARLEY_ABI_VERSION,
                                   {kVersion.data(), kVersion.size()},
                                   &plugin_log,
                                   &monotonic_us};
  return api;
}

}  // namespace parley::plugin
