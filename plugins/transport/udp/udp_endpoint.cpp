#include "udp_endpoint.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

namespace parley::transport {
namespace {

// Half a second of 64 kbit/s media is 4 KB; a burst of video or a slow reader
// needs far more. The kernel doubles the value and caps it at
// net.core.rmem_max / wmem_max, so this is a request, not a promise.
constexpr int kSocketBufferBytes = 512 * 1024;
// A full send buffer drains in microseconds on a working link; waiting longer
// than this means the link is gone, and media would rather drop than queue.
constexpr std::uint32_t kSendWaitMs = 250;

void request_buffer_sizes(int fd) {
  // Best effort: a smaller buffer still works, it only drops bursts sooner.
  (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kSocketBufferBytes, sizeof kSocketBufferBytes);
  (void)::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &kSocketBufferBytes, sizeof kSocketBufferBytes);
}

// ICMP errors from one peer surface on the next call; with one socket serving
// many peers they must not end the receive loop.
bool is_peer_error(int error) {
  return error == ECONNREFUSED || error == EHOSTUNREACH || error == ENETUNREACH ||
         error == EHOSTDOWN || error == ENETDOWN;
}

}  // namespace

UdpEndpoint::UdpEndpoint(const sdk::OpenRequest& request) : family_(socket_family(request.local)) {
  socket_.reset(::socket(family_, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP));
  if (socket_.get() < 0) throw_errno(PARLEY_ERR_IO, "socket", errno);
  if (family_ == AF_INET6) allow_ipv4_peers(socket_.get());
  request_buffer_sizes(socket_.get());
  bind_to(socket_.get(), request.local, family_);
}

void UdpEndpoint::send_to(const parley_address* to, std::span<const std::uint8_t> datagram) {
  const auto destination = sdk::to_sockaddr(*to, family_);
  if (!destination) {
    throw sdk::Error(PARLEY_ERR_INVALID_ARGUMENT,
                     "cannot reach " + sdk::to_string(*to) + " from an IPv4 socket");
  }
  const Deadline deadline(kSendWaitMs);
  for (;;) {
    const auto sent = ::sendto(socket_.get(), datagram.data(), datagram.size(), MSG_NOSIGNAL,
                               destination->get(), destination->length);
    if (sent >= 0) {
      if (static_cast<std::size_t>(sent) != datagram.size()) {
        throw sdk::Error(PARLEY_ERR_IO, "datagram sent in part");
      }
      return;
    }
    const int error = errno;
    if (error == EINTR) continue;
    if (error == EAGAIN || error == EWOULDBLOCK) {
      if (!wait_for(socket_.get(), POLLOUT, deadline)) {
        throw sdk::Error(PARLEY_ERR_TIMEOUT, "send buffer stayed full");
      }
      continue;
    }
    if (error == EMSGSIZE) throw_errno(PARLEY_ERR_LIMIT, "sendto", error);
    throw_errno(PARLEY_ERR_IO, "sendto " + sdk::to_string(*to), error);
  }
}

sdk::Received UdpEndpoint::receive(std::span<std::uint8_t> buffer, std::uint32_t timeout_ms) {
  const Deadline deadline(timeout_ms);
  for (;;) {
    sdk::SocketAddress from;
    iovec part{buffer.data(), buffer.size()};
    msghdr message{};
    message.msg_name = &from.storage;
    message.msg_namelen = sizeof from.storage;
    message.msg_iov = &part;
    message.msg_iovlen = 1;
    // MSG_TRUNC: Linux then returns the datagram's real length, so an oversize
    // datagram is reported, not silently cut to the buffer.
    const auto size = ::recvmsg(socket_.get(), &message, MSG_TRUNC);
    if (size >= 0) {
      from.length = message.msg_namelen;
      const auto sender = sdk::from_sockaddr(from);
      const auto bytes = static_cast<std::size_t>(size);
      if ((message.msg_flags & MSG_TRUNC) != 0 || bytes > buffer.size()) {
        return sdk::Received::too_large(bytes, sender);
      }
      return {PARLEY_OK, bytes, sender};
    }
    const int error = errno;
    if (error == EINTR || is_peer_error(error)) continue;
    if (error != EAGAIN && error != EWOULDBLOCK) throw_errno(PARLEY_ERR_IO, "recvmsg", error);
    if (!wait_for(socket_.get(), POLLIN, deadline)) return sdk::Received::timed_out();
  }
}

}  // namespace parley::transport
