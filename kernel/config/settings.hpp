// The settings of one `parley` run: config file, then command line on top.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "log/log.hpp"
#include "parley/abi/plugin.h"

namespace parley::config {

struct Settings {
  std::optional<std::filesystem::path> config_file;  // the file read, if any
  log::Level log_level = log::Level::warn;
  std::vector<std::filesystem::path> extra_plugin_dirs;  // --plugin-dir, then [plugins] dir
  bool system_plugins = true;                            // search the prefix's plugin dir
  std::optional<std::filesystem::path> policy_file;
  std::map<parley_kind, std::vector<std::string>> prefer;

  // The plugin search path, highest precedence first.
  [[nodiscard]] std::vector<std::filesystem::path> plugin_search_path() const;
};

// Reads a parley.conf (format: config/parley.conf). Throws std::runtime_error
// naming the file and the problem when it is malformed.
void read_config_file(const std::filesystem::path& path, Settings& settings);
// The file used when --config is not given: the user's, else the system's.
std::optional<std::filesystem::path> default_config_file();
// "codec=opus,pcmu" from --prefer; throws std::runtime_error when malformed.
void apply_prefer_option(const std::string& option, Settings& settings);

}  // namespace parley::config
