// The plugin side of a running kernel: the registry built from the search path,
// the policy, and the preference lists, ready to choose a strategy per kind.
#pragma once

#include <string>
#include <vector>

#include "config/settings.hpp"
#include "plugin/plugin_registry.hpp"
#include "plugin/policy.hpp"
#include "plugin/selection.hpp"

namespace parley::plugin {

class PluginHost {
 public:
  // Discovers plugins and reads the policy. Throws std::runtime_error when the
  // policy file is unreadable or a required plugin is missing.
  explicit PluginHost(const config::Settings& settings);

  [[nodiscard]] const PluginRegistry& registry() const { return registry_; }
  [[nodiscard]] const Policy& policy() const { return policy_; }
  [[nodiscard]] const std::vector<std::string>& preference(parley_kind kind) const;
  [[nodiscard]] std::vector<Ranked> ranked(parley_kind kind) const;
  // The first choice for a kind; throws std::runtime_error naming the kind when none.
  [[nodiscard]] Offer choose(parley_kind kind) const;

 private:
  config::Settings settings_;
  PluginRegistry registry_;
  Policy policy_;
};

}  // namespace parley::plugin
