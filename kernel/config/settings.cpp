#include "config/settings.hpp"

#include <boost/program_options.hpp>
#include <fstream>

#include "config/list_option.hpp"
#include "config/paths.hpp"
#include "plugin/kinds.hpp"

namespace parley::config {

namespace po = boost::program_options;

namespace {
// A config file is a few KiB; a huge one is a mistake, not configuration.
constexpr std::uintmax_t kMaxConfigBytes = std::uintmax_t{1024} * 1024;
}  // namespace

std::vector<std::filesystem::path> Settings::plugin_search_path() const {
  std::vector<std::filesystem::path> path = extra_plugin_dirs;
  path.push_back(user_plugin_dir());
  if (system_plugins) path.push_back(system_plugin_dir());
  return path;
}

void read_config_file(const std::filesystem::path& path, Settings& settings) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  if (error)
    throw std::runtime_error("cannot read config file " + path.string() + ": " + error.message());
  if (size > kMaxConfigBytes)
    throw std::runtime_error("config file " + path.string() + " is larger than 1 MiB");
  std::ifstream file(path);
  if (!file) throw std::runtime_error("cannot read config file " + path.string());

  po::options_description options;
  options.add_options()("log.level", po::value<std::string>())(
      "plugins.dir", po::value<std::vector<std::string>>()->composing())(
      "plugins.system", po::value<bool>())("plugins.policy", po::value<std::string>());
  for (const auto& kind : plugin::all_kinds()) {
    options.add_options()((std::string(kind.name) + ".prefer").c_str(),
                          po::value<std::vector<std::string>>()->composing());
  }
  po::variables_map values;
  try {
    // Unknown keys are allowed: later subsystems (login, overlay, call) own their sections.
    po::store(po::parse_config_file(file, options, /*allow_unregistered=*/true), values);
  } catch (const po::error& failure) {
    throw std::runtime_error("config file " + path.string() + ": " + failure.what());
  }
  settings.config_file = path;
  if (values.count("log.level") != 0) {
    const auto name = values["log.level"].as<std::string>();
    const auto level = log::parse_level(name);
    if (!level) {
      throw std::runtime_error("config file " + path.string() + ": log.level '" + name +
                               "' is not one of trace, debug, info, warn, error, off");
    }
    settings.log_level = *level;
  }
  if (values.count("plugins.dir") != 0) {
    for (const auto& dir : split_list(values["plugins.dir"].as<std::vector<std::string>>())) {
      std::filesystem::path entry(dir);
      // Relative directories are relative to the config file, not the current directory.
      settings.extra_plugin_dirs.push_back(entry.is_absolute() ? entry
                                                               : path.parent_path() / entry);
    }
  }
  if (values.count("plugins.system") != 0)
    settings.system_plugins = values["plugins.system"].as<bool>();
  if (values.count("plugins.policy") != 0) {
    std::filesystem::path policy(values["plugins.policy"].as<std::string>());
    settings.policy_file = policy.is_absolute() ? policy : path.parent_path() / policy;
  }
  for (const auto& kind : plugin::all_kinds()) {
    const auto key = std::string(kind.name) + ".prefer";
    if (values.count(key) != 0) {
      settings.prefer[kind.kind] = split_list(values[key].as<std::vector<std::string>>());
    }
  }
}

std::optional<std::filesystem::path> default_config_file() {
  std::error_code error;
  for (const auto& candidate :
       {user_config_dir() / "parley.conf", system_config_dir() / "parley.conf"}) {
    if (std::filesystem::is_regular_file(candidate, error)) return candidate;
  }
  return std::nullopt;
}

void apply_prefer_option(const std::string& option, Settings& settings) {
  const auto equals = option.find('=');
  if (equals == std::string::npos) {
    throw std::runtime_error("--prefer '" + option +
                             "': expected KIND=NAME[,NAME...], e.g. codec=opus,pcmu");
  }
  const auto kind_name = option.substr(0, equals);
  const auto* kind = plugin::find_kind(kind_name);
  if (kind == nullptr) {
    throw std::runtime_error("--prefer: unknown plugin kind '" + kind_name +
                             "' (codec, cipher, nat, transport, storage, directory, audio, ui)");
  }
  settings.prefer[kind->kind] = split_list(std::string_view(option).substr(equals + 1));
}

}  // namespace parley::config
