// A deployment's rules over plugins (enterprise policy file): plugins that must
// never load, plugins that must be present, and per-kind pins.
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "parley/abi/plugin.h"
#include "plugin/plugin_registry.hpp"

namespace parley::plugin {

struct Policy {
  std::set<std::string> deny;              // plugin ids or interface names
  std::set<std::string> require;           // plugin ids that must be loaded
  std::map<parley_kind, std::string> pin;  // the only interface allowed for a kind
  bool allow_insecure_cipher = false;      // the null cipher, experiments only

  // Throws std::runtime_error with file and reason when the file is malformed.
  static Policy load(const std::filesystem::path& path);
  // One line per required plugin that is missing or refused; empty when met.
  [[nodiscard]] std::vector<std::string> unmet_requirements(const PluginRegistry& registry) const;
};

}  // namespace parley::plugin
