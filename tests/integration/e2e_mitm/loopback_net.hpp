// Small POSIX socket helpers for the MITM test's peer and relay programs:
// everything on 127.0.0.1, ports chosen by the kernel and printed, frames as
// kernel/net/frame_codec.hpp makes them. Failures of the machine throw.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "net/frame_codec.hpp"

namespace parley::e2e_mitm {

using Bytes = std::vector<std::uint8_t>;
using SteadyClock = std::chrono::steady_clock;

[[noreturn]] inline void fail_errno(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

inline sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

inline std::uint16_t local_port(int fd) {
  sockaddr_in address{};
  socklen_t size = sizeof address;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) fail_errno("getsockname");
  return ntohs(address.sin_port);
}

inline void set_nonblocking(int fd) {
  const int flags = fcntl(fd, F_GETFL, 0);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) fail_errno("fcntl");
}

// Room for a whole burst of media: loopback delivers faster than a peer reads.
inline void widen_buffers(int fd) {
  const int bytes = 1 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
}

inline int udp_socket_on_loopback() {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail_errno("socket");
  widen_buffers(fd);
  const auto address = loopback(0);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    fail_errno("bind udp");
  }
  set_nonblocking(fd);
  return fd;
}

inline int tcp_listener_on_loopback() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail_errno("socket");
  const auto address = loopback(0);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
      listen(fd, 8) != 0) {
    fail_errno("listen");
  }
  set_nonblocking(fd);
  return fd;
}

inline int tcp_connect_loopback(std::uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail_errno("socket");
  const auto address = loopback(port);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    fail_errno("connect to 127.0.0.1:" + std::to_string(port));
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  set_nonblocking(fd);
  return fd;
}

// Blocking until written (frames are small; the peer reads continuously).
inline bool write_all(int fd, std::span<const std::uint8_t> bytes) {
  while (!bytes.empty()) {
    const auto written = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (written < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        pollfd wait{fd, POLLOUT, 0};
        poll(&wait, 1, 1000);
        continue;
      }
      return false;
    }
    bytes = bytes.subspan(static_cast<std::size_t>(written));
  }
  return true;
}

inline bool send_frame(int fd, std::span<const std::uint8_t> message) {
  return write_all(fd, net::encode_frame(message));
}

// Reads what is there into the decoder. False when the peer closed (or reset).
inline bool read_into(int fd, net::FrameDecoder& decoder) {
  std::uint8_t buffer[4096];
  for (;;) {
    const auto got = recv(fd, buffer, sizeof buffer, 0);
    if (got > 0) {
      decoder.feed(std::span(buffer, static_cast<std::size_t>(got)));
      continue;
    }
    if (got == 0) return false;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
}

inline int milliseconds_until(SteadyClock::time_point when) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(when - SteadyClock::now());
  return static_cast<int>(std::max<std::int64_t>(0, left.count()));
}

}  // namespace parley::e2e_mitm
