// A super node (ARCHITECTURE.md section 1): serves attached client nodes over
// TLS, answers STUN Binding requests on UDP, and peers with other super nodes
// so that every host cache can learn many of them.
//
// With a login server key it also serves users (docs/overlay.md): a client
// attaches with its certificate and a proof bound to the TLS session; the
// super node publishes its presence in the directory, answers its searches,
// pushes its buddies' presence, routes its call signaling to the callee's
// super node, and relays media for the calls its own users start (the UDP
// socket of --stun doubles as the relay port).
//
// Threading: run the io_context on one thread. Connection handlers run on
// their strands, and with one thread nothing else runs at the same time, so
// the node's tables need no lock.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "identity/signing_key.hpp"
#include "net/tls_client.hpp"
#include "net/tls_connection.hpp"
#include "overlay/media_relay.hpp"
#include "overlay/node_config.hpp"

namespace parley::overlay {

class DirectoryService;

struct SuperNodeOptions {
  net::tcp::endpoint listen;
  std::optional<boost::asio::ip::udp::endpoint> stun;  // empty: no STUN server
  std::vector<net::HostPort> peers;                    // super nodes to peer with
  NodeConfig config;
  // Whose certificates users attach with; empty: anonymous clients only.
  std::optional<identity::PublicKey> login_server_key;
  // Presence and search; not owned, must outlive the node. Null: none (users
  // may attach and call, but not publish, search or subscribe).
  DirectoryService* directory = nullptr;
  // max_slots and the byte rate come from config (max_relayed_calls,
  // relay_bytes_per_s); the rest from here.
  MediaRelayLimits relay;
  // A link this node opened only to forward call routes (to a super node it
  // does not peer with) closes after this long without a route.
  std::chrono::seconds route_link_idle{60};
};

struct SuperNodeStats {
  std::size_t clients = 0;
  std::size_t peers = 0;
  std::size_t known_super_nodes = 0;
  std::uint64_t attaches_refused = 0;
  // Connections closed before TLS, over max_connections or
  // max_connections_per_address, and TLS handshakes that failed or timed out.
  std::uint64_t connections_refused = 0;
  std::uint64_t handshakes_failed = 0;
  std::uint64_t bad_messages = 0;
  std::uint64_t stun_answers = 0;
  std::size_t users = 0;                 // attached clients with a certificate
  std::uint64_t call_routes = 0;         // delivered or forwarded
  std::uint64_t call_routes_failed = 0;  // answered with CallRouteFailed or dropped
  std::uint64_t relayed_packets = 0;
  std::uint64_t relayed_bytes = 0;
  std::uint64_t relay_dropped = 0;
  std::uint64_t relay_challenges = 0;       // latch challenges sent
  std::uint64_t relay_latched = 0;          // addresses latched after an echoed cookie
  std::uint64_t udp_send_dropped = 0;       // relay or STUN sends that would have blocked
  std::uint64_t stun_limited = 0;           // STUN requests over their source's rate
  std::uint64_t routes_unverified = 0;      // routes whose signed payload did not match them
  std::uint64_t subscribes_limited = 0;     // Subscribes too soon after the last one
  std::uint64_t subscriptions_refused = 0;  // ids over a session's or the node's share
  std::size_t relay_slots = 0;

  // Every counter with a stable name, for the exit line and machine readers.
  [[nodiscard]] std::vector<std::pair<std::string_view, std::uint64_t>> named() const;
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
  // host:port as this node names itself (AttachOk.super_node, Peer, presence).
  [[nodiscard]] std::string self_address() const;
  [[nodiscard]] SuperNodeStats stats() const;
  void stop();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace parley::overlay
