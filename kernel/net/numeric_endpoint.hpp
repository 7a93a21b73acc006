// ADDRESS:PORT with a numeric IPv4 or [IPv6] address, as the commands take on
// their command lines; port 0 asks for any free port. No name resolution.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>

namespace parley::net {

template <typename Endpoint>  // a TCP or UDP endpoint
std::optional<Endpoint> parse_numeric_endpoint(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  auto host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const auto port_text = text.substr(colon + 1);
  unsigned port = 0;
  const auto* end = port_text.data() + port_text.size();
  if (port_text.empty() || std::from_chars(port_text.data(), end, port).ptr != end ||
      port > 65535) {
    return std::nullopt;
  }
  boost::system::error_code error;
  const auto address = boost::asio::ip::make_address(host, error);
  if (error) return std::nullopt;
  return Endpoint(address, static_cast<std::uint16_t>(port));
}

}  // namespace parley::net
