#include "overlay/tofu_connect.hpp"

#include <openssl/ssl.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/strand.hpp>

namespace parley::overlay {
namespace {

namespace asio = net::asio;
using net::tcp;

// Accepts whatever key the server proves it holds; connect_tofu compares it
// with the recorded one after the handshake, before sending anything.
int accept_any_server_key(X509_STORE_CTX* /*unused*/, void* /*unused*/) {
  return 1;
}

struct TofuOperation : std::enable_shared_from_this<TofuOperation> {
  TofuOperation(asio::io_context& io, std::optional<identity::PublicKey> expected_key,
                net::ConnectionLimits connection_limits, const identity::SigningKey* own_key,
                TofuHandler handler)
      : strand(asio::make_strand(io)),
        resolver(strand),
        socket(strand),
        deadline(strand),
        expected(expected_key),
        limits(connection_limits),
        client_key(own_key),
        done(std::move(handler)) {}

  net::TlsConnection::Strand strand;
  tcp::resolver resolver;
  tcp::socket socket;
  asio::steady_timer deadline;
  std::optional<identity::PublicKey> expected;
  net::ConnectionLimits limits;
  const identity::SigningKey* client_key;
  TofuHandler done;
  std::string target;
  bool finished = false;

  void fail(const std::string& error) {
    if (finished) return;
    finished = true;
    deadline.cancel();
    resolver.cancel();
    boost::system::error_code ignored;
    socket.close(ignored);
    done(nullptr, error);
  }

  void start(const net::HostPort& server, std::chrono::milliseconds timeout) {
    target = server.to_string();
    deadline.expires_after(timeout);
    deadline.async_wait(asio::bind_executor(
        strand, [self = shared_from_this()](const boost::system::error_code& error) {
          if (!error) self->fail("cannot connect to " + self->target + ": no answer in time");
        }));
    resolver.async_resolve(
        server.host, std::to_string(server.port),
        asio::bind_executor(
            strand, [self = shared_from_this()](const boost::system::error_code& error,
                                                const tcp::resolver::results_type& results) {
              if (self->finished) return;
              if (error) {
                self->fail("cannot resolve " + self->target + ": " + error.message());
                return;
              }
              asio::async_connect(
                  self->socket, results,
                  asio::bind_executor(self->strand, [self](const boost::system::error_code& e,
                                                           const tcp::endpoint& /*unused*/) {
                    self->on_connected(e);
                  }));
            }));
  }

  void on_connected(const boost::system::error_code& error) {
    if (finished) return;
    if (error) {
      fail("cannot connect to " + target + ": " + error.message());
      return;
    }
    // The handshake has its own deadline (limits.handshake_timeout).
    finished = true;
    deadline.cancel();
    std::shared_ptr<net::ssl::context> context;
    try {
      context = std::make_shared<net::ssl::context>(net::make_client_tls_context(client_key));
    } catch (const std::exception& failure) {
      done(nullptr, failure.what());
      return;
    }
    SSL_CTX_set_cert_verify_callback(context->native_handle(), &accept_any_server_key, nullptr);
    auto connection =
        std::make_shared<net::TlsConnection>(strand, std::move(socket), context, limits);
    connection->handshake(net::ssl::stream_base::client, [connection, self = shared_from_this()](
                                                             const std::string& failure) {
      if (!failure.empty()) {
        self->done(nullptr, self->target + ": " + failure);
        return;
      }
      const auto& presented = connection->peer_key();
      if (!presented) {
        connection->abort("no Ed25519 key");
        self->done(nullptr, self->target + ": the server presented no Ed25519 key");
        return;
      }
      if (self->expected && *presented != *self->expected) {
        connection->abort("key mismatch");
        self->done(nullptr, self->target + ": key mismatch: presented " + presented->to_text() +
                                ", recorded " + self->expected->to_text() +
                                " (trust on first use)");
        return;
      }
      self->done(connection, {});
    });
  }
};

}  // namespace

void connect_tofu(asio::io_context& io, const net::HostPort& server,
                  const std::optional<identity::PublicKey>& expected_key,
                  const net::ConnectionLimits& limits, std::chrono::milliseconds connect_timeout,
                  TofuHandler done, const identity::SigningKey* client_key) {
  std::make_shared<TofuOperation>(io, expected_key, limits, client_key, std::move(done))
      ->start(server, connect_timeout);
}

}  // namespace parley::overlay
