#include "stun_responder.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <stdexcept>

#include "parley/sdk/address.hpp"
#include "stun_message.hpp"

namespace parley::test {

StunResponder::StunResponder(const parley_address& local) {
  const auto address = sdk::to_sockaddr(local);
  socket_ = ::socket(address->family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (socket_ < 0 || ::bind(socket_, address->get(), address->length) != 0) {
    throw std::runtime_error("cannot bind the STUN responder to " + sdk::to_string(local));
  }
  sdk::SocketAddress bound;
  bound.length = sizeof bound.storage;
  ::getsockname(socket_, bound.get(), &bound.length);
  address_ = sdk::from_sockaddr(bound);
  if (::pipe2(stop_pipe_, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
  thread_ = std::thread([this] { serve(); });
}

StunResponder::~StunResponder() {
  (void)::write(stop_pipe_[1], "x", 1);
  thread_.join();
  ::close(stop_pipe_[0]);
  ::close(stop_pipe_[1]);
  ::close(socket_);
}

std::vector<parley_address> StunResponder::sources() const {
  const std::lock_guard lock(mutex_);
  return sources_;
}

void StunResponder::serve() {
  std::array<std::uint8_t, 2048> buffer{};
  for (;;) {
    std::array<pollfd, 2> entries{pollfd{socket_, POLLIN, 0}, pollfd{stop_pipe_[0], POLLIN, 0}};
    if (::poll(entries.data(), entries.size(), -1) < 0) continue;
    if (entries[1].revents != 0) return;
    sdk::SocketAddress from;
    from.length = sizeof from.storage;
    const auto size =
        ::recvfrom(socket_, buffer.data(), buffer.size(), 0, from.get(), &from.length);
    if (size < 0) continue;
    const auto source = sdk::from_sockaddr(from);
    {
      const std::lock_guard lock(mutex_);
      sources_.push_back(source);
    }
    const auto answer =
        stun::answer_binding_request(std::span(buffer.data(), static_cast<std::size_t>(size)),
                                     source, {.software = "parley stun interop test"});
    if (answer) {
      (void)::sendto(socket_, answer->data(), answer->size(), 0, from.get(), from.length);
      ++answers_;
    }
  }
}

}  // namespace parley::test
