#include "net/tls_client.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/strand.hpp>
#include <charconv>
#include <deque>

namespace parley::net {

std::string HostPort::to_string() const {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
         std::to_string(port);
}

std::optional<HostPort> parse_host_port(std::string_view text) {
  HostPort out;
  std::string_view port_text;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    out.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) return std::nullopt;
    out.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  unsigned port = 0;
  const auto* end = port_text.data() + port_text.size();
  if (out.host.empty() || port_text.empty() ||
      std::from_chars(port_text.data(), end, port).ptr != end || port == 0 || port > 65535) {
    return std::nullopt;
  }
  out.port = static_cast<std::uint16_t>(port);
  return out;
}

namespace {

struct ConnectOperation : std::enable_shared_from_this<ConnectOperation> {
  ConnectOperation(asio::io_context& io, const TlsClientOptions& opts, ConnectHandler handler)
      : strand(asio::make_strand(io)),
        resolver(strand),
        socket(strand),
        deadline(strand),
        options(opts),
        done(std::move(handler)) {}

  TlsConnection::Strand strand;
  tcp::resolver resolver;
  tcp::socket socket;
  asio::steady_timer deadline;
  TlsClientOptions options;
  ConnectHandler done;
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

  void start(const HostPort& server) {
    target = server.to_string();
    deadline.expires_after(options.connect_timeout);
    deadline.async_wait(asio::bind_executor(
        strand, [self = shared_from_this()](const boost::system::error_code& error) {
          if (!error) {
            self->fail("cannot connect to " + self->target + ": no answer within " +
                       std::to_string(self->options.connect_timeout.count()) + " ms");
          }
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
                  asio::bind_executor(self->strand,
                                      [self](const boost::system::error_code& connect_error,
                                             const tcp::endpoint& /*endpoint*/) {
                                        self->on_connected(connect_error);
                                      }));
            }));
  }

  void on_connected(const boost::system::error_code& error) {
    if (finished) return;
    if (error) {
      fail("cannot connect to " + target + ": " + error.message());
      return;
    }
    finished = true;
    deadline.cancel();
    std::shared_ptr<ssl::context> context;
    try {
      context = std::make_shared<ssl::context>(
          options.pinned_server_key ? make_client_tls_context(options.client_key)
                                    : make_first_use_client_tls_context(options.client_key));
    } catch (const std::exception& failure) {
      done(nullptr, failure.what());
      return;
    }
    auto connection =
        std::make_shared<TlsConnection>(strand, std::move(socket), context, options.limits);
    if (options.pinned_server_key) connection->pin_server_key(*options.pinned_server_key);
    connection->handshake(ssl::stream_base::client,
                          [connection, done = done, target = target](const std::string& failure) {
                            if (!failure.empty()) {
                              done(nullptr, target + ": " + failure);
                            } else if (!connection->peer_key()) {
                              connection->abort("no Ed25519 key");
                              done(nullptr, target + ": the server presented no Ed25519 key");
                            } else {
                              done(connection, {});
                            }
                          });
  }
};

}  // namespace

void connect_tls(asio::io_context& io, const HostPort& server, const TlsClientOptions& options,
                 ConnectHandler done) {
  std::make_shared<ConnectOperation>(io, options, std::move(done))->start(server);
}

struct BlockingChannel::Inbox {
  std::deque<std::vector<std::uint8_t>> messages;
  std::optional<std::string> closed;
};

BlockingChannel::BlockingChannel(const HostPort& server, const TlsClientOptions& options)
    : inbox_(std::make_shared<Inbox>()) {
  std::string error;
  bool done = false;
  connect_tls(io_, server, options,
              [&](std::shared_ptr<TlsConnection> connection, const std::string& failure) {
                done = true;
                error = failure;
                connection_ = std::move(connection);
              });
  while (!done && io_.run_one() > 0) {
  }
  if (!connection_) throw NetError(error.empty() ? "connection failed" : error);
  connection_->start(
      [inbox = inbox_](std::vector<std::uint8_t> message) {
        inbox->messages.push_back(std::move(message));
      },
      [inbox = inbox_](const std::string& reason) { inbox->closed = reason; });
}

BlockingChannel::~BlockingChannel() {
  if (connection_) {
    connection_->abort("client done");
    io_.restart();
    io_.poll();
  }
}

void BlockingChannel::send(std::vector<std::uint8_t> message) {
  connection_->send(std::move(message));
}

std::vector<std::uint8_t> BlockingChannel::receive(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (!inbox_->messages.empty()) {
      auto message = std::move(inbox_->messages.front());
      inbox_->messages.pop_front();
      return message;
    }
    if (inbox_->closed) throw NetError("connection closed: " + *inbox_->closed);
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      throw NetError("no answer within " + std::to_string(timeout.count()) + " ms");
    }
    if (io_.stopped()) io_.restart();
    io_.run_one_for(deadline - now);
  }
}

}  // namespace parley::net
