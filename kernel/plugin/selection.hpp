// Chooses among loaded plugins of one kind: the preference list first, in its
// order; then, where the list is silent, by declared score; never by load order.
#pragma once

#include <string>
#include <vector>

#include "plugin/plugin_registry.hpp"
#include "plugin/policy.hpp"

namespace parley::plugin {

struct Ranked {
  Offer offer;
  bool preferred = false;  // named in the preference list
};

// Entries of prefer may name an interface ("opus") or a plugin id. Denied
// plugins and insecure ciphers (unless allowed) are left out; a pin leaves
// only the pinned interface.
std::vector<Ranked> rank(const std::vector<Offer>& offers, parley_kind kind,
                         const std::vector<std::string>& prefer, const Policy& policy);

}  // namespace parley::plugin
