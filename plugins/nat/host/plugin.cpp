// nat-host: host candidates, the media socket's own addresses. Needs no server.
#include "host_candidates.hpp"
#include "parley/sdk/nat.hpp"

namespace {

struct Host {
  static parley::sdk::NatInfo info() {
    return {.produces = 1u << PARLEY_CANDIDATE_HOST, .needs_servers = false};
  }
  static std::vector<parley_candidate> gather(const parley::sdk::NatEnvironment& environment) {
    return parley::nat::gather_host_candidates(environment.local());
  }
};

constexpr parley::sdk::PluginInfo kInfo{
    .id = "org.parley.nat.host",
    .display_name = "Host candidates",
    .version = "1.0.0",
    .license = "LGPL-2.1-or-later",
    .description = "The media socket's own addresses, one per usable interface address",
};

}  // namespace

PARLEY_PLUGIN(kInfo, parley::sdk::nat<Host>("host", 100))
