#include "host_candidates.hpp"

#include <ifaddrs.h>
#include <net/if.h>

#include <algorithm>
#include <memory>
#include <system_error>

namespace parley::nat {
namespace {

bool usable(const parley_address& address) {
  return sdk::is_valid_family(address) && !sdk::is_wildcard(address) &&
         !sdk::is_loopback(address) && !sdk::is_ipv6_link_local(address) &&
         !sdk::is_ipv6_site_local(address);
}

std::vector<parley_address> interface_addresses(const parley_address& wildcard) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) {
    throw sdk::Error(PARLEY_ERR_IO, "getifaddrs: " + std::system_category().message(errno));
  }
  const std::unique_ptr<ifaddrs, decltype(&::freeifaddrs)> owner(list, &::freeifaddrs);
  const bool wants_ipv6 = wildcard.family == 6;
  std::vector<parley_address> addresses;
  for (const auto* entry = list; entry != nullptr; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr || (entry->ifa_flags & IFF_UP) == 0 ||
        (entry->ifa_flags & IFF_LOOPBACK) != 0) {
      continue;
    }
    const auto family = entry->ifa_addr->sa_family;
    if (family != AF_INET && !(family == AF_INET6 && wants_ipv6)) continue;
    const socklen_t length = family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
    auto address = sdk::from_sockaddr(entry->ifa_addr, length);
    address.port = wildcard.port;
    const bool seen = std::any_of(addresses.begin(), addresses.end(),
                                  [&](const auto& a) { return sdk::same_address(a, address); });
    if (usable(address) && !seen) addresses.push_back(address);
  }
  std::stable_partition(addresses.begin(), addresses.end(),
                        [](const auto& a) { return a.family == 6; });
  return addresses;
}

}  // namespace

std::vector<parley_candidate> gather_host_candidates(const parley_address& local) {
  std::vector<parley_address> addresses;
  if (!sdk::is_wildcard(local)) {
    if (!sdk::is_ipv6_link_local(local) && !sdk::is_ipv6_site_local(local)) {
      addresses.push_back(local);
    }
  } else {
    addresses = interface_addresses(local);
  }
  std::vector<parley_candidate> candidates;
  for (const auto& address : addresses) {
    const auto local_preference = static_cast<std::uint32_t>(65535 - candidates.size());
    candidates.push_back(
        sdk::make_candidate(PARLEY_CANDIDATE_HOST, address, address, local_preference));
  }
  return candidates;
}

}  // namespace parley::nat
