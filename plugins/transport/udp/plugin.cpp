// transport-udp: datagrams over UDP, IPv4 and IPv6 (one dual-stack socket on "::").
#include "parley/sdk/transport.hpp"
#include "udp_endpoint.hpp"

namespace {

struct Udp {
  static parley::sdk::TransportInfo info() {
    return {.protocol = "udp",
            .flags = 0,
            .max_datagram_bytes = parley::transport::kMaxUdpPayloadBytes,
            .overhead_bytes = 8};
  }
  using Endpoint = parley::transport::UdpEndpoint;
};

constexpr parley::sdk::PluginInfo kInfo{
    .id = "org.parley.transport.udp",
    .display_name = "UDP transport",
    .version = "1.0.0",
    .license = "LGPL-2.1-or-later",
    .description = "Datagrams over UDP (RFC 768), IPv4 and IPv6",
};

}  // namespace

PARLEY_PLUGIN(kInfo, parley::sdk::transport<Udp>("udp", 100))
