#include "endpoint.hpp"

#include <gtest/gtest.h>

namespace parley::opendht_directory {
namespace {

TEST(opendht_endpoint, ListenTakesIpv4WithAnyPort) {
  EXPECT_EQ(parse_listen_endpoint("127.0.0.1:0"), (Endpoint{"127.0.0.1", 0, HostFamily::ipv4}));
  EXPECT_EQ(parse_listen_endpoint("0.0.0.0:4222"), (Endpoint{"0.0.0.0", 4222, HostFamily::ipv4}));
  EXPECT_EQ(parse_listen_endpoint(" 10.1.2.3:65535 ").port, 65535);
}

TEST(opendht_endpoint, ListenTakesBracketedIpv6) {
  EXPECT_EQ(parse_listen_endpoint("[::1]:4222"), (Endpoint{"::1", 4222, HostFamily::ipv6}));
  EXPECT_EQ(parse_listen_endpoint("[::]:0"), (Endpoint{"::", 0, HostFamily::ipv6}));
  EXPECT_EQ(parse_listen_endpoint("[2001:db8::7]:9").host, "2001:db8::7");
}

TEST(opendht_endpoint, ListenRefusesNamesAndMalformedText) {
  for (const char* bad :
       {"", "   ", "localhost:4222", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1",
        "127.0.0.1:42x", "127.0.0.1:+42", "127.0.0.1:000004222", "::1:4222", "[::1]", "[::1]4222",
        "[::1:4222", "[127.0.0.1]:4222", "[]:1", "not an address", "256.0.0.1:1", ":4222"}) {
    EXPECT_THROW(parse_listen_endpoint(bad), AddressError) << bad;
  }
}

TEST(opendht_endpoint, BootstrapListMixesFamiliesAndNames) {
  const auto list = parse_bootstrap_list("127.0.0.1:4222, [::1]:4223,sn1.example.org:4224");
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0], (Endpoint{"127.0.0.1", 4222, HostFamily::ipv4}));
  EXPECT_EQ(list[1], (Endpoint{"::1", 4223, HostFamily::ipv6}));
  EXPECT_EQ(list[2], (Endpoint{"sn1.example.org", 4224, HostFamily::name}));
}

TEST(opendht_endpoint, BlankBootstrapIsAnEmptyList) {
  EXPECT_TRUE(parse_bootstrap_list("").empty());
  EXPECT_TRUE(parse_bootstrap_list(" \t").empty());
}

TEST(opendht_endpoint, BootstrapRefusesEmptyEntriesPortZeroAndBadNames) {
  for (const char* bad :
       {"127.0.0.1:1,,127.0.0.1:2", "127.0.0.1:1,", ",127.0.0.1:1", "127.0.0.1:0", "[::1]:0",
        "-bad.example:1", "bad..example:1", "bad_name:1", "exa mple:1", "::1:4222"}) {
    EXPECT_THROW(parse_bootstrap_list(bad), AddressError) << bad;
  }
  const std::string long_label(64, 'a');
  EXPECT_THROW(parse_bootstrap_list(long_label + ".example:1"), AddressError);
}

TEST(opendht_endpoint, PrintsWithBracketsForIpv6) {
  EXPECT_EQ(to_string(Endpoint{"::1", 7, HostFamily::ipv6}), "[::1]:7");
  EXPECT_EQ(to_string(Endpoint{"127.0.0.1", 7, HostFamily::ipv4}), "127.0.0.1:7");
}

TEST(opendht_endpoint, KnowsLoopback) {
  EXPECT_TRUE(is_loopback(parse_listen_endpoint("127.0.0.1:0")));
  EXPECT_TRUE(is_loopback(parse_listen_endpoint("127.8.9.10:0")));
  EXPECT_TRUE(is_loopback(parse_listen_endpoint("[::1]:0")));
  EXPECT_FALSE(is_loopback(parse_listen_endpoint("0.0.0.0:0")));
  EXPECT_FALSE(is_loopback(parse_listen_endpoint("[::]:0")));
  EXPECT_FALSE(is_loopback(parse_listen_endpoint("128.0.0.1:0")));
  EXPECT_FALSE(is_loopback(Endpoint{"localhost", 1, HostFamily::name}));
}

}  // namespace
}  // namespace parley::opendht_directory
