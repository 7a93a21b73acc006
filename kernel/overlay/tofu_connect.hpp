// Connecting to a super node whose key may not be known yet.
//
// Milestone 1 trusts a super node's key on first use per address (the host
// cache records it; docs/overlay.md): with no expected key, any Ed25519 key
// the server proves it holds in the TLS 1.3 handshake is accepted and handed
// back to be recorded; with one, the connection fails unless the server
// presents exactly that key. Nothing is sent before that check. A thin use of
// net::connect_tls(), whose pin is optional for this.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "net/tls_client.hpp"
#include "net/tls_connection.hpp"

namespace parley::overlay {

using TofuHandler =
    std::function<void(std::shared_ptr<net::TlsConnection> connection, const std::string& error)>;

// done runs on the connection's strand; the connection's peer_key() is the
// server's key. client_key, when given, is presented to a server that asks:
// a super node proves its node key to the super nodes it peers with.
void connect_tofu(net::asio::io_context& io, const net::HostPort& server,
                  const std::optional<identity::PublicKey>& expected_key,
                  const net::ConnectionLimits& limits, std::chrono::milliseconds connect_timeout,
                  TofuHandler done, const identity::SigningKey* client_key = nullptr);

}  // namespace parley::overlay
