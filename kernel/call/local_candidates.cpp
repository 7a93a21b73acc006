#include "call/local_candidates.hpp"

#include <ifaddrs.h>
#include <netinet/in.h>

#include <algorithm>
#include <optional>

#include "net/numeric_endpoint.hpp"

namespace parley::call {

namespace {

// An interface address a peer could send to: unicast, and for IPv6 not
// link-local (fe80::/10 needs the interface's scope id, which means nothing on
// the peer's side).
std::optional<boost::asio::ip::address> usable_address(const sockaddr* address, bool v6) {
  if (address == nullptr) return std::nullopt;
  if (!v6 && address->sa_family == AF_INET) {
    sockaddr_in in{};
    std::copy_n(reinterpret_cast<const std::uint8_t*>(address), sizeof in,
                reinterpret_cast<std::uint8_t*>(&in));
    return boost::asio::ip::address_v4(ntohl(in.sin_addr.s_addr));
  }
  if (v6 && address->sa_family == AF_INET6) {
    sockaddr_in6 in6{};
    std::copy_n(reinterpret_cast<const std::uint8_t*>(address), sizeof in6,
                reinterpret_cast<std::uint8_t*>(&in6));
    boost::asio::ip::address_v6::bytes_type bytes{};
    std::copy_n(in6.sin6_addr.s6_addr, bytes.size(), bytes.begin());
    const boost::asio::ip::address_v6 host(bytes);
    if (host.is_link_local() || host.is_multicast() || host.is_v4_mapped()) return std::nullopt;
    return host;
  }
  return std::nullopt;
}

}  // namespace

std::vector<boost::asio::ip::udp::endpoint> host_candidates(
    const boost::asio::ip::udp::endpoint& bound) {
  std::vector<boost::asio::ip::udp::endpoint> candidates;
  if (!bound.address().is_unspecified()) {
    candidates.push_back(bound);
    return candidates;
  }
  const bool v6 = bound.address().is_v6();
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) {
    candidates.emplace_back(v6 ? boost::asio::ip::address(boost::asio::ip::address_v6::loopback())
                               : boost::asio::ip::address(boost::asio::ip::address_v4::loopback()),
                            bound.port());
    return candidates;
  }
  for (const ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
    const auto host = usable_address(entry->ifa_addr, v6);
    if (!host) continue;
    const boost::asio::ip::udp::endpoint candidate(*host, bound.port());
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
