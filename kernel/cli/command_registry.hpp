// `parley` subcommands register themselves here, so adding a command is adding
// a file: `static const CommandRegistration kDemo{"demo", "summary", &run_demo};`
// (cli/ sources are compiled into the executable itself, so these statics are
// never dropped by the linker).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "config/settings.hpp"

namespace parley::cli {

using CommandFunction = int (*)(const std::vector<std::string>& args,
                                const config::Settings& settings);

struct Command {
  std::string summary;
  CommandFunction run;
};

std::map<std::string, Command>& commands();

struct CommandRegistration {
  CommandRegistration(const std::string& name, const std::string& summary, CommandFunction run) {
    commands()[name] = {summary, run};
  }
};

}  // namespace parley::cli
