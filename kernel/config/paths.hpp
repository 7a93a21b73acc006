// Where Parley keeps things, following the XDG base directory specification,
// and where the installed (or built) program finds its own files.
#pragma once

#include <filesystem>

namespace parley::config {

std::filesystem::path user_config_dir();  // $XDG_CONFIG_HOME/parley, ~/.config/parley
std::filesystem::path user_data_dir();    // $XDG_DATA_HOME/parley, ~/.local/share/parley
std::filesystem::path user_plugin_dir();  // <user data>/plugins
// The running executable's prefix: <prefix>/bin/parley. The build tree uses the
// same layout, so one rule serves both.
std::filesystem::path program_prefix();
std::filesystem::path system_plugin_dir();  // <prefix>/lib/parley/plugins
std::filesystem::path system_config_dir();  // <prefix>/etc/parley

}  // namespace parley::config
