// Levelled logging to stderr. Messages from plugins pass through sanitize():
// nothing a plugin prints can forge a log line or flood the terminal.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace parley::log {

enum class Level { trace = 0, debug, info, warn, error, off };

void set_level(Level level);
Level level();
std::optional<Level> parse_level(std::string_view name);
// The name parse_level reads ("trace" ... "off").
std::string_view level_name(Level level);
bool enabled(Level level);
void write(Level level, std::string_view source, std::string_view message);

// One line, printable characters only, at most max_bytes.
std::string sanitize(std::string_view text, std::size_t max_bytes = 1024);

inline void debug(std::string_view source, std::string_view m) {
  write(Level::debug, source, m);
}
inline void info(std::string_view source, std::string_view m) {
  write(Level::info, source, m);
}
inline void warn(std::string_view source, std::string_view m) {
  write(Level::warn, source, m);
}
inline void error(std::string_view source, std::string_view m) {
  write(Level::error, source, m);
}

}  // namespace parley::log
