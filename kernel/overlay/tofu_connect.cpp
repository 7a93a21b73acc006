#include "overlay/tofu_connect.hpp"

namespace parley::overlay {

void connect_tofu(net::asio::io_context& io, const net::HostPort& server,
                  const std::optional<identity::PublicKey>& expected_key,
                  const net::ConnectionLimits& limits, std::chrono::milliseconds connect_timeout,
                  TofuHandler done, const identity::SigningKey* client_key) {
  net::TlsClientOptions options;
  options.pinned_server_key = expected_key;  // empty: trust on first use
  options.client_key = client_key;
  options.limits = limits;
  options.connect_timeout = connect_timeout;
  net::connect_tls(io, server, options, std::move(done));
}

}  // namespace parley::overlay
