// One UDP socket: datagrams to and from any peer, IPv4 or IPv6.
#pragma once

#include <cstdint>
#include <span>

#include "parley/sdk/transport.hpp"
#include "posix_socket.hpp"

namespace parley::transport {

// RFC 768 over IPv4: 65535 - 20 (IP header) - 8 (UDP header). IPv6 allows 20
// bytes more, but one limit for both families keeps a datagram sendable on
// every path the kernel might switch to.
inline constexpr std::uint32_t kMaxUdpPayloadBytes = 65507;

class UdpEndpoint {
 public:
  explicit UdpEndpoint(const sdk::OpenRequest& request);

  [[nodiscard]] parley_address local_address() const { return local_address_of(socket_.get()); }
  void send_to(const parley_address* to, std::span<const std::uint8_t> datagram);
  sdk::Received receive(std::span<std::uint8_t> buffer, std::uint32_t timeout_ms);
  [[nodiscard]] int native_handle() const { return socket_.get(); }

 private:
  FileDescriptor socket_;
  int family_;
};

}  // namespace parley::transport
