// A call engine's one UDP media socket: an endpoint of the "udp" transport
// plugin (the first datagram transport the host ranks), read when the io
// context says its descriptor is readable, so media, checks and STUN share
// the engine's one thread with signaling. Lives as long as the engine; each
// call's MediaSession borrows it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "plugin/plugin_host.hpp"
#include "plugin/transport_plugin.hpp"

namespace parley::call {

using Endpoint = boost::asio::ip::udp::endpoint;

class MediaSocket {
 public:
  using DatagramHandler =
      std::function<void(std::span<std::uint8_t> datagram, const Endpoint& from)>;

  // Throws std::runtime_error when no datagram transport is loaded or the bind fails.
  MediaSocket(boost::asio::io_context& io, const plugin::PluginHost& host,
              const std::string& bind_address);
  ~MediaSocket();
  MediaSocket(const MediaSocket&) = delete;
  MediaSocket& operator=(const MediaSocket&) = delete;

  void on_datagram(DatagramHandler handler) { handler_ = std::move(handler); }
  // False when the datagram could not be sent (the error is logged by the caller's count).
  bool send_to(const Endpoint& to, std::span<const std::uint8_t> datagram);
  [[nodiscard]] Endpoint local_endpoint() const { return local_; }
  [[nodiscard]] const std::string& transport_name() const { return transport_name_; }
  [[nodiscard]] std::uint64_t send_errors() const { return send_errors_; }

 private:
  void wait_readable();
  void drain();

  std::optional<plugin::TransportEndpoint> endpoint_;
  boost::asio::posix::stream_descriptor descriptor_;
  Endpoint local_;
  std::string transport_name_;
  DatagramHandler handler_;
  std::vector<std::uint8_t> buffer_;
  std::uint64_t send_errors_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// Conversions between the plugin ABI's addresses and Asio's.
Endpoint to_endpoint(const parley_address& address);
parley_address to_parley_address(const Endpoint& endpoint);

}  // namespace parley::call
