// `parley`: one program for every role (client, super node, login server) and
// its tools. Global options, then a command with options of its own.
#include <iostream>

#include "cli/command_registry.hpp"
#include "cli/common_options.hpp"
#include "log/log.hpp"
#include "parley_version.hpp"

namespace {

std::string usage() {
  std::string text = "Usage: parley [global options] COMMAND [command options]\n\nCommands:\n";
  for (const auto& [name, command] : parley::cli::commands()) {
    text += "  " + name + std::string(name.size() < 14 ? 14 - name.size() : 1, ' ') +
            command.summary + "\n";
  }
  return text + "\nRun 'parley COMMAND --help' for a command's options.\n";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace parley::cli;
  auto options = global_options();
  po::options_description hidden;
  hidden.add_options()("command", po::value<std::string>())("args",
                                                            po::value<std::vector<std::string>>());
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("command", 1).add("args", -1);

  po::variables_map values;
  std::vector<std::string> command_args;
  try {
    auto parsed = po::command_line_parser(argc, argv)
                      .options(all)
                      .positional(positional)
                      .allow_unregistered()
                      .run();
    po::store(parsed, values);
    po::notify(values);
    command_args = po::collect_unrecognized(parsed.options, po::include_positional);
    if (!command_args.empty() && values.count("command") != 0 &&
        command_args.front() == values["command"].as<std::string>()) {
      command_args.erase(command_args.begin());
    }
  } catch (const po::error& error) {
    std::cerr << "parley: " << error.what() << "\n\n" << usage();
    return kExitUsage;
  }

  if (values.count("version") != 0) {
    std::cout << "parley " << parley::kVersion << " (plugin ABI " << PARLEY_ABI_VERSION << ")\n";
    return kExitOk;
  }
  if (values.count("command") == 0) {
    std::cout << usage() << '\n' << options;
    return values.count("help") != 0 ? kExitOk : kExitUsage;
  }
  if (values.count("help") != 0) command_args.emplace_back("--help");

  try {
    const auto settings = settings_from(values);
    const auto command = values["command"].as<std::string>();
    const auto found = commands().find(command);
    if (found != commands().end()) return found->second.run(command_args, settings);
    std::cerr << "parley: unknown command '" << command << "'\n\n" << usage();
    return kExitUsage;
  } catch (const std::exception& error) {
    std::cerr << "parley: " << error.what() << '\n';
    return kExitFailure;
  }
}
