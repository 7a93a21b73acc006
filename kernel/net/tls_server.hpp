// A TLS 1.3 listener: accepts, admits within limits, runs the handshake under
// its deadline and hands over each connection that completed it.
//
// Admission happens before any TLS work, so a flood costs an accept and a
// close: at most max_connections open at once, at most
// max_connections_per_address from one source address (IPv4 address, or
// IPv6 /64 prefix, since one host usually owns a whole /64).
#pragma once

#include <atomic>
#include <functional>
#include <memory>

#include "net/tls_connection.hpp"

namespace parley::net {

// The unit one party controls, for per-source limits: an IPv4 address, or an
// IPv6 /64 ("2001:db8::/64").
std::string address_bucket(const tcp::endpoint& endpoint);
// An IPv4-mapped IPv6 address (::ffff:a.b.c.d, as a dual-stack socket reports
// IPv4 peers) as the IPv4 address it is; any other address unchanged.
asio::ip::address unmapped(const asio::ip::address& address);

struct TlsServerOptions {
  ConnectionLimits limits;
  std::size_t max_connections = 1024;
  std::size_t max_connections_per_address = 32;
  bool request_client_key = false;  // see make_server_tls_context()
};

struct TlsServerStats {
  std::uint64_t accepted = 0;              // admitted, handshake started
  std::uint64_t refused_over_total = 0;    // over max_connections
  std::uint64_t refused_over_address = 0;  // over max_connections_per_address
  std::uint64_t handshakes_failed = 0;
  std::size_t open = 0;
};

class TlsServer {
 public:
  // Called on the connection's strand after its handshake; the receiver
  // calls start() on it (or drops it, which closes it).
  using ConnectionHandler = std::function<void(std::shared_ptr<TlsConnection>)>;

  // Listens at once (so local_endpoint() is known, port 0 included); throws
  // boost::system::system_error when the address cannot be bound.
  TlsServer(asio::io_context& io, const identity::SigningKey& key, const tcp::endpoint& listen,
            TlsServerOptions options, ConnectionHandler on_connection);
  ~TlsServer();
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;

  [[nodiscard]] tcp::endpoint local_endpoint() const;
  [[nodiscard]] TlsServerStats stats() const;
  // Stops accepting; open connections are their owners' to close.
  void stop();
  // Aborts every connection this server accepted that is still open (for
  // shutting down: their handlers run, and release what they hold).
  void abort_all(const std::string& reason);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace parley::net
