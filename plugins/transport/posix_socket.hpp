// What the UDP and TCP transports share: an owned descriptor, and waiting on
// one against a deadline in a way that survives signals (EINTR).
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "parley/sdk/address.hpp"
#include "parley/sdk/plugin.hpp"

namespace parley::transport {

using Clock = std::chrono::steady_clock;

class Deadline {
 public:
  explicit Deadline(std::uint32_t timeout_ms)
      : at_(Clock::now() + std::chrono::milliseconds(timeout_ms)) {}

  // For poll(): rounded up, so a wait never ends before the deadline.
  [[nodiscard]] int remaining_ms() const {
    const auto left = at_ - Clock::now();
    if (left <= Clock::duration::zero()) return 0;
    return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
  }
  [[nodiscard]] bool expired() const { return Clock::now() >= at_; }

 private:
  Clock::time_point at_;
};

class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept {
    if (this != &other) reset(std::exchange(other.fd_, -1));
    return *this;
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() { reset(); }

  [[nodiscard]] int get() const { return fd_; }
  void reset(int fd = -1) {
    // close() is not retried on EINTR: on Linux the descriptor is gone either way.
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

[[noreturn]] inline void throw_errno(parley_status status, std::string_view what, int error) {
  throw sdk::Error(status, std::string(what) + ": " + std::system_category().message(error));
}

// Waits until fd reports one of events (or an error condition, which the next
// socket call will surface). False when the deadline passed first.
inline bool wait_for(int fd, short events, const Deadline& deadline) {
  for (;;) {
    pollfd entry{fd, events, 0};
    const int ready = ::poll(&entry, 1, deadline.remaining_ms());
    if (ready > 0) return true;
    if (ready == 0) {
      if (deadline.expired()) return false;
      continue;
    }
    if (errno != EINTR) throw_errno(PARLEY_ERR_IO, "poll", errno);
  }
}

inline int socket_family(const parley_address& address) {
  return address.family == 4 ? AF_INET : AF_INET6;
}

// An IPv6 socket on "::" also serves IPv4 peers (as IPv4-mapped addresses,
// which parley::sdk::from_sockaddr folds back to family 4).
inline void allow_ipv4_peers(int fd) {
  const int off = 0;
  if (::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) != 0) {
    throw_errno(PARLEY_ERR_IO, "IPV6_V6ONLY", errno);
  }
}

inline void bind_to(int fd, const parley_address& local, int family) {
  const auto address = sdk::to_sockaddr(local, family);
  if (!address) throw sdk::Error(PARLEY_ERR_INVALID_ARGUMENT, "unusable local address");
  if (::bind(fd, address->get(), address->length) != 0) {
    throw_errno(PARLEY_ERR_IO, "bind " + sdk::to_string(local), errno);
  }
}

inline parley_address local_address_of(int fd) {
  sdk::SocketAddress address;
  address.length = sizeof address.storage;
  if (::getsockname(fd, address.get(), &address.length) != 0) {
    throw_errno(PARLEY_ERR_IO, "getsockname", errno);
  }
  return sdk::from_sockaddr(address);
}

}  // namespace parley::transport
