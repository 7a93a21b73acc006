// nat-stun: server-reflexive candidates from STUN Binding (RFC 8489) requests,
// sent from the media socket through the kernel so they show its own mapping.
#include "parley/sdk/nat.hpp"
#include "server_reflexive.hpp"

namespace {

struct Stun {
  static parley::sdk::NatInfo info() {
    return {.produces = 1u << PARLEY_CANDIDATE_SERVER_REFLEXIVE,
            .needs_servers = true,
            .default_timeout_ms = 3000};
  }
  static std::vector<parley_candidate> gather(const parley::sdk::NatEnvironment& environment) {
    return parley::stun::gather_server_reflexive(environment);
  }
};

constexpr parley::sdk::PluginInfo kInfo{
    .id = "org.parley.nat.stun",
    .display_name = "STUN server-reflexive candidates",
    .version = "1.0.0",
    .license = "LGPL-2.1-or-later",
    .description = "Learns the public address of the media socket from STUN servers (RFC 8489)",
};

}  // namespace

PARLEY_PLUGIN(kInfo, parley::sdk::nat<Stun>("stun", 90))
