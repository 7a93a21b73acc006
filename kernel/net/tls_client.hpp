// Connecting to a TLS 1.3 server whose Ed25519 key is pinned, asynchronously
// (connect_tls) or from a plain thread (BlockingChannel, for command-line
// tools and tests: it runs its own io_context while it waits).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "net/tls_connection.hpp"

namespace parley::net {

class NetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct HostPort {
  std::string host;  // name or address, without IPv6 brackets
  std::uint16_t port = 0;
  [[nodiscard]] std::string to_string() const;
};
// "host:port", "1.2.3.4:port" or "[::1]:port"; empty when malformed.
std::optional<HostPort> parse_host_port(std::string_view text);

struct TlsClientOptions {
  // Empty: trust on first use; any Ed25519 key the server proves it holds is
  // accepted, and the caller records connection->peer_key().
  std::optional<identity::PublicKey> pinned_server_key;
  const identity::SigningKey* client_key = nullptr;  // presented when the server asks
  ConnectionLimits limits;
  std::chrono::milliseconds connect_timeout{10'000};  // name lookup and TCP connect
};

// done gets the connection after a handshake with the pinned key, or an
// error saying why not (unreachable, timed out, key mismatch, TLS refused).
using ConnectHandler =
    std::function<void(std::shared_ptr<TlsConnection> connection, const std::string& error)>;
void connect_tls(asio::io_context& io, const HostPort& server, const TlsClientOptions& options,
                 ConnectHandler done);

// Request and answer over one connection, blocking the calling thread.
class BlockingChannel {
 public:
  // Throws NetError when the connection cannot be made.
  BlockingChannel(const HostPort& server, const TlsClientOptions& options);
  ~BlockingChannel();
  BlockingChannel(const BlockingChannel&) = delete;
  BlockingChannel& operator=(const BlockingChannel&) = delete;

  void send(std::vector<std::uint8_t> message);
  // The next message; throws NetError when the connection closes first or
  // nothing arrives within timeout.
  std::vector<std::uint8_t> receive(std::chrono::milliseconds timeout);
  [[nodiscard]] const TlsConnection& connection() const { return *connection_; }

 private:
  struct Inbox;
  asio::io_context io_;
  std::shared_ptr<Inbox> inbox_;
  std::shared_ptr<TlsConnection> connection_;
};

}  // namespace parley::net
