// udp_rtt [COUNT]: the plain UDP round trip on 127.0.0.1 that the call
// benchmark sets Parley's figures against: a blocking echo thread, COUNT
// 100-byte datagrams (about an Opus media packet) sent one at a time.
// Prints one JSON object: min, median and 90th percentile in microseconds.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

int bound_socket(sockaddr_in& address) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  address = {};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    throw std::runtime_error("cannot bind a UDP socket on 127.0.0.1");
  }
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  const int count = argc > 1 ? std::max(10, std::atoi(argv[1])) : 2000;
  sockaddr_in echo_address{}, client_address{};
  const int echo = bound_socket(echo_address);
  const int client = bound_socket(client_address);
  std::thread echo_thread([&] {
    std::array<char, 2048> buffer{};
    for (int i = 0; i < count; ++i) {
      sockaddr_in from{};
      socklen_t size = sizeof from;
      const auto got = ::recvfrom(echo, buffer.data(), buffer.size(), 0,
                                  reinterpret_cast<sockaddr*>(&from), &size);
      if (got <= 0) return;
      ::sendto(echo, buffer.data(), static_cast<std::size_t>(got), 0,
               reinterpret_cast<sockaddr*>(&from), size);
    }
  });
  std::array<char, 100> packet{};
  std::array<char, 2048> reply{};
  std::vector<double> rtt_us;
  for (int i = 0; i < count; ++i) {
    const auto sent = std::chrono::steady_clock::now();
    ::sendto(client, packet.data(), packet.size(), 0, reinterpret_cast<sockaddr*>(&echo_address),
             sizeof echo_address);
    if (::recv(client, reply.data(), reply.size(), 0) <= 0) break;
    rtt_us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - sent).count());
  }
  echo_thread.join();
  ::close(echo);
  ::close(client);
  std::sort(rtt_us.begin(), rtt_us.end());
  if (rtt_us.empty()) return 1;
  std::printf("{\"count\": %zu, \"min_us\": %.1f, \"median_us\": %.1f, \"p90_us\": %.1f}\n",
              rtt_us.size(), rtt_us.front(), rtt_us[rtt_us.size() / 2],
              rtt_us[rtt_us.size() * 9 / 10]);
  return 0;
}
