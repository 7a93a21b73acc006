#include "cli/common_options.hpp"

namespace parley::cli {

po::options_description global_options() {
  po::options_description options("Global options");
  options.add_options()("help,h", "show help (also after a command: parley plugins --help)")(
      "version", "print the version and exit")(
      "config,c", po::value<std::string>(),
      "config file (default: ~/.config/parley/parley.conf, then <prefix>/etc/parley/parley.conf)")(
      "log-level", po::value<std::string>(),
      "trace, debug, info, warn, error or off (default: warn)")(
      "plugin-dir", po::value<std::vector<std::string>>()->composing(),
      "search this plugin directory first (repeatable)")(
      "no-system-plugins", "do not search <prefix>/lib/parley/plugins")(
      "policy", po::value<std::string>(), "plugin policy file (deny, require, pin)")(
      "prefer", po::value<std::vector<std::string>>()->composing(),
      "KIND=NAME[,NAME...]: preference list, e.g. codec=opus,pcmu (repeatable)");
  return options;
}

config::Settings settings_from(const po::variables_map& values) {
  config::Settings settings;
  if (values.count("config") != 0) {
    config::read_config_file(values["config"].as<std::string>(), settings);
  } else if (auto file = config::default_config_file()) {
    config::read_config_file(*file, settings);
  }
  if (values.count("log-level") != 0) {
    const auto name = values["log-level"].as<std::string>();
    const auto level = log::parse_level(name);
    if (!level)
      throw std::runtime_error("--log-level '" + name +
                               "': use trace, debug, info, warn, error or off");
    settings.log_level = *level;
  }
  if (values.count("plugin-dir") != 0) {
    std::vector<std::filesystem::path> dirs;
    for (const auto& dir : values["plugin-dir"].as<std::vector<std::string>>()) {
      dirs.push_back(std::filesystem::absolute(dir));
    }
    // The command line comes before the config file's directories.
    dirs.insert(dirs.end(), settings.extra_plugin_dirs.begin(), settings.extra_plugin_dirs.end());
    settings.extra_plugin_dirs = dirs;
  }
  if (values.count("no-system-plugins") != 0) settings.system_plugins = false;
  if (values.count("policy") != 0)
    settings.policy_file = std::filesystem::absolute(values["policy"].as<std::string>());
  if (values.count("prefer") != 0) {
    for (const auto& option : values["prefer"].as<std::vector<std::string>>()) {
      config::apply_prefer_option(option, settings);
    }
  }
  log::set_level(settings.log_level);
  return settings;
}

}  // namespace parley::cli
