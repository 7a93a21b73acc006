// STUN Binding (RFC 8489) as a super node answers it and a client node asks
// it, so clients learn their server-reflexive address.
//
// Why not plugins/nat/stun's stun_message library: parley_kernel does not
// link it yet (docs/overlay.md, "Wiring still to do"). This is the smallest
// subset a super node needs; when the kernel links stun_message,
// answer_binding() becomes stun::answer_binding_request() and this file goes.
#pragma once

#include <array>
#include <boost/asio/ip/udp.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace parley::overlay {

using StunTransactionId = std::array<std::uint8_t, 12>;

// The answer to a datagram from source: a Binding success response with
// XOR-MAPPED-ADDRESS (RFC 8489) or, for an RFC 3489 client (no magic cookie),
// MAPPED-ADDRESS; nothing for anything that is not a Binding request.
std::optional<std::vector<std::uint8_t>> answer_binding(
    std::span<const std::uint8_t> datagram, const boost::asio::ip::udp::endpoint& source);

std::vector<std::uint8_t> make_binding_request(const StunTransactionId& id);
// The mapped address in a success response to the request with id.
std::optional<boost::asio::ip::udp::endpoint> read_binding_success(
    std::span<const std::uint8_t> datagram, const StunTransactionId& id);

}  // namespace parley::overlay
