// Looks at a plugin file without running any of it: dlopen would run the
// library's constructors before any version check could refuse it.
#pragma once

#include <filesystem>
#include <string>

namespace parley::plugin {

struct InspectionResult {
  bool ok = false;
  std::string reason;        // why not, one line, when !ok
  std::string entry_symbol;  // the entry symbol found, when ok
};

// Accepts only an ELF shared object for this machine, complete on disk,
// exporting the entry symbol of this kernel's ABI tag.
InspectionResult inspect_plugin_file(const std::filesystem::path& path);

}  // namespace parley::plugin
