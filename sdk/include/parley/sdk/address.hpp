// parley_address helpers shared by network plugins and the kernel: conversion
// to and from the socket API's sockaddr, text ("192.0.2.1:5", "[::1]:5"), and
// the classification NAT strategies need (wildcard, loopback, link-local).
//
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) never appear in a parley_address:
// from_sockaddr folds them to family 4, and to_sockaddr makes them again when
// an IPv4 peer is reached through a dual-stack IPv6 socket.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "parley/abi/net_types.h"

namespace parley::sdk {

// A sockaddr large enough for either family, with its length.
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  [[nodiscard]] sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage); }
  [[nodiscard]] const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  [[nodiscard]] int family() const { return storage.ss_family; }
};

inline parley_address make_ipv4_address(std::array<std::uint8_t, 4> bytes, std::uint16_t port) {
  parley_address address{};
  address.family = 4;
  address.port = port;
  std::copy(bytes.begin(), bytes.end(), address.bytes);
  return address;
}

inline parley_address make_ipv6_address(const std::array<std::uint8_t, 16>& bytes,
                                        std::uint16_t port) {
  parley_address address{};
  address.family = 6;
  address.port = port;
  std::copy(bytes.begin(), bytes.end(), address.bytes);
  return address;
}

inline parley_address ipv4_loopback(std::uint16_t port = 0) {
  return make_ipv4_address({127, 0, 0, 1}, port);
}
inline parley_address ipv6_loopback(std::uint16_t port = 0) {
  std::array<std::uint8_t, 16> bytes{};
  bytes[15] = 1;
  return make_ipv6_address(bytes, port);
}
inline parley_address ipv4_any(std::uint16_t port = 0) {
  return make_ipv4_address({0, 0, 0, 0}, port);
}
inline parley_address ipv6_any(std::uint16_t port = 0) {
  return make_ipv6_address({}, port);
}

inline bool is_valid_family(const parley_address& address) {
  return address.family == 4 || address.family == 6;
}

inline std::size_t address_byte_count(const parley_address& address) {
  return address.family == 4 ? 4 : address.family == 6 ? 16 : 0;
}

// Same family, address bytes and port; padding and unused bytes do not count.
inline bool same_address(const parley_address& a, const parley_address& b) {
  return a.family == b.family && a.port == b.port &&
         std::equal(a.bytes, a.bytes + address_byte_count(a), b.bytes);
}
// Same host, any port.
inline bool same_host(const parley_address& a, const parley_address& b) {
  return a.family == b.family && std::equal(a.bytes, a.bytes + address_byte_count(a), b.bytes);
}

inline bool is_wildcard(const parley_address& address) {
  const auto* end = address.bytes + address_byte_count(address);
  return is_valid_family(address) && std::all_of(address.bytes, end, [](auto b) { return b == 0; });
}

inline bool is_loopback(const parley_address& address) {
  if (address.family == 4) return address.bytes[0] == 127;
  if (address.family != 6) return false;
  return std::all_of(address.bytes, address.bytes + 15, [](auto b) { return b == 0; }) &&
         address.bytes[15] == 1;
}

// fe80::/10: usable only with a scope id, which parley_address does not carry.
inline bool is_ipv6_link_local(const parley_address& address) {
  return address.family == 6 && address.bytes[0] == 0xfe && (address.bytes[1] & 0xc0) == 0x80;
}
// fec0::/10, deprecated by RFC 3879; RFC 8445 section 5.1.1.1 excludes it.
inline bool is_ipv6_site_local(const parley_address& address) {
  return address.family == 6 && address.bytes[0] == 0xfe && (address.bytes[1] & 0xc0) == 0xc0;
}

namespace detail {
inline bool is_v4_mapped(const std::uint8_t* bytes16) {
  static constexpr std::array<std::uint8_t, 12> kPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::equal(kPrefix.begin(), kPrefix.end(), bytes16);
}
}  // namespace detail

