// Kept apart from call_engine.cpp: only programs that construct a CallEngine
// on a ClientNode link the client node.
#include "call/client_node_link.hpp"

#include "call/call_engine.hpp"

namespace parley::call {

bool ClientNodeLink::send_call_route(const overlay::CallRoute& route) {
  return node_.send_call_route(route);
}
void ClientNodeLink::on_call_route(RouteHandler handler) {
  node_.on_call_route(std::move(handler));
}
void ClientNodeLink::on_call_route_failed(RouteFailedHandler handler) {
  node_.on_call_route_failed(std::move(handler));
}
void ClientNodeLink::on_relay_offer(RelayOfferHandler handler) {
  node_.on_relay_offer(std::move(handler));
}
void ClientNodeLink::search(const std::string& query, bool prefix,
                            std::chrono::milliseconds timeout, SearchHandler done) {
  node_.search(query, prefix, timeout, std::move(done));
}
std::optional<boost::asio::ip::udp::endpoint> ClientNodeLink::super_node_udp() const {
  return node_.super_node_udp();
}

CallEngine::CallEngine(boost::asio::io_context& io, overlay::ClientNode& node,
                       CallEngineOptions options, EventHandler on_event, EndedHandler on_ended)
    : CallEngine(io, std::make_shared<ClientNodeLink>(node), std::move(options),
                 std::move(on_event), std::move(on_ended)) {}

}  // namespace parley::call
