// transport-tcp: datagrams over one TCP connection, framed per RFC 4571.
#include "parley/sdk/transport.hpp"
#include "tcp_endpoint.hpp"

namespace {

struct Tcp {
  static parley::sdk::TransportInfo info() {
    return {.protocol = "tcp",
            .flags = PARLEY_TRANSPORT_RELIABLE | PARLEY_TRANSPORT_CONNECTED,
            .max_datagram_bytes = parley::rfc4571::kMaxFrameBytes,
            .overhead_bytes = 20 + parley::rfc4571::kHeaderBytes};
  }
  using Endpoint = parley::transport::TcpEndpoint;
};

constexpr parley::sdk::PluginInfo kInfo{
    .id = "org.parley.transport.tcp",
    .display_name = "TCP transport",
    .version = "1.0.0",
    .license = "LGPL-2.1-or-later",
    .description = "Datagrams over TCP, framed per RFC 4571, for networks that block UDP",
};

}  // namespace

PARLEY_PLUGIN(kInfo, parley::sdk::transport<Tcp>("tcp", 50))
