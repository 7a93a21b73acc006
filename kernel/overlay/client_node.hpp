// A client node's link to the overlay (the seed's startup and keep-alive):
// pick the best super node from the host cache (else the bootstrap list),
// attach over TLS, keep the link alive, learn more super nodes and the
// node's reflexive address, and on losing the super node fail over to the
// next one without the user doing anything.
//
// Threading: run the io_context on one thread (as for SuperNode).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "overlay/node_config.hpp"

namespace parley::overlay {

struct ClientNodeOptions {
  std::filesystem::path data_dir;      // host_cache.json lives here
  std::vector<std::string> bootstrap;  // host:port, used when the cache has too few
  std::string node_name;               // for the super node's logs
  NodeConfig config;
};

class ClientNode {
 public:
  using EventHandler = std::function<void(const std::string& line)>;
  // Reflexive address learnt via STUN, and the local UDP endpoint it maps.
  using ReflexiveHandler = std::function<void(const boost::asio::ip::udp::endpoint& reflexive,
                                              const boost::asio::ip::udp::endpoint& local)>;

  ClientNode(boost::asio::io_context& io, ClientNodeOptions options, EventHandler on_event,
             ReflexiveHandler on_reflexive = {});
  ~ClientNode();
  ClientNode(const ClientNode&) = delete;
  ClientNode& operator=(const ClientNode&) = delete;

  void start();
  // Detaches politely and stops.
  void stop();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace parley::overlay
