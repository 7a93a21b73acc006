#include "config/paths.hpp"

#include <cstdlib>

#include "parley_build_paths.hpp"

namespace parley::config {
namespace {

// Called at start-up and from CLI commands, never while other threads change the
// environment, so getenv's lack of thread safety does not bite here.
std::filesystem::path xdg(const char* variable, const char* fallback_under_home) {
  if (const char* value = std::getenv(variable);  // NOLINT(concurrency-mt-unsafe)
      value != nullptr && value[0] == '/') {
    return value;
  }
  const char* home = std::getenv("HOME");  // NOLINT(concurrency-mt-unsafe)
  return std::filesystem::path(home != nullptr && home[0] != '\0' ? home : "/tmp") /
         fallback_under_home;
}

}  // namespace

std::filesystem::path user_config_dir() {
  return xdg("XDG_CONFIG_HOME", ".config") / "parley";
}
std::filesystem::path user_data_dir() {
  return xdg("XDG_DATA_HOME", ".local/share") / "parley";
}
std::filesystem::path user_plugin_dir() {
  return user_data_dir() / "plugins";
}

std::filesystem::path program_prefix() {
  std::error_code error;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return {};
  return exe.parent_path().parent_path();
}

std::filesystem::path system_plugin_dir() {
  return program_prefix() / kPluginSubdir;
}
std::filesystem::path system_config_dir() {
  // An install into /usr keeps its configuration in /etc, not /usr/etc.
  const auto prefix = program_prefix();
  if (prefix == "/usr") return "/etc/parley";
  return prefix / kSysconfSubdir / "parley";
}

}  // namespace parley::config
