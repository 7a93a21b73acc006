// Every plugin found on the search path, loaded or refused.
#pragma once

#include <filesystem>
#include <string_view>
#include <vector>

#include "plugin/plugin_record.hpp"

namespace parley::plugin {

struct Offer {
  const PluginRecord* plugin;
  const InterfaceRecord* interface;
};

class PluginRegistry {
 public:
  // Scans each directory in order (highest precedence first); within one
  // directory, files in name order. When two files carry the same plugin id,
  // the first one found wins and the later one is refused as a duplicate.
  void discover(const std::vector<std::filesystem::path>& directories);
  // Loads one file (also used by `plugins install` to try a file first).
  const PluginRecord& add_file(const std::filesystem::path& path);

  [[nodiscard]] const std::vector<PluginRecord>& records() const { return records_; }
  // Loaded interfaces of one kind, in discovery order.
  [[nodiscard]] std::vector<Offer> offers(parley_kind kind) const;
  // By plugin id, or by interface name, or by file name.
  [[nodiscard]] const PluginRecord* find(std::string_view name) const;

 private:
  std::vector<PluginRecord> records_;
};

// Plugin files have the platform's shared-library suffix.
bool looks_like_plugin_file(const std::filesystem::path& path);

}  // namespace parley::plugin
