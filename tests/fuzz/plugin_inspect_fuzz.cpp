// A plugin file is input too: anyone can drop a file into a plugin directory.
// The inspector must answer every byte string with a result, never a crash or
// an out-of-bounds read, before anything is loaded.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>

#include "plugin/plugin_file_inspector.hpp"
#include "replay_main.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto path = std::filesystem::temp_directory_path() /
                           ("parley-inspect-fuzz-" + std::to_string(::getpid()) + ".so");
  {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  (void)parley::plugin::inspect_plugin_file(path);
  return 0;
}
