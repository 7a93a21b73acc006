// The `parley` subcommands. Each takes its own arguments (after the command
// name) and the global settings, and returns a process exit code.
#pragma once

#include <string>
#include <vector>

#include "config/settings.hpp"

namespace parley::cli {

int plugins_command(const std::vector<std::string>& args, const config::Settings& settings);

}  // namespace parley::cli
