// Loads one plugin file and validates everything it declares before the rest
// of the kernel may touch it. A refusal is a record with a reason, never a crash.
#pragma once

#include <filesystem>

#include "plugin/plugin_record.hpp"

namespace parley::plugin {

PluginRecord load_plugin(const std::filesystem::path& path);

}  // namespace parley::plugin