// Converts for a socket of socket_family (AF_INET or AF_INET6; 0 = the
// address's own). An IPv4 address for an AF_INET6 socket becomes IPv4-mapped.
// Returns nullopt when the address cannot be expressed for that socket.
inline std::optional<SocketAddress> to_sockaddr(const parley_address& address,
                                                int socket_family = 0) {
  SocketAddress out;
  if (socket_family == 0) socket_family = address.family == 4 ? AF_INET : AF_INET6;
  if (address.family == 4 && socket_family == AF_INET) {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(address.port);
    std::memcpy(&in.sin_addr, address.bytes, 4);
    std::memcpy(&out.storage, &in, sizeof in);
    out.length = sizeof in;
    return out;
  }
  if ((address.family == 4 || address.family == 6) && socket_family == AF_INET6) {
    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(address.port);
    if (address.family == 4) {
      in6.sin6_addr.s6_addr[10] = 0xff;
      in6.sin6_addr.s6_addr[11] = 0xff;
      std::memcpy(&in6.sin6_addr.s6_addr[12], address.bytes, 4);
    } else {
      std::memcpy(&in6.sin6_addr, address.bytes, 16);
    }
    std::memcpy(&out.storage, &in6, sizeof in6);
    out.length = sizeof in6;
    return out;
  }
  return std::nullopt;
}

// Family 0 ("unset") for anything but AF_INET / AF_INET6 of the right length.
inline parley_address from_sockaddr(const sockaddr* address, socklen_t length) {
  parley_address out{};
  if (address == nullptr) return out;
  if (address->sa_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    sockaddr_in in{};
    std::memcpy(&in, address, sizeof in);
    out.family = 4;
    out.port = ntohs(in.sin_port);
    std::memcpy(out.bytes, &in.sin_addr, 4);
  } else if (address->sa_family == AF_INET6 &&
             length >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, address, sizeof in6);
    out.port = ntohs(in6.sin6_port);
    if (detail::is_v4_mapped(in6.sin6_addr.s6_addr)) {
      out.family = 4;
      std::memcpy(out.bytes, &in6.sin6_addr.s6_addr[12], 4);
    } else {
      out.family = 6;
      std::memcpy(out.bytes, &in6.sin6_addr, 16);
    }
  }
  return out;
}
inline parley_address from_sockaddr(const SocketAddress& address) {
  return from_sockaddr(address.get(), address.length);
}

// "192.0.2.1:5", "[2001:db8::1]:5"; "unset" for family 0, "invalid" otherwise.
inline std::string to_string(const parley_address& address) {
  char host[INET6_ADDRSTRLEN] = {};
  if (address.family == 4) {
    inet_ntop(AF_INET, address.bytes, host, sizeof host);
    return std::string(host) + ":" + std::to_string(address.port);
  }
  if (address.family == 6) {
    inet_ntop(AF_INET6, address.bytes, host, sizeof host);
    return "[" + std::string(host) + "]:" + std::to_string(address.port);
  }
  return address.family == 0 ? "unset" : "invalid";
}

// Accepts exactly what to_string writes ("a.b.c.d:port", "[v6]:port").
inline std::optional<parley_address> parse_address(std::string_view text) {
  std::string_view host;
  std::string_view port_text;
  bool bracketed = false;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
    bracketed = true;
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  unsigned port = 0;
  const auto* port_end = port_text.data() + port_text.size();
  const auto [end, error] = std::from_chars(port_text.data(), port_end, port);
  if (port_text.empty() || error != std::errc{} || end != port_end || port > 65535) {
    return std::nullopt;
  }
  if (host.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  const std::string host_z(host);  // inet_pton wants a NUL-terminated string
  parley_address out{};
  out.port = static_cast<std::uint16_t>(port);
  if (bracketed) {
    if (inet_pton(AF_INET6, host_z.c_str(), out.bytes) != 1) return std::nullopt;
    out.family = 6;
    if (detail::is_v4_mapped(out.bytes)) {
      std::memmove(out.bytes, out.bytes + 12, 4);
      std::fill(out.bytes + 4, out.bytes + 16, std::uint8_t{0});
      out.family = 4;
    }
  } else {
    if (inet_pton(AF_INET, host_z.c_str(), out.bytes) != 1) return std::nullopt;
    out.family = 4;
  }
  return out;
}

}  // namespace parley::sdk
