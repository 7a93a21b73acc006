#include "call/media_socket.hpp"

#include <boost/asio/post.hpp>
#include <stdexcept>

#include "net/numeric_endpoint.hpp"
#include "parley/sdk/address.hpp"

namespace parley::call {
namespace {

// Larger than any datagram a call sends (SRTP of a 1275-byte Opus frame, or a
// relay header before it); bigger ones are reported too_large and dropped.
constexpr std::size_t kReceiveBufferBytes = 2048;
// Datagrams read per readiness wake-up before yielding to timers.
constexpr int kMaxDrainPerWakeup = 64;

plugin::Offer datagram_transport(const plugin::PluginHost& host) {
  for (const auto& ranked : host.ranked(PARLEY_KIND_TRANSPORT)) {
    if (!plugin::TransportPlugin(ranked.offer).connected()) return ranked.offer;
  }
  throw std::runtime_error(
      "no usable datagram transport plugin for media (e.g. udp; see `parley plugins list`)");
}

}  // namespace

Endpoint to_endpoint(const parley_address& address) {
  if (address.family == 6) {
    boost::asio::ip::address_v6::bytes_type bytes{};
    std::copy(address.bytes, address.bytes + bytes.size(), bytes.begin());
    return {boost::asio::ip::address_v6(bytes), address.port};
  }
  boost::asio::ip::address_v4::bytes_type bytes{};
  std::copy(address.bytes, address.bytes + bytes.size(), bytes.begin());
  return {boost::asio::ip::address_v4(bytes), address.port};
}

parley_address to_parley_address(const Endpoint& endpoint) {
  if (endpoint.address().is_v6()) {
    return sdk::make_ipv6_address(endpoint.address().to_v6().to_bytes(), endpoint.port());
  }
  return sdk::make_ipv4_address(endpoint.address().to_v4().to_bytes(), endpoint.port());
}

MediaSocket::MediaSocket(boost::asio::io_context& io, const plugin::PluginHost& host,
                         const std::string& bind_address)
    : descriptor_(io), buffer_(kReceiveBufferBytes) {
  const plugin::TransportPlugin transport(datagram_transport(host));
  transport_name_ = transport.name();
  const auto local = net::parse_numeric_endpoint<Endpoint>(bind_address + ":0");
  if (!local) throw std::runtime_error("media bind address '" + bind_address + "' is not numeric");
  endpoint_.emplace(transport.bind(to_parley_address(*local)));
  local_ = to_endpoint(endpoint_->local_address());
  descriptor_.assign(endpoint_->native_handle());
  wait_readable();
}

MediaSocket::~MediaSocket() {
  *alive_ = false;
  boost::system::error_code ignored;
  descriptor_.cancel(ignored);
  // The plugin owns the descriptor and closes it with the endpoint.
  (void)descriptor_.release();
}

bool MediaSocket::send_to(const Endpoint& to, std::span<const std::uint8_t> datagram) {
  try {
    endpoint_->send_to(to_parley_address(to), datagram);
    return true;
  } catch (const std::exception&) {
    ++send_errors_;  // unreachable peer, full buffer: media drops rather than waits
    return false;
  }
}

void MediaSocket::wait_readable() {
  descriptor_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                         [this, alive = alive_](const boost::system::error_code& error) {
                           if (!*alive || error) return;
                           drain();
                         });
}

// The reactor watches the descriptor edge-triggered: it is read until empty
// before waiting again, or a datagram already queued would wait for the next.
void MediaSocket::drain() {
  const auto alive = alive_;
  for (int i = 0; i < kMaxDrainPerWakeup; ++i) {
    plugin::Datagram datagram;
    try {
      datagram = endpoint_->receive(buffer_, std::chrono::milliseconds(0));
    } catch (const std::exception&) {
      datagram.status = plugin::Datagram::Status::timed_out;  // a socket error: wait again
    }
    if (datagram.status == plugin::Datagram::Status::timed_out) {
      wait_readable();
      return;
    }
    if (datagram.status != plugin::Datagram::Status::received) continue;  // too large: dropped
    if (handler_) handler_(std::span(buffer_.data(), datagram.size), to_endpoint(datagram.from));
    if (!*alive) return;
  }
  // More queued: read on after the timers that are due (media pacing) had their turn.
  boost::asio::post(descriptor_.get_executor(), [this, alive] {
    if (*alive) drain();
  });
}

}  // namespace parley::call
