#include "overlay/super_node.hpp"

#include "identity/certificate.hpp"
#include "log/log.hpp"
#include "net/byte_view.hpp"
#include "overlay/client_node.hpp"
#include "overlay/stun_binding.hpp"
#include "overlay/super_node_state.hpp"
#include "overlay/tofu_connect.hpp"

namespace parley::overlay {

std::string endpoint_text(const net::tcp::endpoint& endpoint) {
  const auto address = endpoint.address().to_string();
  return (endpoint.address().is_v6() ? "[" + address + "]" : address) + ":" +
         std::to_string(endpoint.port());
}

std::string key_bytes(const identity::PublicKey& key) {
  return {key.bytes.begin(), key.bytes.end()};
}

std::optional<identity::PublicKey> key_from(const std::string& bytes) {
  return identity::PublicKey::from_bytes(net::byte_view(bytes));
}

namespace {

// A client may send this many call routes a second, and a burst of twice that
// (a call takes 3 to 5); a peer link carries many users' calls.
constexpr double kRoutesPerSecond = 20;
constexpr double kRouteBurst = 40;
constexpr double kPeerRoutesPerSecond = 500;
constexpr double kPeerRouteBurst = 1000;
// How long a forwarded route's sender is remembered for a failure coming back.
constexpr std::chrono::seconds kOriginLifetime{120};
constexpr std::size_t kMaxOrigins = 20'000;
// STUN answers per source address: a client asks a few times a minute, so
// this only stops the port from serving as a reflector.
constexpr double kStunPerSecond = 20;
constexpr double kStunBurst = 40;
constexpr std::size_t kMaxStunSources = 10'000;
// A meter idle this long is full again, so it can be forgotten.
constexpr auto kStunMeterIdle = std::chrono::seconds(3);

}  // namespace

SuperNode::State::State(asio::io_context& context, const identity::SigningKey& node_key,
                        SuperNodeOptions opts, EventHandler handler)
    : io(context),
      key(node_key),
      options(std::move(opts)),
      on_event(std::move(handler)),
      udp_socket(context),
      peer_timer(context),
      housekeeping_timer(context) {}

net::ConnectionLimits SuperNode::State::limits() const {
  net::ConnectionLimits limits;
  limits.max_frame_bytes = kMaxMessageBytes;
  limits.handshake_timeout =
      std::min(options.config.connect_timeout * 2, std::chrono::milliseconds(10'000));
  limits.frame_timeout = std::chrono::milliseconds(5'000);
  // A silent client is gone after two missed keep-alives.
  limits.idle_timeout = options.config.keep_alive_interval * 2 + options.config.keep_alive_timeout;
  return limits;
}

void SuperNode::State::event(const std::string& line) const {
  if (on_event) on_event(line);
}

void SuperNode::State::send(net::TlsConnection& connection, const OverlayMessage& message) {
  connection.send(encode(message));
}

Session* SuperNode::State::find(net::TlsConnection* raw, std::uint64_t id) {
  const auto found = sessions.find(raw);
  if (found == sessions.end() || found->second.id != id) return nullptr;
  return &found->second;
}

bool SuperNode::State::is_self(const std::string& address, const std::string& named_key) const {
  if (named_key.size() == kKeyBytes) return named_key == key_bytes(key.public_key());
  return address == self_address;
}

OverlayMessage SuperNode::State::list_response() const {
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

void SuperNode::State::learn(const std::string& address,
                             const std::optional<identity::PublicKey>& learned_key, bool proven) {
  if (address.empty() || address == self_address || !net::parse_host_port(address)) return;
  if (known.size() >= kMaxListEntries && known.count(address) == 0) return;
  auto& slot = known[address];
  if (!slot || (proven && learned_key)) slot = learned_key;
}

void SuperNode::State::accept(const std::shared_ptr<net::TlsConnection>& connection) {
  Session session;
  session.connection = connection;
  watch(connection, std::move(session));
}

void SuperNode::State::watch(const std::shared_ptr<net::TlsConnection>& connection,
                             Session session) {
  auto* raw = connection.get();
  session.id = next_session_id++;
  sessions.insert_or_assign(raw, std::move(session));
  std::weak_ptr<State> weak = shared_from_this();
  connection->start(
      [weak, raw](const std::vector<std::uint8_t>& bytes) {
        if (auto self = weak.lock()) self->on_message(raw, bytes);
      },
      [weak, raw](const std::string& reason) {
        if (auto self = weak.lock()) self->on_closed(raw, reason);
      });
}

void SuperNode::State::drop(Session& session, const std::string& reason) {
  ++counters.bad_messages;
  log::info("super-node",
            "closing " + endpoint_text(session.connection->remote_endpoint()) + ": " + reason);
  session.connection->abort(reason);
}

void SuperNode::State::on_message(net::TlsConnection* raw, const std::vector<std::uint8_t>& bytes) {
  const auto found = sessions.find(raw);
  if (found == sessions.end()) return;
  auto& session = found->second;
  auto decoded = decode(bytes);
  if (!decoded.message) return drop(session, decoded.error);
  const auto& message = *decoded.message;
  if (!session.said_hello) {
    if (auto problem = hello_problem(message); !problem.empty()) return drop(session, problem);
    session.said_hello = true;
    if (!session.outgoing) send(*raw, make_hello());  // on our own links we spoke first
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
    default: break;
  }
  if (session.role == Role::client) return on_client_message(session, message);
  if (session.role == Role::peer) return on_peer_message(session, message);
  drop(session, "unexpected message");
}

void SuperNode::State::on_client_message(Session& session, const OverlayMessage& message) {
  switch (message.body_case()) {
    case OverlayMessage::kPublishPresence: return on_publish(session, message.publish_presence());
    case OverlayMessage::kSearchRequest: return on_search(session, message.search_request());
    case OverlayMessage::kSubscribe: return on_subscribe(session, message.subscribe());
    case OverlayMessage::kCallRoute: return on_call_route(session, message.call_route());
    default: return drop(session, "unexpected message");
  }
}

void SuperNode::State::on_peer_message(Session& session, const OverlayMessage& message) {
  switch (message.body_case()) {
    case OverlayMessage::kListResponse:
      for (const auto& entry : message.list_response().super_nodes()) {
        learn(entry.host_port(), key_from(entry.key()));
      }
      return;
    case OverlayMessage::kKeepAliveAck: return;
    case OverlayMessage::kCallRoute: return on_call_route(session, message.call_route());
    case OverlayMessage::kCallRouteFailed:
      return on_call_route_failed(session, message.call_route_failed());
    default: return drop(session, "unexpected message");
  }
}

std::size_t SuperNode::State::count(Role role) const {
  std::size_t n = 0;
  for (const auto& [raw, session] : sessions) n += session.role == role ? 1 : 0;
  return n;
}

void SuperNode::State::refuse(Session& session, const std::string& reason) {
  ++counters.attaches_refused;
  OverlayMessage refused;
  refused.mutable_attach_refused()->set_reason(reason);
  send(*session.connection, refused);
  session.connection->close(reason);
  event("refused a client from " + endpoint_text(session.connection->remote_endpoint()) + ": " +
        reason);
}

void SuperNode::State::on_attach(Session& session, const Attach& attach) {
  if (session.role != Role::unknown) return drop(session, "attached twice");
  if (count(Role::client) >= options.config.max_clients) return refuse(session, "full");
  std::string user_id;
  if (!attach.certificate().empty()) {
    if (!options.login_server_key) return refuse(session, "this super node takes no users");
    const auto& certificate = attach.certificate();
    const auto check = identity::verify_certificate(
        net::byte_view(certificate), *options.login_server_key, identity::Clock::now(), {});
    if (!check.ok()) return refuse(session, "certificate refused: " + check.reason);
    const auto& binding = session.connection->channel_binding();
    const auto& proof = attach.proof();
    if (!identity::verify_signature(check.certificate->subject_key, kAttachProofContext, binding,
                                    net::byte_view(proof))) {
      return refuse(session, "the proof does not match the certified key on this connection");
    }
    user_id = check.certificate->user_id;
  }
  session.role = Role::client;
  if (!user_id.empty()) {
    session.user_id = user_id;
    session.route_meter.emplace(kRoutesPerSecond, kRouteBurst, SteadyClock::now());
    users[user_id] = session.connection.get();
  }
  OverlayMessage ok;
  auto* body = ok.mutable_attach_ok();
  body->set_observed_address(endpoint_text(session.connection->remote_endpoint()));
  body->set_keep_alive_s(static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::seconds>(options.config.keep_alive_interval)
          .count()));
  body->set_stun_port(udp_socket.is_open() ? udp_socket.local_endpoint().port() : 0);
  body->set_user_id(user_id);
  body->set_super_node(self_address);
  send(*session.connection, ok);
  event((user_id.empty() ? std::string("client") : "user " + user_id) + " attached from " +
        endpoint_text(session.connection->remote_endpoint()) + " (" +
        log::sanitize(attach.node_name(), 64) + "), " + std::to_string(count(Role::client)) +
        " clients");
}

void SuperNode::State::on_peer(Session& session, const Peer& peer) {
  if (session.role != Role::unknown) return drop(session, "peered twice");
  if (count(Role::peer) >= options.config.max_peers) {
    OverlayMessage detach;
    detach.mutable_detach()->set_reason("full");
    send(*session.connection, detach);
    session.connection->close("full");
    return;
  }
  // A peer proves its node key in the TLS handshake, so routes it hands over
  // come from a super node and a link to it can be reused by key.
  const auto claimed = key_from(peer.key());
  if (!claimed || session.connection->peer_key() != claimed) {
    return drop(session, "a peer must prove the node key it names");
  }
  session.role = Role::peer;
  session.peer_address = peer.listen_host_port();
  session.route_meter.emplace(kPeerRoutesPerSecond, kPeerRouteBurst, SteadyClock::now());
  // The key is proven, but not that it listens at the address it claims (it
  // could name another node's): the address is learnt without a key, and a
  // link dialled to it later pins whatever key answers there.
  learn(peer.listen_host_port(), std::nullopt);
  event("peer " + log::sanitize(peer.listen_host_port(), 64) + " linked (incoming), " +
        std::to_string(known.size()) + " super nodes known");
  join_peer_directory(session, peer);
}

// A peer's directory node joins this one's directory network, so that nodes
// whose directory port is not their listen port (chosen by the system for
// port 0, or set with --directory) still find each other. The port is the
// peer's word; the host is where its connection comes from, so a peer cannot
// point this node's directory engine at a third party.
void SuperNode::State::join_peer_directory(const Session& session, const Peer& peer) {
  constexpr std::size_t kMaxDirectoryJoins = 256;
  if (options.directory == nullptr || peer.directory_host_port().empty()) return;
  const auto advertised = net::parse_host_port(peer.directory_host_port());
  if (!advertised || advertised->port == 0) return;
  const net::HostPort through{
      net::unmapped(session.connection->remote_endpoint().address()).to_string(), advertised->port};
  const auto address = through.to_string();
  if (directory_joined.size() >= kMaxDirectoryJoins || !directory_joined.insert(address).second) {
    return;
  }
  options.directory->bootstrap(address);
  event("directory: joining through " + address + " (a peer's directory node)");
}

void SuperNode::State::on_closed(net::TlsConnection* raw, const std::string& reason) {
  const auto found = sessions.find(raw);
  if (found == sessions.end()) return;
  auto& session = found->second;
  if (session.role == Role::client) {
    event((session.user_id.empty() ? std::string("client ") : "user " + session.user_id + " at ") +
          endpoint_text(raw->remote_endpoint()) + " gone: " + reason);
  }
  if (!session.user_id.empty()) {
    const auto user = users.find(session.user_id);
    if (user != users.end() && user->second == raw) users.erase(user);
  }
  if (session.outgoing) {
    outgoing.erase(session.peer_address);
    if (!session.for_routes) event("peer " + session.peer_address + " lost: " + reason);
  }
  sessions.erase(found);  // drops the session's subscriptions too
}

// Outgoing peer links: connect, introduce this node, ask for its list; on
// each timer tick keep the link alive and ask again, so lists propagate.
void SuperNode::State::link_peers() {
  for (const auto& peer : options.peers) {
    const auto address = peer.to_string();
    if (outgoing.count(address) != 0) continue;
    open_link(address, known.count(address) != 0 ? known[address] : std::nullopt);
  }
}

void SuperNode::State::open_link(const std::string& address,
                                 const std::optional<identity::PublicKey>& pinned,
                                 bool for_routes) {
  const auto target = net::parse_host_port(address);
  if (!target) return;
  outgoing[address] = nullptr;  // connecting
  std::weak_ptr<State> weak = shared_from_this();
  connect_tofu(
      io, *target, pinned, limits(), options.config.connect_timeout,
      [weak, address, for_routes](const std::shared_ptr<net::TlsConnection>& connection,
                                  const std::string& error) {
        auto self = weak.lock();
        if (!self || self->stopped) {
          if (connection) connection->abort("stopped");
          return;
        }
        self->on_link(address, connection, error, for_routes);
      },
      &key);
}

void SuperNode::State::on_link(const std::string& address,
                               const std::shared_ptr<net::TlsConnection>& link,
                               const std::string& error, bool for_routes) {
  if (!link) {
    outgoing.erase(address);
    log::info("super-node", "peer " + address + " not reached: " + error);
    auto queued = std::move(waiting[address]);
    waiting.erase(address);
    for (const auto& [route, origin] : queued) fail_route(origin, route, "super node unreachable");
    return;
  }
  if (!for_routes) learn(address, link->peer_key(), true);
  outgoing[address] = link.get();
  Session session;
  session.connection = link;
  session.outgoing = true;
  session.for_routes = for_routes;
  session.last_route = SteadyClock::now();
  session.role = Role::peer;
  session.peer_address = address;
  session.route_meter.emplace(kPeerRoutesPerSecond, kPeerRouteBurst, SteadyClock::now());
  watch(link, std::move(session));
  send(*link, make_hello());
  OverlayMessage peer;
  peer.mutable_peer()->set_listen_host_port(self_address);
  peer.mutable_peer()->set_key(key_bytes(key.public_key()));
  if (options.directory != nullptr && options.directory->advertisable()) {
    peer.mutable_peer()->set_directory_host_port(options.directory->listen_address());
  }
  send(*link, peer);
  if (!for_routes) {
    OverlayMessage request;
    request.mutable_list_request()->set_max_entries(kMaxListEntries);
    send(*link, request);
    event("peer " + address + " linked (outgoing), key " + link->peer_key()->to_text());
  }
  auto queued = std::move(waiting[address]);
  waiting.erase(address);
  for (const auto& [route, origin] : queued) {
    OverlayMessage message;
    *message.mutable_call_route() = route;
    send(*link, message);
  }
}

void SuperNode::State::tick() {
  if (stopped) return;
  for (auto& [address, link] : outgoing) {
    if (link == nullptr) continue;
    OverlayMessage alive;
    alive.mutable_keep_alive()->set_sequence(++keep_alive_sequence);
    send(*link, alive);
    if (const auto found = sessions.find(link);
        found != sessions.end() && found->second.for_routes) {
      continue;  // a route link learns nothing
    }
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

// Once a second: relay slots past their time, forgotten route origins.
void SuperNode::State::housekeeping() {
  if (stopped) return;
  const auto now = SteadyClock::now();
  if (relay) relay->expire(now);
  for (auto origin = origins.begin(); origin != origins.end();) {
    origin = now - origin->second.at > kOriginLifetime ? origins.erase(origin) : std::next(origin);
  }
  for (auto meter = stun_meters.begin(); meter != stun_meters.end();) {
    meter = now - meter->second.last > kStunMeterIdle ? stun_meters.erase(meter) : std::next(meter);
  }
  close_idle_route_links(now);
  housekeeping_timer.expires_after(std::chrono::seconds(1));
  housekeeping_timer.async_wait(
      [weak = std::weak_ptr<State>(shared_from_this())](const boost::system::error_code& error) {
        if (auto self = weak.lock(); self && !error) self->housekeeping();
      });
}

void SuperNode::State::receive_udp() {
  udp_socket.async_receive_from(
      asio::buffer(udp_buffer), udp_source,
      [weak = std::weak_ptr<State>(shared_from_this())](const boost::system::error_code& error,
                                                        std::size_t bytes) {
        auto self = weak.lock();
        if (!self || error == asio::error::operation_aborted || self->stopped) return;
        if (!error) {
          const std::span datagram(self->udp_buffer.data(), bytes);
          if (looks_like_relay(datagram)) {
            self->relay->on_datagram(datagram, self->udp_source, SteadyClock::now());
          } else {
            self->on_stun(datagram, self->udp_source);
          }
        }
        self->receive_udp();
      });
}

void SuperNode::State::on_stun(std::span<const std::uint8_t> datagram,
                               const udp::endpoint& source) {
  auto answer = answer_binding(datagram, source);
  if (!answer) return;
  const auto now = SteadyClock::now();
  auto meter = stun_meters.find(source.address());
  if (meter == stun_meters.end()) {
    if (stun_meters.size() >= kMaxStunSources) {
      ++counters.stun_limited;  // many sources at once: answer again once the table ages
      return;
    }
    meter = stun_meters.emplace(source.address(), StunMeter{{kStunPerSecond, kStunBurst, now}, now})
                .first;
  }
  meter->second.last = now;
  if (!meter->second.bucket.take(1, now)) {
    ++counters.stun_limited;
    return;
  }
  boost::system::error_code error;
  // Non-blocking: a full buffer drops the answer, which the asker retries.
  udp_socket.send_to(asio::buffer(*answer), source, 0, error);
  if (error) {
    ++counters.udp_send_dropped;
    return;
  }
  ++counters.stun_answers;
}

void SuperNode::State::close_idle_route_links(SteadyClock::time_point now) {
  std::vector<std::shared_ptr<net::TlsConnection>> idle;
  for (const auto& [raw, session] : sessions) {
    if (session.for_routes && now - session.last_route >= options.route_link_idle) {
      idle.push_back(session.connection);
    }
  }
  for (const auto& link : idle) link->close("idle route link");
}

void SuperNode::State::remember_origin(const std::string& call_id, const RouteOrigin& origin) {
  const auto origin_key = std::make_pair(call_id, origin.from_user);
  if (origins.size() >= kMaxOrigins && origins.count(origin_key) == 0) return;
  origins[origin_key] = origin;
}

SuperNode::SuperNode(asio::io_context& io, const identity::SigningKey& key,
                     SuperNodeOptions options, EventHandler on_event)
    : state_(std::make_shared<State>(io, key, std::move(options), std::move(on_event))) {
  auto& state = *state_;
  net::TlsServerOptions server_options;
  server_options.limits = state.limits();
  server_options.request_client_key = true;  // peers prove their node key
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
    state.udp_socket.open(state.options.stun->protocol());
    state.udp_socket.bind(*state.options.stun);
    // Relay and STUN sends run on the I/O thread: drop rather than wait.
    state.udp_socket.non_blocking(true);
    auto limits = state.options.relay;
    limits.max_slots = state.options.config.max_relayed_calls;
    limits.bytes_per_s = static_cast<double>(state.options.config.relay_bytes_per_s);
    limits.burst_bytes = limits.bytes_per_s * kRelayBurstSeconds;
    state.relay.emplace(state.udp_socket, limits);
    state.receive_udp();
  }
  state.tick();
  state.housekeeping();
}

SuperNode::~SuperNode() {
  stop();
}

net::tcp::endpoint SuperNode::local_endpoint() const {
  return state_->server->local_endpoint();
}

std::optional<udp::endpoint> SuperNode::stun_endpoint() const {
  if (!state_->udp_socket.is_open()) return std::nullopt;
  return state_->udp_socket.local_endpoint();
}

std::string SuperNode::self_address() const {
  return state_->self_address;
}

SuperNodeStats SuperNode::stats() const {
  auto stats = state_->counters;
  stats.clients = state_->count(Role::client);
  stats.peers = state_->count(Role::peer);
  stats.known_super_nodes = state_->known.size();
  stats.users = state_->users.size();
  if (state_->server) {
    const auto server = state_->server->stats();
    stats.connections_refused = server.refused_over_total + server.refused_over_address;
    stats.handshakes_failed = server.handshakes_failed;
  }
  if (state_->relay) {
    const auto relay = state_->relay->stats();
    stats.relayed_packets = relay.relayed_packets;
    stats.relayed_bytes = relay.relayed_bytes;
    stats.relay_dropped = relay.dropped;
    stats.relay_challenges = relay.challenges;
    stats.relay_latched = relay.latched;
    stats.udp_send_dropped += relay.send_dropped;
    stats.relay_slots = relay.slots;
  }
  return stats;
}

void SuperNode::stop() {
  auto& state = *state_;
  if (state.stopped) return;
  state.stopped = true;
  state.server->stop();
  state.peer_timer.cancel();
  state.housekeeping_timer.cancel();
  boost::system::error_code ignored;
  state.udp_socket.close(ignored);
  // Copied first: a close handler erases from the table.
  std::vector<std::shared_ptr<net::TlsConnection>> open;
  for (auto& [raw, session] : state.sessions) open.push_back(session.connection);
  for (auto& connection : open) connection->abort("super node stopping");
}

std::vector<std::pair<std::string_view, std::uint64_t>> SuperNodeStats::named() const {
  return {{"clients", clients},
          {"users", users},
          {"peers", peers},
          {"known_super_nodes", known_super_nodes},
          {"refused_connections", connections_refused},
          {"failed_handshakes", handshakes_failed},
          {"refused_attaches", attaches_refused},
          {"bad_messages", bad_messages},
          {"stun_answers", stun_answers},
          {"stun_limited", stun_limited},
          {"call_routes", call_routes},
          {"call_routes_failed", call_routes_failed},
          {"routes_unverified", routes_unverified},
          {"relay_slots", relay_slots},
          {"relayed_packets", relayed_packets},
          {"relayed_bytes", relayed_bytes},
          {"relay_dropped", relay_dropped},
          {"relay_challenges", relay_challenges},
          {"relay_latched", relay_latched},
          {"udp_send_dropped", udp_send_dropped},
          {"subscribes_limited", subscribes_limited},
          {"subscriptions_refused", subscriptions_refused}};
}

}  // namespace parley::overlay
