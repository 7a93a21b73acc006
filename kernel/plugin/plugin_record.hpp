// What the kernel knows of one plugin file: loaded, or refused with a reason.
#pragma once

#include <boost/dll/shared_library.hpp>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "parley/abi/plugin.h"

namespace parley::plugin {

// A mapped library. Every object made by a plugin holds a shared_ptr to it, so
// the mapping outlives everything that points into it.
class PluginLibrary {
 public:
  PluginLibrary(boost::dll::shared_library library, const parley_plugin_descriptor* descriptor)
      : library_(std::move(library)), descriptor_(descriptor) {}
  PluginLibrary(const PluginLibrary&) = delete;
  PluginLibrary& operator=(const PluginLibrary&) = delete;
  ~PluginLibrary() = default;
  [[nodiscard]] const parley_plugin_descriptor& descriptor() const { return *descriptor_; }

 private:
  boost::dll::shared_library library_;
  const parley_plugin_descriptor* descriptor_;
};

struct InterfaceRecord {
  parley_kind kind{};
  std::string name;
  std::uint16_t major = 0;
  std::uint16_t minor = 0;
  std::int32_t score = 0;
  const void* api = nullptr;  // the kind's table, e.g. const parley_codec_api*
  std::size_t api_size = 0;   // its struct_size: what an older minor lacks is absent
};

struct PluginRecord {
  std::filesystem::path path;
  bool loaded = false;
  std::string reason;  // when refused
  std::string id;
  std::string display_name;
  std::string version;
  std::string license;
  std::string description;
  std::string ui_toolkit;
  std::vector<InterfaceRecord> interfaces;
  std::shared_ptr<const PluginLibrary> library;  // null when refused
};

}  // namespace parley::plugin
