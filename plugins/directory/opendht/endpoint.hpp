// The "host:port" addresses of a directory config, IPv6 in brackets
// ("[::1]:4222"), and comma-separated lists of them. Pure parsing, no network:
// nothing here resolves a name.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace parley::opendht_directory {

// Thrown for text that is not an address the node can use; the node reports
// it as PARLEY_ERR_INVALID_ARGUMENT.
class AddressError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

enum class HostFamily { ipv4, ipv6, name };

struct Endpoint {
  std::string host;  // without brackets
  std::uint16_t port = 0;
  HostFamily family = HostFamily::name;

  bool operator==(const Endpoint&) const = default;
};

// The address this node binds: an IP literal; port 0 lets the system choose.
Endpoint parse_listen_endpoint(std::string_view text);

// Other nodes to join through: IP literals or DNS names, each with a non-zero
// port. Blank text is an empty list; an empty entry ("a:1,,b:2") is an error.
std::vector<Endpoint> parse_bootstrap_list(std::string_view text);

// Back to "host:port", brackets around IPv6.
std::string to_string(const Endpoint& endpoint);

// 127.0.0.0/8 and ::1.
bool is_loopback(const Endpoint& endpoint);

}  // namespace parley::opendht_directory
