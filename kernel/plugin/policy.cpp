#include "plugin/policy.hpp"

#include <boost/program_options.hpp>
#include <fstream>

#include "config/list_option.hpp"
#include "plugin/kinds.hpp"

namespace parley::plugin {

namespace po = boost::program_options;

Policy Policy::load(const std::filesystem::path& path) {
  std::ifstream file(path);
  if (!file) throw std::runtime_error("cannot read policy file " + path.string());
  po::options_description options;
  options.add_options()("policy.deny", po::value<std::vector<std::string>>()->composing())(
      "policy.require", po::value<std::vector<std::string>>()->composing())(
      "policy.allow_insecure_cipher", po::value<bool>()->default_value(false));
  for (const auto& kind : all_kinds()) {
    options.add_options()(("pin." + std::string(kind.name)).c_str(), po::value<std::string>());
  }
  po::variables_map values;
  try {
    po::store(po::parse_config_file(file, options), values);
  } catch (const po::error& error) {
    throw std::runtime_error("policy file " + path.string() + ": " + error.what());
  }
  Policy policy;
  if (values.count("policy.deny") != 0) {
    for (const auto& item :
         config::split_list(values["policy.deny"].as<std::vector<std::string>>())) {
      policy.deny.insert(item);
    }
  }
  if (values.count("policy.require") != 0) {
    for (const auto& item :
         config::split_list(values["policy.require"].as<std::vector<std::string>>())) {
      policy.require.insert(item);
    }
  }
  policy.allow_insecure_cipher = values["policy.allow_insecure_cipher"].as<bool>();
  for (const auto& kind : all_kinds()) {
    const auto key = "pin." + std::string(kind.name);
    if (values.count(key) != 0) policy.pin[kind.kind] = values[key].as<std::string>();
  }
  return policy;
}

std::vector<std::string> Policy::unmet_requirements(const PluginRegistry& registry) const {
  std::vector<std::string> unmet;
  for (const auto& id : require) {
    const auto* record = registry.find(id);
    if (record == nullptr) {
      unmet.push_back("required plugin " + id + " was not found on the plugin search path");
    } else if (!record->loaded) {
      unmet.push_back("required plugin " + id + " was refused: " + record->reason);
    } else if (deny.contains(id)) {
      unmet.push_back("plugin " + id + " is both required and denied");
    }
  }
  return unmet;
}

}  // namespace parley::plugin
