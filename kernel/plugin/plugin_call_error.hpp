// What the kernel's plugin wrappers throw when a plugin call fails at set-up,
// and readable text for every parley_status.
#pragma once

#include <stdexcept>
#include <string>

#include "parley/abi/plugin.h"

namespace parley::plugin {

class PluginCallError : public std::runtime_error {
 public:
  PluginCallError(parley_status status, const std::string& what)
      : std::runtime_error(what), status_(status) {}
  [[nodiscard]] parley_status status() const { return status_; }

 private:
  parley_status status_;
};

std::string describe_status(parley_status status);

}  // namespace parley::plugin
