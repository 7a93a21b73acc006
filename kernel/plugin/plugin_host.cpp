#include "plugin/plugin_host.hpp"

#include "plugin/kinds.hpp"

namespace parley::plugin {

PluginHost::PluginHost(const config::Settings& settings) : settings_(settings) {
  if (settings_.policy_file) policy_ = Policy::load(*settings_.policy_file);
  registry_.discover(settings_.plugin_search_path());
  const auto unmet = policy_.unmet_requirements(registry_);
  if (!unmet.empty()) {
    std::string message = "plugin policy not met:";
    for (const auto& line : unmet) message += "\n  " + line;
    throw std::runtime_error(message);
  }
}

const std::vector<std::string>& PluginHost::preference(parley_kind kind) const {
  static const std::vector<std::string> none;
  const auto found = settings_.prefer.find(kind);
  return found == settings_.prefer.end() ? none : found->second;
}

std::vector<Ranked> PluginHost::ranked(parley_kind kind) const {
  return rank(registry_.offers(kind), kind, preference(kind), policy_);
}

Offer PluginHost::choose(parley_kind kind) const {
  const auto choices = ranked(kind);
  if (choices.empty()) {
    const auto* spec = find_kind(kind);
    throw std::runtime_error(
        std::string("no usable ") + std::string(spec ? spec->name : "?") +
        " plugin: none found, or all denied by policy (see `parley plugins list`)");
  }
  return choices.front().offer;
}

}  // namespace parley::plugin
