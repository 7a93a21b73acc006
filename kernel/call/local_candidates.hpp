// The host candidates a media socket advertises: its own address, or, when it
// is bound to a wildcard, every local address of that family (loopback
// included: two clients on one machine reach each other there; IPv6
// link-local addresses left out: they need a scope id the peer cannot use).
#pragma once

#include <boost/asio/ip/udp.hpp>
#include <optional>
#include <string>
#include <vector>

namespace parley::call {

std::vector<boost::asio::ip::udp::endpoint> host_candidates(
    const boost::asio::ip::udp::endpoint& bound);

// "host:port", IPv6 in brackets.
std::string candidate_text(const boost::asio::ip::udp::endpoint& endpoint);
// Empty for anything but a numeric host:port with a non-zero port and a
// unicast host (not unspecified, multicast or the IPv4 broadcast address).
std::optional<boost::asio::ip::udp::endpoint> parse_candidate(const std::string& text);

}  // namespace parley::call
