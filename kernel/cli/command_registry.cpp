#include "cli/command_registry.hpp"

namespace parley::cli {

std::map<std::string, Command>& commands() {
  static std::map<std::string, Command> registry;
  return registry;
}

}  // namespace parley::cli
