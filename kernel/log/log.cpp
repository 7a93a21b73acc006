#include "log/log.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>

namespace parley::log {
namespace {

std::atomic<Level> g_level{Level::warn};
std::mutex g_write_mutex;

constexpr std::array<std::string_view, 6> kNames{"trace", "debug", "info", "warn", "error", "off"};

}  // namespace

void set_level(Level new_level) {
  g_level = new_level;
}
Level level() {
  return g_level;
}
bool enabled(Level at) {
  return at >= g_level.load() && at != Level::off;
}

std::string_view level_name(Level level) {
  return kNames.at(static_cast<std::size_t>(level));
}

std::optional<Level> parse_level(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<Level>(i);
  }
  return std::nullopt;
}

std::string sanitize(std::string_view text, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  for (unsigned char c : text) {
    if (out.size() >= max_bytes) {
      out += "...";
      break;
    }
    out.push_back(c >= 0x20 && c != 0x7f ? static_cast<char>(c) : ' ');
  }
  return out;
}

void write(Level at, std::string_view source, std::string_view message) {
  if (!enabled(at)) return;
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
  const auto line = sanitize(message, 4096);
  const std::lock_guard lock(g_write_mutex);
  std::fprintf(stderr, "%lld.%03lld %-5s [%.*s] %s\n", static_cast<long long>(ms / 1000),
               static_cast<long long>(ms % 1000), kNames[static_cast<std::size_t>(at)].data(),
               static_cast<int>(source.size()), source.data(), line.c_str());
}

}  // namespace parley::log
