#include <gtest/gtest.h>

#include "net/tls_client.hpp"
#include "net/tls_server.hpp"

namespace parley::net {
namespace {

TEST(HostPort, ParsesNamesAddressesAndBracketedIpv6) {
  auto parsed = parse_host_port("login.example.org:7450");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->host, "login.example.org");
  EXPECT_EQ(parsed->port, 7450);
  parsed = parse_host_port("[::1]:443");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->host, "::1");
  EXPECT_EQ(parsed->to_string(), "[::1]:443");
  EXPECT_EQ(parse_host_port("127.0.0.1:1")->to_string(), "127.0.0.1:1");
}

TEST(HostPort, RefusesMalformed) {
  for (const char* text : {"", "host", "host:", ":80", "host:0", "host:65536", "host:8x", "::1:80",
                           "[::1]", "[::1]80", "host:-1"}) {
    EXPECT_FALSE(parse_host_port(text).has_value()) << text;
  }
}

TEST(AddressBucket, Ipv4IsTheAddressIpv6IsTheSlash64) {
  EXPECT_EQ(address_bucket(tcp::endpoint(asio::ip::make_address("192.0.2.7"), 1)), "192.0.2.7");
  EXPECT_EQ(address_bucket(tcp::endpoint(asio::ip::make_address("2001:db8:1:2:3:4:5:6"), 1)),
            "2001:db8:1:2::/64");
  EXPECT_EQ(address_bucket(tcp::endpoint(asio::ip::make_address("::ffff:192.0.2.7"), 1)),
            "192.0.2.7");
}

}  // namespace
}  // namespace parley::net
