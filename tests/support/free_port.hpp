// A UDP port on 127.0.0.1 that was free a moment ago, for engines that bind a
// configured address and cannot report the port they chose (directory/1.0).
// Another process may take it in between; on loopback in a test that is rare
// enough, and the test then fails at the bind with a clear error.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <stdexcept>

namespace parley::test {

inline std::uint16_t free_udp_port() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) throw std::runtime_error("free_udp_port: no socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  const bool ok = ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("free_udp_port: cannot bind 127.0.0.1:0");
  return ntohs(address.sin_port);
}

}  // namespace parley::test
