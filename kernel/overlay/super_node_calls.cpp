// Call routing and relay slots (docs/overlay.md, "Calls"). A route from an
// attached user is stamped with that user and this node; one from a peer
// super node keeps its stamp. Either way the signed payload must say the
// same (call id, kind, sender, receiver) before the route is used, so nobody
// can drive relay slots or deliver in another user's name. Then the route is
// delivered to the callee attached here, forwarded to the callee's super
// node, or failed back to its sender. The payload passes through untouched.
#include "call/call_signal.hpp"
#include "log/log.hpp"
#include "net/byte_view.hpp"
#include "overlay/super_node_state.hpp"

namespace parley::overlay {
namespace {

// Routes queued for one super node while the link to it is opened.
constexpr std::size_t kMaxWaitingRoutes = 64;

std::string short_id(const std::string& call_id) {
  return log::sanitize(call_id.substr(0, 8), 8);
}

RelayGrant grant(const std::string& host_port, const RelayToken& token) {
  RelayGrant out;
  out.set_host_port(host_port);
  out.set_token(std::string(token.begin(), token.end()));
  return out;
}

// The signals that end a call's need for a relay slot.
bool ends_call(CallSignalKind kind) {
  return kind == CALL_SIGNAL_REJECT || kind == CALL_SIGNAL_BUSY || kind == CALL_SIGNAL_CANCEL ||
         kind == CALL_SIGNAL_HANGUP;
}

}  // namespace

void SuperNode::State::on_call_route(Session& session, CallRoute route) {
  const auto now = SteadyClock::now();
  RouteOrigin origin{session.connection.get(), session.id, now, {}, {}, std::nullopt};
  if (session.role == Role::client && session.user_id.empty()) {
    return fail_route(origin, route.call_id(), "attach with a user to call");
  }
  if (!session.route_meter || !session.route_meter->take(1, now)) {
    return fail_route(origin, route.call_id(), "rate limited");
  }
  if (session.role == Role::client) {
    // A client speaks only as its certified user, and only super nodes grant relays.
    route.set_from_user(session.user_id);
    route.set_hops(0);
    route.set_from_super_node(self_address);
    route.set_from_super_node_key(key_bytes(key.public_key()));
    route.clear_relay();
  } else if (route.hops() > kMaxSuperNodeHops) {
    ++counters.call_routes_failed;  // a loop, or a peer that miscounts: dropped
    return;
  }
  origin.from_user = route.from_user();
  if (!route_matches_payload(route)) {
    ++counters.routes_unverified;
    if (session.role == Role::client) {
      return fail_route(origin, route.call_id(),
                        "the signed call message does not match the route");
    }
    ++counters.call_routes_failed;  // a peer's forgery, or a broken one: dropped
    return;
  }
  if (session.role == Role::client && route.kind() == CALL_SIGNAL_INVITE) {
    reserve_relay(session, route);
  }
  track_relay(route);
  if (const auto user = users.find(route.to_user()); user != users.end()) {
    ++counters.call_routes;
    OverlayMessage message;
    *message.mutable_call_route() = std::move(route);
    send(*user->second, message);
    return;
  }
  if (!route.to_super_node().empty() &&
      !is_self(route.to_super_node(), route.to_super_node_key())) {
    if (route.hops() >= kMaxSuperNodeHops) {
      return fail_route(origin, route, "too many super node hops");
    }
    route.set_hops(route.hops() + 1);
    return forward(std::move(route), origin);
  }
  fail_route(origin, route, "not attached here");
}

// The payload verified as the callee will (certificate, signature, sender,
// receiver, freshness) and matching the route's call id and kind.
bool SuperNode::State::route_matches_payload(const CallRoute& route) {
  if (!options.login_server_key) return false;
  const auto& payload = route.payload();
  const auto verified =
      call::verify_call_message(net::byte_view(payload), *options.login_server_key, route.to_user(),
                                route.from_user(), identity::Clock::now());
  return verified.ok() && verified.message->call_id() == route.call_id() &&
         call::signal_kind(*verified.message) == route.kind();
}

void SuperNode::State::on_call_route_failed(Session& session, const CallRouteFailed& failed) {
  // Every user's route with that call id that went to the failing node: the
  // failure names no sender.
  const auto& call_id = failed.call_id();
  for (auto found = origins.lower_bound({call_id, std::string()});
       found != origins.end() && found->first.first == call_id; ++found) {
    const auto& origin = found->second;
    if (origin.connection == session.connection.get()) continue;
    const bool from_target =
        session.peer_address == origin.target ||
        (origin.target_key && session.connection->peer_key() == origin.target_key);
    if (!from_target) continue;  // another super node cannot fail someone else's route
    auto* sender = find(origin.connection, origin.session_id);
    if (sender == nullptr) continue;
    OverlayMessage message;
    *message.mutable_call_route_failed() = failed;
    send(*sender->connection, message);
  }
}

// Only for an INVITE from this node's own user: the relay is never open to
// calls that merely pass through.
void SuperNode::State::reserve_relay(Session& session, CallRoute& route) {
  if (!relay) return;
  const auto tokens =
      relay->reserve(route.call_id(), session.user_id, route.to_user(), SteadyClock::now());
  if (!tokens) {
    log::info("super-node",
              "no relay slot for call " + short_id(route.call_id()) + " of " + session.user_id);
    return;
  }
  const auto where = relay_host_port();
  OverlayMessage offer;
  offer.mutable_relay_offer()->set_call_id(route.call_id());
  *offer.mutable_relay_offer()->mutable_relay() = grant(where, tokens->caller);
  send(*session.connection, offer);
  *route.mutable_relay() = grant(where, tokens->callee);
}

// Slots follow the call: the callee's ACCEPT opens them, an ending signal
// from either party frees them, whichever way it passes through this node.
void SuperNode::State::track_relay(const CallRoute& route) {
  if (!relay) return;
  const auto parties = relay->parties(route.call_id());
  if (!parties) return;
  if (route.kind() == CALL_SIGNAL_ACCEPT && route.from_user() == parties->callee &&
      route.to_user() == parties->caller) {
    relay->activate(route.call_id(), SteadyClock::now());
  } else if (ends_call(route.kind()) &&
             (route.from_user() == parties->caller || route.from_user() == parties->callee)) {
    relay->release(route.call_id());
  }
}

// Only to a super node the route pins by key, or one this node already
// knows: a client cannot make it dial anything else (a port scan, or links
// filling max_peers). A link opened for a pinned stranger carries routes
// only: never learnt or advertised, closed when idle.
void SuperNode::State::forward(CallRoute route, RouteOrigin origin) {
  const auto address = route.to_super_node();
  if (!net::parse_host_port(address)) {
    return fail_route(origin, route, "not a super node address");
  }
  const auto pinned = key_from(route.to_super_node_key());
  const bool known_node = known.count(address) != 0 || outgoing.count(address) != 0;
  if (!pinned && !known_node) {
    return fail_route(origin, route, "unknown super node: the route must name its key");
  }
  net::TlsConnection* link = nullptr;
  if (const auto open = outgoing.find(address); open != outgoing.end()) link = open->second;
  if (link == nullptr && pinned) {
    // An incoming link from that very node (it proved its key) serves as well.
    for (const auto& [raw, session] : sessions) {
      if (session.role == Role::peer && !session.outgoing &&
          session.connection->peer_key() == pinned) {
        link = raw;
        break;
      }
    }
  }
  origin.target = address;
  origin.target_key = pinned;
  remember_origin(route.call_id(), origin);
  if (link != nullptr) {
    ++counters.call_routes;
    if (const auto used = sessions.find(link); used != sessions.end()) {
      used->second.last_route = origin.at;
    }
    OverlayMessage message;
    *message.mutable_call_route() = std::move(route);
    send(*link, message);
    return;
  }
  const bool connecting = outgoing.count(address) != 0;
  if (!connecting && outgoing.size() >= options.config.max_peers) {
    return fail_route(origin, route, "super node unreachable: too many links");
  }
  auto& queue = waiting[address];
  if (queue.size() >= kMaxWaitingRoutes) {
    return fail_route(origin, route, "super node unreachable: queue full");
  }
  queue.emplace_back(std::move(route), origin);
  ++counters.call_routes;
  if (!connecting) {
    const auto heard = known.find(address);
    open_link(address, pinned ? pinned : (heard != known.end() ? heard->second : std::nullopt),
              !known_node);
  }
}

void SuperNode::State::fail_route(const RouteOrigin& origin, const std::string& call_id,
                                  const std::string& reason) {
  ++counters.call_routes_failed;
  auto* sender = find(origin.connection, origin.session_id);
  if (sender == nullptr) return;
  OverlayMessage message;
  message.mutable_call_route_failed()->set_call_id(call_id);
  message.mutable_call_route_failed()->set_reason(reason);
  send(*sender->connection, message);
}

void SuperNode::State::fail_route(const RouteOrigin& origin, const CallRoute& route,
                                  const std::string& reason) {
  release_failed_invite(route);
  fail_route(origin, route.call_id(), reason);
}

// An invite that went nowhere needs no relay: its slot is back at once, not
// after the pending timeout.
void SuperNode::State::release_failed_invite(const CallRoute& route) {
  if (!relay || route.kind() != CALL_SIGNAL_INVITE || !relay->pending(route.call_id())) return;
  const auto parties = relay->parties(route.call_id());
  if (parties && parties->caller == route.from_user() && parties->callee == route.to_user()) {
    relay->release(route.call_id());
  }
}

// Where clients reach the relay: the UDP socket's own address, else the TLS
// listening address, when either names a host (not 0.0.0.0 or ::).
std::string SuperNode::State::relay_host_port() const {
  const auto bound = udp_socket.local_endpoint();
  auto host = bound.address();
  if (host.is_unspecified()) host = server->local_endpoint().address();
  return endpoint_text(net::tcp::endpoint(host, bound.port()));
}

}  // namespace parley::overlay
