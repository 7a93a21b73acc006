// A super node (ARCHITECTURE.md section 1): serves attached client nodes over
// TLS, answers STUN Binding requests on UDP, and peers with other super nodes
// so that every host cache can learn many of them.
//
// Threading: run the io_context on one thread. Connection handlers run on
// their strands, and with one thread nothing else runs at the same time, so
// the node's tables need no lock.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "identity/signing_key.hpp"
#include "net/tls_client.hpp"
#include "net/tls_connection.hpp"
#include "overlay/node_config.hpp"

namespace parley::overlay {

struct SuperNodeOptions {
  net::tcp::endpoint listen;
  std::optional<boost::asio::ip::udp::endpoint> stun;  // empty: no STUN server
  std::vector<net::HostPort> peers;                    // super nodes to peer with
  NodeConfig config;
};

struct SuperNodeStats {
  std::size_t clients = 0;
  std::size_t peers = 0;
  std::size_t known_super_nodes = 0;
  std::uint64_t attaches_refused = 0;
  std::uint64_t bad_messages = 0;
  std::uint64_t stun_answers = 0;
};

class SuperNode {
 public:
  // Events worth a line on the console (attach, detach, peering).
  using EventHandler = std::function<void(const std::string& line)>;

  // Binds at once (port 0 included); throws boost::system::system_error.
  SuperNode(boost::asio::io_context& io, const identity::SigningKey& key, SuperNodeOptions options,
            EventHandler on_event);
  ~SuperNode();
  SuperNode(const SuperNode&) = delete;
  SuperNode& operator=(const SuperNode&) = delete;

  [[nodiscard]] net::tcp::endpoint local_endpoint() const;
  [[nodiscard]] std::optional<boost::asio::ip::udp::endpoint> stun_endpoint() const;
  [[nodiscard]] SuperNodeStats stats() const;
  void stop();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace parley::overlay
