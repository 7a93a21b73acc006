#include "endpoint.hpp"

#include <arpa/inet.h>

#include <array>
#include <charconv>

namespace parley::opendht_directory {
namespace {

constexpr std::string_view kBlank = " \t\r\n";
constexpr std::size_t kMaxDnsNameBytes = 253;
constexpr std::size_t kMaxDnsLabelBytes = 63;

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(kBlank);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(kBlank);
  return text.substr(first, last - first + 1);
}

bool is_ipv4_literal(const std::string& host) {
  std::array<unsigned char, sizeof(in_addr)> address{};
  return inet_pton(AF_INET, host.c_str(), address.data()) == 1;
}

bool is_ipv6_literal(const std::string& host) {
  std::array<unsigned char, sizeof(in6_addr)> address{};
  return inet_pton(AF_INET6, host.c_str(), address.data()) == 1;
}

// RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens.
bool is_dns_name(std::string_view host) {
  if (host.empty() || host.size() > kMaxDnsNameBytes) return false;
  std::size_t label_start = 0;
  while (label_start <= host.size()) {
    auto label_end = host.find('.', label_start);
    if (label_end == std::string_view::npos) label_end = host.size();
    const auto label = host.substr(label_start, label_end - label_start);
    if (label.empty() || label.size() > kMaxDnsLabelBytes) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (const char c : label) {
      const bool ok =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok) return false;
    }
    label_start = label_end + 1;
  }
  return true;
}

std::uint16_t parse_port(std::string_view text, std::string_view whole) {
  unsigned value = 0;
  const auto* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || text.size() > 5 || error != std::errc{} || stop != end || value > 65535) {
    throw AddressError("bad port in \"" + std::string(whole) + "\"");
  }
  return static_cast<std::uint16_t>(value);
}

Endpoint parse_endpoint(std::string_view text) {
  const auto whole = trim(text);
  if (whole.empty()) throw AddressError("empty address");
  Endpoint endpoint;
  std::string_view port_text;
  if (whole.front() == '[') {
    const auto close = whole.find(']');
    if (close == std::string_view::npos || close + 1 >= whole.size() || whole[close + 1] != ':') {
      throw AddressError("expected \"[ipv6]:port\", got \"" + std::string(whole) + "\"");
    }
    endpoint.host = std::string(whole.substr(1, close - 1));
    port_text = whole.substr(close + 2);
    if (!is_ipv6_literal(endpoint.host)) {
      throw AddressError("not an IPv6 address in \"" + std::string(whole) + "\"");
    }
    endpoint.family = HostFamily::ipv6;
  } else {
    const auto colon = whole.find(':');
    if (colon == std::string_view::npos) {
      throw AddressError("expected \"host:port\", got \"" + std::string(whole) + "\"");
    }
    if (whole.find(':', colon + 1) != std::string_view::npos) {
      throw AddressError("IPv6 addresses need brackets: \"[" + std::string(whole) + "]:port\"");
    }
    endpoint.host = std::string(whole.substr(0, colon));
    port_text = whole.substr(colon + 1);
    if (is_ipv4_literal(endpoint.host)) {
      endpoint.family = HostFamily::ipv4;
    } else if (is_dns_name(endpoint.host)) {
      endpoint.family = HostFamily::name;
    } else {
      throw AddressError("bad host in \"" + std::string(whole) + "\"");
    }
  }
  endpoint.port = parse_port(port_text, whole);
  return endpoint;
}

}  // namespace

Endpoint parse_listen_endpoint(std::string_view text) {
  auto endpoint = parse_endpoint(text);
  if (endpoint.family == HostFamily::name) {
    throw AddressError("listen address must be an IP address, got \"" + endpoint.host + "\"");
  }
  return endpoint;
}

std::vector<Endpoint> parse_bootstrap_list(std::string_view text) {
  std::vector<Endpoint> endpoints;
  if (trim(text).empty()) return endpoints;
  std::size_t start = 0;
  while (true) {
    const auto comma = text.find(',', start);
    const auto entry =
        text.substr(start, comma == std::string_view::npos ? text.size() - start : comma - start);
    auto endpoint = parse_endpoint(entry);
    if (endpoint.port == 0) {
      throw AddressError("bootstrap address needs a port: \"" + to_string(endpoint) + "\"");
    }
    endpoints.push_back(std::move(endpoint));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return endpoints;
}

std::string to_string(const Endpoint& endpoint) {
  const auto port = std::to_string(endpoint.port);
  return endpoint.family == HostFamily::ipv6 ? "[" + endpoint.host + "]:" + port
                                             : endpoint.host + ":" + port;
}

bool is_loopback(const Endpoint& endpoint) {
  if (endpoint.family == HostFamily::ipv4) {
    in_addr address{};
    return inet_pton(AF_INET, endpoint.host.c_str(), &address) == 1 &&
           (ntohl(address.s_addr) >> 24) == 127;
  }
  if (endpoint.family == HostFamily::ipv6) {
    in6_addr address{};
    return inet_pton(AF_INET6, endpoint.host.c_str(), &address) == 1 &&
           IN6_IS_ADDR_LOOPBACK(&address);
  }
  return false;
}

}  // namespace parley::opendht_directory
