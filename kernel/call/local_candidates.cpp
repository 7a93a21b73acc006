#include "call/local_candidates.hpp"

#include <ifaddrs.h>
#include <netinet/in.h>

#include <algorithm>

#include "net/numeric_endpoint.hpp"

namespace parley::call {

std::vector<boost::asio::ip::udp::endpoint> host_candidates(
    const boost::asio::ip::udp::endpoint& bound) {
  std::vector<boost::asio::ip::udp::endpoint> candidates;
  if (!(bound.address().is_v4() && bound.address().to_v4().is_unspecified())) {
    candidates.push_back(bound);
    return candidates;
  }
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) {
    candidates.emplace_back(boost::asio::ip::address_v4::loopback(), bound.port());
    return candidates;
  }
  for (const ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr || entry->ifa_addr->sa_family != AF_INET) continue;
    sockaddr_in address{};
    std::copy_n(reinterpret_cast<const std::uint8_t*>(entry->ifa_addr), sizeof address,
                reinterpret_cast<std::uint8_t*>(&address));
    const boost::asio::ip::address_v4 host(ntohl(address.sin_addr.s_addr));
    const boost::asio::ip::udp::endpoint candidate(host, bound.port());
    if (std::find(candidates.begin(), candidates.end(), candidate) == candidates.end()) {
      candidates.push_back(candidate);
    }
  }
  ::freeifaddrs(list);
  return candidates;
}

std::string candidate_text(const boost::asio::ip::udp::endpoint& endpoint) {
  const auto host = endpoint.address().to_string();
  return (endpoint.address().is_v6() ? "[" + host + "]" : host) + ":" +
         std::to_string(endpoint.port());
}

std::optional<boost::asio::ip::udp::endpoint> parse_candidate(const std::string& text) {
  auto endpoint = net::parse_numeric_endpoint<boost::asio::ip::udp::endpoint>(text);
  if (!endpoint || endpoint->port() == 0) return std::nullopt;
  // Checks and media go to one host: never to a group or a whole network.
  const auto& address = endpoint->address();
  if (address.is_unspecified() || address.is_multicast() ||
      (address.is_v4() && address.to_v4() == boost::asio::ip::address_v4::broadcast())) {
    return std::nullopt;
  }
  return endpoint;
}

}  // namespace parley::call
