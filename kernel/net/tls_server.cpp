#include "net/tls_server.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/strand.hpp>
#include <map>
#include <mutex>

#include "log/log.hpp"

namespace parley::net {
asio::ip::address unmapped(const asio::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  return address;
}

std::string address_bucket(const tcp::endpoint& endpoint) {
  const auto address = unmapped(endpoint.address());
  if (address.is_v4()) return address.to_string();
  auto bytes = address.to_v6().to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return asio::ip::address_v6(bytes).to_string() + "/64";
}

struct TlsServer::State : std::enable_shared_from_this<TlsServer::State> {
  State(asio::io_context& io_context, const identity::SigningKey& key, TlsServerOptions opts,
        ConnectionHandler handler)
      : io(io_context),
        acceptor(io_context),
        context(
            std::make_shared<ssl::context>(make_server_tls_context(key, opts.request_client_key))),
        options(opts),
        on_connection(std::move(handler)),
        retry_timer(io_context) {}

  asio::io_context& io;
  tcp::acceptor acceptor;
  std::shared_ptr<ssl::context> context;
  TlsServerOptions options;
  ConnectionHandler on_connection;
  asio::steady_timer retry_timer;
  std::atomic<bool> stopped{false};

  mutable std::mutex mutex;  // admission is released from connections' strands
  std::map<std::string, std::size_t> open_by_address;
  std::vector<std::weak_ptr<TlsConnection>> connections;  // for abort_all()
  TlsServerStats stats;

  // The admission ticket: released when the connection object goes away.
  std::shared_ptr<void> admit(const std::string& bucket) {
    const std::lock_guard lock(mutex);
    if (stats.open >= options.max_connections) {
      ++stats.refused_over_total;
      return nullptr;
    }
    auto& count = open_by_address[bucket];
    if (count >= options.max_connections_per_address) {
      ++stats.refused_over_address;
      if (count == 0) open_by_address.erase(bucket);
      return nullptr;
    }
    ++count;
    ++stats.open;
    ++stats.accepted;
    // Non-null (it points at the state) so that "admitted" tests true.
    return std::shared_ptr<void>(this, [self = shared_from_this(), bucket](void*) {
      const std::lock_guard release_lock(self->mutex);
      --self->stats.open;
      if (--self->open_by_address[bucket] == 0) self->open_by_address.erase(bucket);
    });
  }

  void accept_next() {
    if (stopped) return;
    auto strand = asio::make_strand(io);
    acceptor.async_accept(strand, [self = shared_from_this(), strand](
                                      const boost::system::error_code& error, tcp::socket socket) {
      self->on_accept(error, strand, std::move(socket));
    });
  }

  void on_accept(const boost::system::error_code& error, const TlsConnection::Strand& strand,
                 tcp::socket socket) {
    if (stopped || error == asio::error::operation_aborted) return;
    if (error) {
      // Out of descriptors and the like: retry shortly rather than spin.
      log::warn("net", "accept failed: " + error.message());
      retry_timer.expires_after(std::chrono::milliseconds(100));
      retry_timer.async_wait([self = shared_from_this()](const boost::system::error_code& wait) {
        if (!wait) self->accept_next();
      });
      return;
    }
    boost::system::error_code ignored;
    const auto remote = socket.remote_endpoint(ignored);
    auto admission = admit(address_bucket(remote));
    if (!admission) {
      log::debug("net", "refused a connection from " + remote.address().to_string() +
                            ": connection limit reached");
      socket.close(ignored);
      accept_next();
      return;
    }
    auto connection = std::make_shared<TlsConnection>(strand, std::move(socket), context,
                                                      options.limits, std::move(admission));
    {
      const std::lock_guard lock(mutex);
      std::erase_if(connections, [](const auto& weak) { return weak.expired(); });
      connections.push_back(connection);
    }
    connection->handshake(ssl::stream_base::server, [self = shared_from_this(),
                                                     connection](const std::string& failure) {
      if (!failure.empty()) {
        {
          const std::lock_guard lock(self->mutex);
          ++self->stats.handshakes_failed;
        }
        log::debug("net", "handshake with " + connection->remote_endpoint().address().to_string() +
                              " failed: " + failure);
        return;
      }
      if (!self->stopped) self->on_connection(connection);
    });
    accept_next();
  }
};

TlsServer::TlsServer(asio::io_context& io, const identity::SigningKey& key,
                     const tcp::endpoint& listen, TlsServerOptions options,
                     ConnectionHandler on_connection)
    : state_(std::make_shared<State>(io, key, options, std::move(on_connection))) {
  state_->acceptor.open(listen.protocol());
  state_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  state_->acceptor.bind(listen);
  state_->acceptor.listen(asio::socket_base::max_listen_connections);
  state_->accept_next();
}

TlsServer::~TlsServer() {
  stop();
}

void TlsServer::abort_all(const std::string& reason) {
  std::vector<std::shared_ptr<TlsConnection>> open;
  {
    const std::lock_guard lock(state_->mutex);
    for (const auto& weak : state_->connections) {
      if (auto connection = weak.lock()) open.push_back(std::move(connection));
    }
    state_->connections.clear();
  }
  for (const auto& connection : open) connection->abort(reason);
}

tcp::endpoint TlsServer::local_endpoint() const {
  return state_->acceptor.local_endpoint();
}

TlsServerStats TlsServer::stats() const {
  const std::lock_guard lock(state_->mutex);
  return state_->stats;
}

void TlsServer::stop() {
  // The acceptor belongs to the io_context's thread: close it there.
  asio::dispatch(state_->io, [state = state_]() {
    state->stopped = true;
    boost::system::error_code ignored;
    state->acceptor.close(ignored);
    state->retry_timer.cancel();
  });
}

}  // namespace parley::net
