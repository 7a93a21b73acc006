// The overlay's client node as the call engine's signaling link.
#pragma once

#include "call/signaling_link.hpp"
#include "overlay/client_node.hpp"

namespace parley::call {

class ClientNodeLink final : public SignalingLink {
 public:
  explicit ClientNodeLink(overlay::ClientNode& node) : node_(node) {}

  bool send_call_route(const overlay::CallRoute& route) override;
  void on_call_route(RouteHandler handler) override;
  void on_call_route_failed(RouteFailedHandler handler) override;
  void on_relay_offer(RelayOfferHandler handler) override;
  void search(const std::string& query, bool prefix, std::chrono::milliseconds timeout,
              SearchHandler done) override;
  [[nodiscard]] std::optional<boost::asio::ip::udp::endpoint> super_node_udp() const override;

 private:
  overlay::ClientNode& node_;
};

}  // namespace parley::call
