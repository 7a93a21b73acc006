// The host candidates a media socket advertises, read from this machine's
// real interfaces (getifaddrs), checked against what /proc says it has.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>

#include "call/local_candidates.hpp"

namespace parley::call {
namespace {

using boost::asio::ip::address;
using boost::asio::ip::udp;

// Whether the kernel lists ::1 on an interface (IPv6 may be disabled).
bool has_ipv6_loopback() {
  std::ifstream interfaces("/proc/net/if_inet6");
  std::string line;
  while (std::getline(interfaces, line)) {
    if (line.rfind("00000000000000000000000000000001", 0) == 0) return true;
  }
  return false;
}

bool contains(const std::vector<udp::endpoint>& list, const udp::endpoint& wanted) {
  return std::find(list.begin(), list.end(), wanted) != list.end();
}

TEST(CallLocalCandidates, ABoundAddressIsItsOwnOnlyCandidate) {
  const udp::endpoint bound(address::from_string("127.0.0.2"), 5004);
  EXPECT_EQ(host_candidates(bound), std::vector<udp::endpoint>{bound});
}

TEST(CallLocalCandidates, TheIpv4WildcardIsEveryLocalIpv4Address) {
  const auto list = host_candidates(udp::endpoint(address::from_string("0.0.0.0"), 5004));
  ASSERT_FALSE(list.empty());
  EXPECT_TRUE(contains(list, udp::endpoint(address::from_string("127.0.0.1"), 5004)));
  for (const auto& candidate : list) {
    EXPECT_TRUE(candidate.address().is_v4()) << candidate;
    EXPECT_FALSE(candidate.address().is_unspecified()) << candidate;
    EXPECT_EQ(candidate.port(), 5004);
  }
}

TEST(CallLocalCandidates, TheIpv6WildcardIsEveryRoutableLocalIpv6Address) {
  const auto list = host_candidates(udp::endpoint(address::from_string("::"), 5004));
  if (has_ipv6_loopback()) {
    EXPECT_TRUE(contains(list, udp::endpoint(address::from_string("::1"), 5004)));
  }
  for (const auto& candidate : list) {
    ASSERT_TRUE(candidate.address().is_v6()) << candidate;
    const auto host = candidate.address().to_v6();
    EXPECT_FALSE(host.is_unspecified()) << candidate;
    // Link-local needs a scope id the peer cannot use.
    EXPECT_FALSE(host.is_link_local()) << candidate;
    EXPECT_FALSE(host.is_multicast()) << candidate;
    EXPECT_EQ(candidate.port(), 5004);
    EXPECT_EQ(std::count(list.begin(), list.end(), candidate), 1) << candidate;
  }
}

}  // namespace
}  // namespace parley::call
