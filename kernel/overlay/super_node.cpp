#include "overlay/super_node.hpp"

#include <boost/asio/steady_timer.hpp>
#include <map>

#include "log/log.hpp"
#include "net/tls_server.hpp"
#include "overlay/overlay_messages.hpp"
#include "overlay/stun_binding.hpp"
#include "overlay/tofu_connect.hpp"

namespace parley::overlay {
namespace {

namespace asio = boost::asio;
using udp = asio::ip::udp;

std::string endpoint_text(const net::tcp::endpoint& endpoint) {
  const auto address = endpoint.address().to_string();
  return (endpoint.address().is_v6() ? "[" + address + "]" : address) + ":" +
         std::to_string(endpoint.port());
}

std::string key_bytes(const identity::PublicKey& key) {
  return {key.bytes.begin(), key.bytes.end()};
}

std::optional<identity::PublicKey> key_from(const std::string& bytes) {
  return identity::PublicKey::from_bytes(
      std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

enum class Role { unknown, client, peer };

struct Session {
  std::shared_ptr<net::TlsConnection> connection;
  bool said_hello = false;
  Role role = Role::unknown;
};

}  // namespace

struct SuperNode::State : std::enable_shared_from_this<State> {
  State(asio::io_context& context, const identity::SigningKey& node_key, SuperNodeOptions opts,
        EventHandler handler)
      : io(context),
        key(node_key),
        options(std::move(opts)),
        on_event(std::move(handler)),
        stun_socket(context),
        peer_timer(context) {}

  asio::io_context& io;
  const identity::SigningKey& key;
  SuperNodeOptions options;
  EventHandler on_event;
  std::unique_ptr<net::TlsServer> server;
  std::string self_address;
  std::map<net::TlsConnection*, Session> sessions;
  // Every super node this one has heard of, with its key when known.
  std::map<std::string, std::optional<identity::PublicKey>> known;
  std::map<std::string, std::shared_ptr<net::TlsConnection>> outgoing;  // by address
  udp::socket stun_socket;
  std::array<std::uint8_t, 2048> stun_buffer{};
  udp::endpoint stun_source;
  asio::steady_timer peer_timer;
  SuperNodeStats counters;
  std::uint64_t keep_alive_sequence = 0;
  bool stopped = false;

  net::ConnectionLimits limits() const {
    net::ConnectionLimits limits;
    limits.max_frame_bytes = kMaxMessageBytes;
    limits.handshake_timeout =
        std::min(options.config.connect_timeout * 2, std::chrono::milliseconds(10'000));
    limits.frame_timeout = std::chrono::milliseconds(5'000);
    // A silent client is gone after two missed keep-alives.
    limits.idle_timeout =
        options.config.keep_alive_interval * 2 + options.config.keep_alive_timeout;
    return limits;
  }

  void event(const std::string& line) {
    if (on_event) on_event(line);
  }

  void send(net::TlsConnection& connection, const OverlayMessage& message) {
    connection.send(encode(message));
  }

  OverlayMessage list_response() const {
    OverlayMessage message;
    auto* list = message.mutable_list_response();
    auto* self = list->add_super_nodes();
    self->set_host_port(self_address);
    self->set_key(key_bytes(key.public_key()));
    for (const auto& [address, known_key] : known) {
      if (static_cast<std::size_t>(list->super_nodes_size()) >= kMaxListEntries) break;
      if (address == self_address) continue;
      auto* entry = list->add_super_nodes();
      entry->set_host_port(address);
      if (known_key) entry->set_key(key_bytes(*known_key));
    }
    return message;
  }

  void learn(const std::string& address, const std::optional<identity::PublicKey>& learned_key) {
    if (address.empty() || address == self_address || !net::parse_host_port(address)) return;
    if (known.size() >= kMaxListEntries && known.count(address) == 0) return;
    auto& slot = known[address];
    if (!slot) slot = learned_key;
  }

  void accept(const std::shared_ptr<net::TlsConnection>& connection) {
    auto* raw = connection.get();
    sessions[raw] = Session{connection};
    std::weak_ptr<State> weak = shared_from_this();
    connection->start(
        [weak, raw](const std::vector<std::uint8_t>& bytes) {
          if (auto self = weak.lock()) self->on_message(raw, bytes);
        },
        [weak, raw](const std::string& reason) {
          if (auto self = weak.lock()) self->on_closed(raw, reason);
        });
  }

  void drop(Session& session, const std::string& reason) {
    ++counters.bad_messages;
    log::info("super-node",
              "closing " + endpoint_text(session.connection->remote_endpoint()) + ": " + reason);
    session.connection->abort(reason);
  }

  void on_message(net::TlsConnection* raw, const std::vector<std::uint8_t>& bytes) {
    const auto found = sessions.find(raw);
    if (found == sessions.end()) return;
    auto& session = found->second;
    auto decoded = decode(bytes);
    if (!decoded.message) return drop(session, decoded.error);
    const auto& message = *decoded.message;
    if (!session.said_hello) {
      if (auto problem = hello_problem(message); !problem.empty()) return drop(session, problem);
      session.said_hello = true;
      send(*raw, make_hello());
      return;
    }
    switch (message.body_case()) {
      case OverlayMessage::kAttach: return on_attach(session, message.attach());
      case OverlayMessage::kPeer: return on_peer(session, message.peer());
      case OverlayMessage::kKeepAlive: {
        OverlayMessage ack;
        ack.mutable_keep_alive_ack()->set_sequence(message.keep_alive().sequence());
        return send(*raw, ack);
      }
      case OverlayMessage::kListRequest: return send(*raw, list_response());
      case OverlayMessage::kDetach:
        raw->close("detached: " + log::sanitize(message.detach().reason(), 64));
        return;
      default: return drop(session, "unexpected message");
    }
  }

  std::size_t count(Role role) const {
    std::size_t n = 0;
    for (const auto& [raw, session] : sessions) n += session.role == role ? 1 : 0;
    return n;
  }

  void on_attach(Session& session, const Attach& attach) {
    if (session.role != Role::unknown) return drop(session, "attached twice");
    if (count(Role::client) >= options.config.max_clients) {
      ++counters.attaches_refused;
      OverlayMessage refused;
      refused.mutable_attach_refused()->set_reason("full");
      send(*session.connection, refused);
      session.connection->close("full");
      event("refused a client from " + endpoint_text(session.connection->remote_endpoint()) +
            ": full");
      return;
    }
    session.role = Role::client;
    OverlayMessage ok;
    auto* body = ok.mutable_attach_ok();
    body->set_observed_address(endpoint_text(session.connection->remote_endpoint()));
    body->set_keep_alive_s(static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::seconds>(options.config.keep_alive_interval)
            .count()));
    body->set_stun_port(stun_socket.is_open() ? stun_socket.local_endpoint().port() : 0);
    send(*session.connection, ok);
    event("client attached from " + endpoint_text(session.connection->remote_endpoint()) + " (" +
          log::sanitize(attach.node_name(), 64) + "), " + std::to_string(count(Role::client)) +
          " clients");
  }

  void on_peer(Session& session, const Peer& peer) {
    if (session.role != Role::unknown) return drop(session, "peered twice");
    if (count(Role::peer) >= options.config.max_peers) {
      OverlayMessage detach;
      detach.mutable_detach()->set_reason("full");
      send(*session.connection, detach);
      session.connection->close("full");
      return;
    }
    session.role = Role::peer;
    learn(peer.listen_host_port(), key_from(peer.key()));
    event("peer " + log::sanitize(peer.listen_host_port(), 64) + " linked (incoming), " +
          std::to_string(known.size()) + " super nodes known");
  }

  void on_closed(net::TlsConnection* raw, const std::string& reason) {
    const auto found = sessions.find(raw);
    if (found == sessions.end()) return;
    if (found->second.role == Role::client) {
      event("client " + endpoint_text(raw->remote_endpoint()) + " gone: " + reason);
    }
    sessions.erase(found);
  }

  // Outgoing peer links: connect, introduce this node, ask for its list; on
  // each timer tick keep the link alive and ask again, so lists propagate.
  void link_peers() {
    for (const auto& peer : options.peers) {
      const auto address = peer.to_string();
      if (outgoing.count(address) != 0) continue;
      outgoing[address] = nullptr;  // connecting
      const auto known_key = known.count(address) != 0 ? known[address] : std::nullopt;
      std::weak_ptr<State> weak = shared_from_this();
      connect_tofu(io, peer, known_key, limits(), options.config.connect_timeout,
                   [weak, address](const std::shared_ptr<net::TlsConnection>& connection,
                                   const std::string& error) {
                     auto self = weak.lock();
                     if (!self || self->stopped) {
                       if (connection) connection->abort("stopped");
                       return;
                     }
                     self->on_peer_connected(address, connection, error);
                   });
    }
  }

  void on_peer_connected(const std::string& address,
                         const std::shared_ptr<net::TlsConnection>& link,
                         const std::string& error) {
    if (!link) {
      outgoing.erase(address);
      log::info("super-node", "peer " + address + " not reached: " + error);
      return;
    }
    learn(address, link->peer_key());
    outgoing[address] = link;
    std::weak_ptr<State> weak = shared_from_this();
    link->start(
        [weak](std::vector<std::uint8_t> bytes) {
          auto self = weak.lock();
          if (!self) return;
          auto decoded = decode(bytes);
          if (decoded.message && decoded.message->has_list_response()) {
            for (const auto& entry : decoded.message->list_response().super_nodes()) {
              self->learn(entry.host_port(), key_from(entry.key()));
            }
          }
        },
        [weak, address](const std::string& reason) {
          auto self = weak.lock();
          if (!self) return;
          self->outgoing.erase(address);
          self->event("peer " + address + " lost: " + reason);
        });
    send(*link, make_hello());
    OverlayMessage peer;
    peer.mutable_peer()->set_listen_host_port(self_address);
    peer.mutable_peer()->set_key(key_bytes(key.public_key()));
    send(*link, peer);
    OverlayMessage request;
    request.mutable_list_request()->set_max_entries(kMaxListEntries);
    send(*link, request);
    event("peer " + address + " linked (outgoing), key " + link->peer_key()->to_text());
  }

  void tick() {
    if (stopped) return;
    for (auto& [address, link] : outgoing) {
      if (!link) continue;
      OverlayMessage alive;
      alive.mutable_keep_alive()->set_sequence(++keep_alive_sequence);
      send(*link, alive);
      OverlayMessage request;
      request.mutable_list_request()->set_max_entries(kMaxListEntries);
      send(*link, request);
    }
    link_peers();  // re-links any that were lost
    peer_timer.expires_after(options.config.keep_alive_interval);
    peer_timer.async_wait(
        [weak = std::weak_ptr<State>(shared_from_this())](const boost::system::error_code& error) {
          if (auto self = weak.lock(); self && !error) self->tick();
        });
  }

  void receive_stun() {
    stun_socket.async_receive_from(
        asio::buffer(stun_buffer), stun_source,
        [weak = std::weak_ptr<State>(shared_from_this())](const boost::system::error_code& error,
                                                          std::size_t bytes) {
          auto self = weak.lock();
          if (!self || error == asio::error::operation_aborted || self->stopped) return;
          if (!error) {
            if (auto answer =
                    answer_binding(std::span(self->stun_buffer.data(), bytes), self->stun_source)) {
              ++self->counters.stun_answers;
              boost::system::error_code ignored;
              // A datagram socket never blocks for long; a lost answer is retried by the asker.
              self->stun_socket.send_to(asio::buffer(*answer), self->stun_source, 0, ignored);
            }
          }
          self->receive_stun();
        });
  }
};

SuperNode::SuperNode(asio::io_context& io, const identity::SigningKey& key,
                     SuperNodeOptions options, EventHandler on_event)
    : state_(std::make_shared<State>(io, key, std::move(options), std::move(on_event))) {
  auto& state = *state_;
  net::TlsServerOptions server_options;
  server_options.limits = state.limits();
  server_options.max_connections = state.options.config.max_connections;
  server_options.max_connections_per_address = state.options.config.max_connections_per_address;
  std::weak_ptr<State> weak = state_;
  state.server = std::make_unique<net::TlsServer>(
      io, key, state.options.listen, server_options,
      [weak](const std::shared_ptr<net::TlsConnection>& connection) {
        if (auto self = weak.lock(); self && !self->stopped) self->accept(connection);
      });
  state.self_address = endpoint_text(state.server->local_endpoint());
  if (state.options.stun) {
    state.stun_socket.open(state.options.stun->protocol());
    state.stun_socket.bind(*state.options.stun);
    state.receive_stun();
  }
  state.tick();
}

SuperNode::~SuperNode() {
  stop();
}

net::tcp::endpoint SuperNode::local_endpoint() const {
  return state_->server->local_endpoint();
}

std::optional<udp::endpoint> SuperNode::stun_endpoint() const {
  if (!state_->stun_socket.is_open()) return std::nullopt;
  return state_->stun_socket.local_endpoint();
}

SuperNodeStats SuperNode::stats() const {
  auto stats = state_->counters;
  stats.clients = state_->count(Role::client);
  stats.peers = state_->count(Role::peer) + state_->outgoing.size();
  stats.known_super_nodes = state_->known.size();
  return stats;
}

void SuperNode::stop() {
  auto& state = *state_;
  if (state.stopped) return;
  state.stopped = true;
  state.server->stop();
  state.peer_timer.cancel();
  boost::system::error_code ignored;
  state.stun_socket.close(ignored);
  // Copied first: a close handler may erase from these tables.
  std::vector<std::shared_ptr<net::TlsConnection>> open;
  for (auto& [raw, session] : state.sessions) open.push_back(session.connection);
  for (auto& [address, link] : state.outgoing) {
    if (link) open.push_back(link);
  }
  for (auto& connection : open) connection->abort("super node stopping");
}

}  // namespace parley::overlay
