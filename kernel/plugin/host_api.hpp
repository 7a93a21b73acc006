// The parley_host_api every plugin receives at its entry.
#pragma once

#include "parley/abi/plugin.h"

namespace parley::plugin {

const parley_host_api& host_api();

}  // namespace parley::plugin
