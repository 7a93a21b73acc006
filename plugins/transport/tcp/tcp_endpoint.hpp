// One TCP connection carrying datagrams framed per RFC 4571: the transport of
// last resort when UDP is blocked (ARCHITECTURE.md section 5, setup 3).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <span>

#include "parley/sdk/transport.hpp"
#include "posix_socket.hpp"
#include "rfc4571_framing.hpp"

namespace parley::transport {

// Thread use: one thread may send while another receives; the deferred accept
// (open with no remote and timeout 0) happens in receive.
class TcpEndpoint {
 public:
  explicit TcpEndpoint(const sdk::OpenRequest& request);

  [[nodiscard]] parley_address local_address() const { return local_address_of(socket_.get()); }
  void send_to(const parley_address* to, std::span<const std::uint8_t> datagram);
  sdk::Received receive(std::span<std::uint8_t> buffer, std::uint32_t timeout_ms);
  [[nodiscard]] int native_handle() const { return socket_.get(); }

 private:
  void connect_to(const parley_address& remote, const Deadline& deadline);
  // Accepts the one peer onto the listener's descriptor number; false on timeout.
  bool accept_peer(const Deadline& deadline);
  void configure_connection(int fd);

  FileDescriptor socket_;  // the listener until the peer is accepted, then the connection
  std::atomic<bool> listening_{false};
  std::atomic<bool> broken_{false};  // closed, reset, or a frame was cut off on send
  parley_address peer_{};
  rfc4571::FrameReader reader_;  // receive side only
  bool peer_closed_ = false;     // receive side only
  std::mutex send_mutex_;        // frames from two senders must not interleave
};

}  // namespace parley::transport
