// Options every `parley` command accepts, and turning them into Settings.
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <vector>

#include "config/settings.hpp"

namespace parley::cli {

namespace po = boost::program_options;

po::options_description global_options();
// Reads the config file (--config, else the default one), then applies the
// command-line options on top. Throws std::runtime_error on a bad value.
config::Settings settings_from(const po::variables_map& values);

// Exit codes shared by every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

}  // namespace parley::cli
