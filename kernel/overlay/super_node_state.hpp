// SuperNode's insides, shared by its three source files: super_node.cpp
// (connections, attach, peering, UDP), super_node_calls.cpp (call routing and
// relay slots) and super_node_directory.cpp (presence, search, subscriptions).
// Private to kernel/overlay.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "net/tls_server.hpp"
#include "overlay/directory_service.hpp"
#include "overlay/media_relay.hpp"
#include "overlay/overlay_messages.hpp"
#include "overlay/super_node.hpp"
#include "overlay/token_bucket.hpp"

namespace parley::overlay {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using SteadyClock = std::chrono::steady_clock;

enum class Role { unknown, client, peer };

struct Session {
  std::shared_ptr<net::TlsConnection> connection;
  std::uint64_t id = 0;  // never reused, unlike the connection's address
  bool said_hello = false;
  Role role = Role::unknown;
  bool outgoing = false;  // a link this node opened to another super node
  // An outgoing link opened only to carry call routes (to a node known by the
  // key a route pinned): never learnt, closed after options.route_link_idle unused.
  bool for_routes = false;
  SteadyClock::time_point last_route{};
  std::optional<SteadyClock::time_point> last_subscribe;
  std::string peer_address;  // peer role: its listen host:port (claimed when incoming)
  std::string user_id;       // client role with a certificate; empty: anonymous
  std::optional<TokenBucket> route_meter;
  std::optional<SteadyClock::time_point> last_publish;
  std::size_t searches_in_flight = 0;
  std::map<std::string, DirectoryService::Subscription> subscriptions;
};

// Where a forwarded route came from, so a CallRouteFailed coming back finds it;
// and where it went, so only that super node can fail it.
struct RouteOrigin {
  net::TlsConnection* connection = nullptr;
  std::uint64_t session_id = 0;
  SteadyClock::time_point at;
  std::string from_user;                          // the route's, part of the key
  std::string target;                             // to_super_node
  std::optional<identity::PublicKey> target_key;  // to_super_node_key, when given
};

struct SuperNode::State : std::enable_shared_from_this<State> {
  State(asio::io_context& context, const identity::SigningKey& node_key, SuperNodeOptions opts,
        EventHandler handler);

  asio::io_context& io;
  const identity::SigningKey& key;
  SuperNodeOptions options;
  EventHandler on_event;
  std::unique_ptr<net::TlsServer> server;
  std::string self_address;
  std::uint64_t next_session_id = 1;
  std::map<net::TlsConnection*, Session> sessions;
  std::map<std::string, net::TlsConnection*> users;  // newest attach wins
  // Every super node this one has heard of, with its key when known.
  std::map<std::string, std::optional<identity::PublicKey>> known;
  // Links this node opened, by address; null while connecting.
  std::map<std::string, net::TlsConnection*> outgoing;
  // Peers' directory nodes already handed to the directory to join through.
  std::set<std::string> directory_joined;
  // Routes waiting for a link being opened.
  std::map<std::string, std::deque<std::pair<CallRoute, RouteOrigin>>> waiting;
  // By (call id, from_user): another user reusing a call id cannot overwrite it.
  std::map<std::pair<std::string, std::string>, RouteOrigin> origins;
  udp::socket udp_socket;  // STUN and relay
  struct StunMeter {
    TokenBucket bucket;
    SteadyClock::time_point last;
  };
  std::map<asio::ip::address, StunMeter> stun_meters;  // per source address, aged
  std::optional<MediaRelay> relay;
  std::array<std::uint8_t, 2048> udp_buffer{};
  udp::endpoint udp_source;
  asio::steady_timer peer_timer;
  asio::steady_timer housekeeping_timer;
  SuperNodeStats counters;
  std::uint64_t keep_alive_sequence = 0;
  bool stopped = false;

  // super_node.cpp
  [[nodiscard]] net::ConnectionLimits limits() const;
  void event(const std::string& line) const;
  static void send(net::TlsConnection& connection, const OverlayMessage& message);
  [[nodiscard]] Session* find(net::TlsConnection* raw, std::uint64_t id);
  [[nodiscard]] bool is_self(const std::string& address, const std::string& named_key) const;
  [[nodiscard]] OverlayMessage list_response() const;
  // proven: the key was proven by a TLS handshake to that very address (a
  // link this node dialled), so it replaces any key heard before; otherwise a
  // known key is never overwritten.
  void learn(const std::string& address, const std::optional<identity::PublicKey>& learned_key,
             bool proven = false);
  void accept(const std::shared_ptr<net::TlsConnection>& connection);
  void watch(const std::shared_ptr<net::TlsConnection>& connection, Session session);
  void drop(Session& session, const std::string& reason);
  void on_message(net::TlsConnection* raw, const std::vector<std::uint8_t>& bytes);
  void on_client_message(Session& session, const OverlayMessage& message);
  void on_peer_message(Session& session, const OverlayMessage& message);
  [[nodiscard]] std::size_t count(Role role) const;
  void on_attach(Session& session, const Attach& attach);
  void refuse(Session& session, const std::string& reason);
  void on_peer(Session& session, const Peer& peer);
  void join_peer_directory(const Session& session, const Peer& peer);
  void on_closed(net::TlsConnection* raw, const std::string& reason);
  void link_peers();
  void open_link(const std::string& address, const std::optional<identity::PublicKey>& pinned,
                 bool for_routes = false);
  void on_link(const std::string& address, const std::shared_ptr<net::TlsConnection>& link,
               const std::string& error, bool for_routes);
  void tick();
  void housekeeping();
  void receive_udp();
  void on_stun(std::span<const std::uint8_t> datagram, const udp::endpoint& source);
  void close_idle_route_links(SteadyClock::time_point now);
  void remember_origin(const std::string& call_id, const RouteOrigin& origin);

  // super_node_calls.cpp
  void on_call_route(Session& session, CallRoute route);
  void on_call_route_failed(Session& session, const CallRouteFailed& failed);
  void reserve_relay(Session& session, CallRoute& route);
  void track_relay(const CallRoute& route);
  [[nodiscard]] bool route_matches_payload(const CallRoute& route);
  void release_failed_invite(const CallRoute& route);
  void forward(CallRoute route, RouteOrigin origin);
  void fail_route(const RouteOrigin& origin, const std::string& call_id, const std::string& reason);
  // The same for a route that went no further: an invite's pending slot goes too.
  void fail_route(const RouteOrigin& origin, const CallRoute& route, const std::string& reason);
  [[nodiscard]] std::string relay_host_port() const;

  // super_node_directory.cpp
  void on_publish(Session& session, const PublishPresence& publish);
  void on_search(Session& session, const SearchRequest& request);
  void on_subscribe(Session& session, const Subscribe& subscribe);
};

std::string key_bytes(const identity::PublicKey& key);
std::optional<identity::PublicKey> key_from(const std::string& bytes);
std::string endpoint_text(const net::tcp::endpoint& endpoint);

}  // namespace parley::overlay
