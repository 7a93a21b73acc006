// What the kernel knows of one plugin file: loaded, or refused with a reason.
#pragma once

#include <boost/dll/shared_library.hpp>
#include <cstddef>
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

// Whether a plugin's table, api_size bytes long (its struct_size), reaches a
// member: minor versions append members, so an older plugin's table ends
// before them and they must not be read.
constexpr bool table_reaches(std::size_t api_size, std::size_t offset, std::size_t size) {
  return api_size >= offset + size;
}
// ...and sets it. Type is the table's type, api a pointer to it.
#define PARLEY_TABLE_HAS(api, api_size, Type, member)                                           \
  (::parley::plugin::table_reaches((api_size), offsetof(Type, member), sizeof(Type::member)) && \
   (api)->member != nullptr)

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
