#include "tcp_endpoint.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/uio.h>

#include <algorithm>

namespace parley::transport {
namespace {

// How long a send may wait for a peer that stopped reading. Past this a frame
// would be half written, the stream out of step, and the connection useless;
// media would sooner switch path than wait longer.
constexpr std::uint32_t kSendStallLimitMs = 2000;

void set_option(int fd, int level, int name, int value, const char* what) {
  if (::setsockopt(fd, level, name, &value, sizeof value) != 0) {
    throw_errno(PARLEY_ERR_IO, what, errno);
  }
}

parley_address peer_address_of(int fd) {
  sdk::SocketAddress address;
  address.length = sizeof address.storage;
  if (::getpeername(fd, address.get(), &address.length) != 0) {
    throw_errno(PARLEY_ERR_IO, "getpeername", errno);
  }
  return sdk::from_sockaddr(address);
}

}  // namespace

TcpEndpoint::TcpEndpoint(const sdk::OpenRequest& request) {
  const int family = socket_family(request.remote ? *request.remote : request.local);
  socket_.reset(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
  if (socket_.get() < 0) throw_errno(PARLEY_ERR_IO, "socket", errno);
  const Deadline deadline(request.timeout_ms);
  if (request.remote) {
    // A client binds only when asked for a particular address or port.
    if (request.local.family != 0 && (!sdk::is_wildcard(request.local) || request.local.port)) {
      bind_to(socket_.get(), request.local, family);
    }
    connect_to(*request.remote, deadline);
    return;
  }
  if (family == AF_INET6) allow_ipv4_peers(socket_.get());
  // A node re-advertising its port after a restart must get it back despite
  // connections of its previous run lingering in TIME_WAIT.
  set_option(socket_.get(), SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
  bind_to(socket_.get(), request.local, family);
  if (::listen(socket_.get(), 1) != 0) throw_errno(PARLEY_ERR_IO, "listen", errno);
  listening_ = true;
  if (request.timeout_ms > 0 && !accept_peer(deadline)) {
    throw sdk::Error(PARLEY_ERR_TIMEOUT, "no peer connected in time");
  }
}

void TcpEndpoint::connect_to(const parley_address& remote, const Deadline& deadline) {
  const auto address = sdk::to_sockaddr(remote);
  if (!address) throw sdk::Error(PARLEY_ERR_INVALID_ARGUMENT, "unusable remote address");
  if (::connect(socket_.get(), address->get(), address->length) != 0) {
    // EINTR leaves a non-blocking connect running, exactly like EINPROGRESS.
    if (errno != EINPROGRESS && errno != EINTR) {
      throw_errno(PARLEY_ERR_IO, "connect " + sdk::to_string(remote), errno);
    }
    if (!wait_for(socket_.get(), POLLOUT, deadline)) {
      throw sdk::Error(PARLEY_ERR_TIMEOUT, "connect " + sdk::to_string(remote) + " timed out");
    }
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(socket_.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
    if (error != 0) throw_errno(PARLEY_ERR_IO, "connect " + sdk::to_string(remote), error);
  }
  configure_connection(socket_.get());
  peer_ = peer_address_of(socket_.get());
}

void TcpEndpoint::configure_connection(int fd) {
  // Media frames are small and late is as bad as lost: never wait to coalesce.
  set_option(fd, IPPROTO_TCP, TCP_NODELAY, 1, "TCP_NODELAY");
}

bool TcpEndpoint::accept_peer(const Deadline& deadline) {
  for (;;) {
    sdk::SocketAddress from;
    from.length = sizeof from.storage;
    FileDescriptor connection(
        ::accept4(socket_.get(), from.get(), &from.length, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (connection.get() >= 0) {
      configure_connection(connection.get());
      // Moving the connection onto the listener's number closes the listener
      // (one peer only) and keeps native_handle() the same for the caller.
      if (::dup3(connection.get(), socket_.get(), O_CLOEXEC) < 0) {
        throw_errno(PARLEY_ERR_IO, "dup3", errno);
      }
      peer_ = sdk::from_sockaddr(from);
      listening_ = false;
      return true;
    }
    const int error = errno;
    // ECONNABORTED: the peer gave up between its SYN and our accept; wait on.
    if (error == EINTR || error == ECONNABORTED) continue;
    if (error != EAGAIN && error != EWOULDBLOCK) throw_errno(PARLEY_ERR_IO, "accept", error);
    if (!wait_for(socket_.get(), POLLIN, deadline)) return false;
  }
}

void TcpEndpoint::send_to(const parley_address* /*to*/, std::span<const std::uint8_t> datagram) {
  if (listening_) throw sdk::Error(PARLEY_ERR_IO, "no peer connected yet");
  if (broken_) throw sdk::Error(PARLEY_ERR_IO, "connection closed");
  auto header = rfc4571::encode_header(datagram.size());
  const std::size_t total = header.size() + datagram.size();
  std::size_t sent = 0;
  const std::lock_guard lock(send_mutex_);
  const Deadline deadline(kSendStallLimitMs);
  while (sent < total) {
    iovec parts[2];
    int part_count = 0;
    if (sent < header.size()) {
      parts[part_count++] = {header.data() + sent, header.size() - sent};
    }
    const std::size_t payload_sent = sent > header.size() ? sent - header.size() : 0;
    if (payload_sent < datagram.size()) {
      // sendmsg does not write through iov_base; the cast only satisfies its type.
      parts[part_count++] = {const_cast<std::uint8_t*>(datagram.data()) + payload_sent,
                             datagram.size() - payload_sent};
    }
    msghdr message{};
    message.msg_iov = parts;
    message.msg_iovlen = static_cast<std::size_t>(part_count);
    // MSG_NOSIGNAL: a vanished peer is an error status, not SIGPIPE.
    const auto written = ::sendmsg(socket_.get(), &message, MSG_NOSIGNAL);
    if (written > 0) {
      sent += static_cast<std::size_t>(written);
      continue;
    }
    const int error = errno;
    if (written < 0 && error == EINTR) continue;
    if (written < 0 && (error == EAGAIN || error == EWOULDBLOCK)) {
      if (wait_for(socket_.get(), POLLOUT, deadline)) continue;
      if (sent == 0) throw sdk::Error(PARLEY_ERR_TIMEOUT, "peer is not reading");
      broken_ = true;
      throw sdk::Error(PARLEY_ERR_IO, "peer stopped reading in the middle of a frame");
    }
    broken_ = true;
    throw_errno(PARLEY_ERR_IO, "send", written < 0 ? error : EPIPE);
  }
}

sdk::Received TcpEndpoint::receive(std::span<std::uint8_t> buffer, std::uint32_t timeout_ms) {
  const Deadline deadline(timeout_ms);
  if (listening_ && !accept_peer(deadline)) return sdk::Received::timed_out();
  for (;;) {
    const auto frame = reader_.take_frame(buffer);
    if (frame.status == rfc4571::FrameStatus::complete) return {PARLEY_OK, frame.size, peer_};
    if (frame.status == rfc4571::FrameStatus::too_large) {
      return sdk::Received::too_large(frame.size, peer_);
    }
    if (peer_closed_) {
      broken_ = true;
      throw sdk::Error(PARLEY_ERR_IO, reader_.inside_frame()
                                          ? "peer closed the connection in the middle of a frame"
                                          : "peer closed the connection");
    }
    const auto space = reader_.writable();
    const auto received = ::recv(socket_.get(), space.data(), space.size(), 0);
    if (received > 0) {
      reader_.commit(static_cast<std::size_t>(received));
      continue;
    }
    if (received == 0) {
      peer_closed_ = true;  // frames already buffered are still delivered first
      continue;
    }
    const int error = errno;
    if (error == EINTR) continue;
    if (error != EAGAIN && error != EWOULDBLOCK) {
      peer_closed_ = true;
      broken_ = true;
      throw_errno(PARLEY_ERR_IO, "recv", error);
    }
    if (!wait_for(socket_.get(), POLLIN, deadline)) return sdk::Received::timed_out();
  }
}

}  // namespace parley::transport
