// What the call engine needs from the overlay, and nothing more: route a
// CallRoute, hear the ones for this user, find a user, and know the super
// node's UDP port (STUN and relay). overlay::ClientNode provides it through
// ClientNodeLink (client_node_link.hpp); unit tests plug in a loopback double,
// so the call flow is tested without a super node in the process.
#pragma once

#include <boost/asio/ip/udp.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "overlay/client_node.hpp"
#include "proto/overlay.pb.h"

namespace parley::call {

class SignalingLink {
 public:
  using RouteHandler = std::function<void(const overlay::CallRoute&)>;
  using RouteFailedHandler = std::function<void(const overlay::CallRouteFailed&)>;
  using RelayOfferHandler = std::function<void(const overlay::RelayOffer&)>;
  using SearchHandler = overlay::ClientNode::SearchHandler;

  virtual ~SignalingLink() = default;
  // False when it cannot be sent now (not attached).
  virtual bool send_call_route(const overlay::CallRoute& route) = 0;
  // One handler each; a later registration replaces the earlier one.
  virtual void on_call_route(RouteHandler handler) = 0;
  virtual void on_call_route_failed(RouteFailedHandler handler) = 0;
  virtual void on_relay_offer(RelayOfferHandler handler) = 0;
  virtual void search(const std::string& query, bool prefix, std::chrono::milliseconds timeout,
                      SearchHandler done) = 0;
  [[nodiscard]] virtual std::optional<boost::asio::ip::udp::endpoint> super_node_udp() const = 0;
};

}  // namespace parley::call
