// The TLS layer over real loopback sockets: one io_context runs server and
// clients in the test's thread; every wait is on an event, with a deadline.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "net/tls_client.hpp"
#include "net/tls_server.hpp"
#include "run_until.hpp"

namespace parley::net {
namespace {

using namespace std::chrono_literals;

std::vector<std::uint8_t> bytes_of(std::string_view text) {
  return {text.begin(), text.end()};
}

class TlsTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (auto& weak : server_connections_) {
      if (auto connection = weak.lock()) connection->abort("test over");
    }
    for (auto& connection : clients_) connection->abort("test over");
    clients_.clear();
    server_.reset();
    io_.restart();
    run_until([] { return false; }, 50ms);
  }

  // Runs the io_context until done() or the deadline; returns done().
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = 10s) {
    return test::run_until(io_, done, timeout, 20ms);
  }

  // Deadlines a loaded machine (sanitizers, two tests at once) never reaches
  // by accident; the tests of a deadline shorten theirs.
  static TlsServerOptions server_options() {
    TlsServerOptions options;
    options.limits.handshake_timeout = 5s;
    options.limits.frame_timeout = 5s;
    options.limits.idle_timeout = 0ms;
    return options;
  }

  // An echo server that records what its connections saw.
  void start_server(TlsServerOptions options, bool close_after_reply = false) {
    server_ = std::make_unique<TlsServer>(
        io_, server_key_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0), options,
        [this, close_after_reply](std::shared_ptr<TlsConnection> connection) {
          server_connections_.push_back(connection);
          server_peer_keys_.push_back(connection->peer_key());
          std::weak_ptr<TlsConnection> weak = connection;
          connection->start(
              [this, weak, close_after_reply](std::vector<std::uint8_t> message) {
                server_received_.push_back(message);
                if (auto self = weak.lock()) {
                  self->send(message);
                  if (close_after_reply) self->close("done");
                }
              },
              [this](const std::string& reason) { server_close_reasons_.push_back(reason); });
        });
  }

  HostPort server_address() const { return {"127.0.0.1", server_->local_endpoint().port()}; }

  struct Connected {
    std::shared_ptr<TlsConnection> connection;
    std::string error;
  };
  Connected connect(const identity::PublicKey& pinned,
                    const identity::SigningKey* client_key = nullptr) {
    TlsClientOptions options;
    options.pinned_server_key = pinned;
    options.client_key = client_key;
    options.limits.idle_timeout = 0ms;
    std::optional<Connected> result;
    connect_tls(io_, server_address(), options,
                [&](std::shared_ptr<TlsConnection> connection, const std::string& error) {
                  result = Connected{std::move(connection), error};
                });
    EXPECT_TRUE(run_until([&] { return result.has_value(); }));
    if (result && result->connection) clients_.push_back(result->connection);
    return result.value_or(Connected{nullptr, "timed out"});
  }

  // A client that completes the TLS handshake (pinned) and then writes raw
  // bytes, to break the framing rules a TlsConnection never breaks.
  struct RawClient {
    explicit RawClient(asio::io_context& io)
        : context(make_client_tls_context(nullptr)), stream(io, context) {}
    ssl::context context;
    ssl::stream<tcp::socket> stream;
    PinCheck pin;
    std::array<std::uint8_t, 64> buffer{};
  };
  std::unique_ptr<RawClient> raw_tls_client() {
    auto client = std::make_unique<RawClient>(io_);
    client->pin.expected = server_key_.public_key();
    pin_server_key(client->stream.native_handle(), &client->pin);
    client->stream.lowest_layer().connect(server_->local_endpoint());
    std::optional<boost::system::error_code> handshake;
    client->stream.async_handshake(
        ssl::stream_base::client,
        [&](const boost::system::error_code& error) { handshake = error; });
    EXPECT_TRUE(run_until([&] { return handshake.has_value(); }));
    EXPECT_FALSE(handshake.value_or(asio::error::timed_out)) << handshake->message();
    return client;
  }

  // Waits for the server to drop the raw client (its read ends).
  bool raw_client_dropped(RawClient& client, std::chrono::milliseconds timeout) {
    bool ended = false;
    client.stream.async_read_some(asio::buffer(client.buffer),
                                  [&](const boost::system::error_code& error, std::size_t) {
                                    ended = static_cast<bool>(error);
                                  });
    return run_until([&] { return ended; }, timeout);
  }

  asio::io_context io_;
  identity::SigningKey server_key_ = identity::SigningKey::generate();
  std::unique_ptr<TlsServer> server_;
  std::vector<std::weak_ptr<TlsConnection>> server_connections_;
  std::vector<std::optional<identity::PublicKey>> server_peer_keys_;
  std::vector<std::vector<std::uint8_t>> server_received_;
  std::vector<std::string> server_close_reasons_;
  std::vector<std::shared_ptr<TlsConnection>> clients_;
};

TEST_F(TlsTest, MessagesRoundTripOverPinnedTls13) {
  start_server(server_options());
  auto [client, error] = connect(server_key_.public_key());
  ASSERT_TRUE(client) << error;
  EXPECT_EQ(client->peer_key(), server_key_.public_key());
  std::vector<std::vector<std::uint8_t>> received;
  client->start([&](std::vector<std::uint8_t> message) { received.push_back(std::move(message)); },
                [](const std::string&) {});
  client->send(bytes_of("one"));
  client->send(std::vector<std::uint8_t>(kDefaultMaxFrameBytes, 0x5a));
  client->send(bytes_of("three"));
  ASSERT_TRUE(run_until([&] { return received.size() == 3; }));
  EXPECT_EQ(received[0], bytes_of("one"));
  EXPECT_EQ(received[1].size(), kDefaultMaxFrameBytes);
  EXPECT_EQ(received[2], bytes_of("three"));
}

TEST_F(TlsTest, ClientRefusesAServerWithAnotherKey) {
  start_server(server_options());
  const auto other = identity::SigningKey::generate();
  auto [client, error] = connect(other.public_key());
  EXPECT_FALSE(client);
  EXPECT_NE(error.find("server key mismatch"), std::string::npos) << error;
  EXPECT_NE(error.find(server_key_.public_key().to_text()), std::string::npos) << error;
  EXPECT_NE(error.find(other.public_key().to_text()), std::string::npos) << error;
}

TEST_F(TlsTest, ServerRefusesTls12) {
  start_server(server_options());
  ssl::context context(ssl::context::tls_client);
  SSL_CTX_set_max_proto_version(context.native_handle(), TLS1_2_VERSION);
  context.set_verify_mode(ssl::verify_none);
  ssl::stream<tcp::socket> stream(io_, context);
  stream.lowest_layer().connect(server_->local_endpoint());
  std::optional<boost::system::error_code> result;
  stream.async_handshake(ssl::stream_base::client,
                         [&](const boost::system::error_code& error) { result = error; });
  ASSERT_TRUE(run_until([&] { return result.has_value(); }));
  EXPECT_TRUE(*result) << "a TLS 1.2 handshake must fail";
  ASSERT_TRUE(run_until([&] { return server_->stats().handshakes_failed == 1; }));
  // Control: the same raw client allowed TLS 1.3 gets through, so the refusal is the version.
  auto client = raw_tls_client();
  EXPECT_EQ(SSL_version(client->stream.native_handle()), TLS1_3_VERSION);
}

TEST_F(TlsTest, ServerLearnsTheClientKeyWhenItAsks) {
  auto options = server_options();
  options.request_client_key = true;
  start_server(options);
  const auto client_key = identity::SigningKey::generate();
  auto [with_key, error] = connect(server_key_.public_key(), &client_key);
  ASSERT_TRUE(with_key) << error;
  auto [without_key, error2] = connect(server_key_.public_key());
  ASSERT_TRUE(without_key) << error2;
  ASSERT_TRUE(run_until([&] { return server_peer_keys_.size() == 2; }));
  EXPECT_EQ(server_peer_keys_[0], client_key.public_key());
  EXPECT_FALSE(server_peer_keys_[1].has_value());
}

TEST_F(TlsTest, PeerThatNeverHandshakesIsDropped) {
  auto options = server_options();
  options.limits.handshake_timeout = 300ms;
  start_server(options);
  tcp::socket socket(io_);
  socket.connect(server_->local_endpoint());
  std::array<std::uint8_t, 16> buffer{};
  std::optional<boost::system::error_code> read;
  const auto start = std::chrono::steady_clock::now();
  socket.async_read_some(asio::buffer(buffer), [&](const boost::system::error_code& error,
                                                   std::size_t) { read = error; });
  ASSERT_TRUE(run_until([&] { return read.has_value(); }, 5s));
  EXPECT_EQ(*read, asio::error::eof);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 250ms);
  EXPECT_TRUE(run_until([&] { return server_->stats().handshakes_failed == 1; }));
}

TEST_F(TlsTest, PartialFrameIsDroppedAfterTheFrameDeadline) {
  auto options = server_options();
  options.limits.frame_timeout = 300ms;
  start_server(options);
  auto client = raw_tls_client();
  const std::vector<std::uint8_t> half_header = {0, 0};
  asio::write(client->stream, asio::buffer(half_header));
  ASSERT_TRUE(raw_client_dropped(*client, 5s));
  ASSERT_TRUE(run_until([&] { return server_close_reasons_.size() == 1; }));
  EXPECT_EQ(server_close_reasons_[0], "no complete frame within 300 ms");
}

TEST_F(TlsTest, TricklingBytesDoesNotExtendTheFrameDeadline) {
  auto options = server_options();
  options.limits.frame_timeout = 400ms;
  start_server(options);
  auto client = raw_tls_client();
  const auto start = std::chrono::steady_clock::now();
  // A header that promises 100 bytes, then one byte every 50 ms: all bytes
  // would take 5 s; the frame must be refused at about 400 ms.
  const std::vector<std::uint8_t> header = {0, 0, 0, 100};
  asio::write(client->stream, asio::buffer(header));
  asio::steady_timer ticker(io_);
  std::function<void()> tick = [&] {
    ticker.expires_after(50ms);
    ticker.async_wait([&](const boost::system::error_code& error) {
      if (error) return;
      const std::uint8_t byte = 'x';
      boost::system::error_code ignored;
      asio::write(client->stream, asio::buffer(&byte, 1), ignored);
      if (!ignored) tick();
    });
  };
  tick();
  ASSERT_TRUE(run_until([&] { return !server_close_reasons_.empty(); }, 5s));
  ticker.cancel();
  EXPECT_EQ(server_close_reasons_[0], "no complete frame within 400 ms");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
}

TEST_F(TlsTest, OversizeFrameClosesTheConnection) {
  start_server(server_options());
  auto client = raw_tls_client();
  const std::vector<std::uint8_t> header = {0x00, 0x01, 0x00, 0x01};  // 65537 bytes
  asio::write(client->stream, asio::buffer(header));
  ASSERT_TRUE(raw_client_dropped(*client, 5s));
  ASSERT_TRUE(run_until([&] { return server_close_reasons_.size() == 1; }));
  EXPECT_EQ(server_close_reasons_[0], "frame of 65537 bytes exceeds the limit of 65536 bytes");
}

TEST_F(TlsTest, ZeroLengthFrameClosesTheConnection) {
  start_server(server_options());
  auto client = raw_tls_client();
  const std::vector<std::uint8_t> header = {0, 0, 0, 0};
  asio::write(client->stream, asio::buffer(header));
  ASSERT_TRUE(raw_client_dropped(*client, 5s));
  ASSERT_TRUE(run_until([&] { return server_close_reasons_.size() == 1; }));
  EXPECT_EQ(server_close_reasons_[0], "zero-length frame");
}

TEST_F(TlsTest, IdlePeerIsDropped) {
  auto options = server_options();
  options.limits.idle_timeout = 200ms;
  start_server(options);
  auto [client, error] = connect(server_key_.public_key());
  ASSERT_TRUE(client) << error;
  std::optional<std::string> closed;
  client->start([](std::vector<std::uint8_t>) {},
                [&](const std::string& reason) { closed = reason; });
  ASSERT_TRUE(run_until([&] { return closed.has_value(); }, 5s));
  EXPECT_EQ(*closed, "peer closed the connection");
  ASSERT_EQ(server_close_reasons_.size(), 1U);
  EXPECT_EQ(server_close_reasons_[0], "idle for 200 ms");
}

TEST_F(TlsTest, CloseDeliversQueuedMessagesFirst) {
  start_server(server_options(), /*close_after_reply=*/true);
  auto [client, error] = connect(server_key_.public_key());
  ASSERT_TRUE(client) << error;
  std::vector<std::vector<std::uint8_t>> received;
  std::optional<std::string> closed;
  client->start([&](std::vector<std::uint8_t> message) { received.push_back(std::move(message)); },
                [&](const std::string& reason) { closed = reason; });
  client->send(bytes_of("last words"));
  ASSERT_TRUE(run_until([&] { return closed.has_value(); }));
  ASSERT_EQ(received.size(), 1U);
  EXPECT_EQ(received[0], bytes_of("last words"));
  EXPECT_EQ(server_close_reasons_, std::vector<std::string>{"done"});
}

TEST_F(TlsTest, PerAddressLimitRefusesBeforeTls) {
  auto options = server_options();
  options.max_connections_per_address = 2;
  start_server(options);
  auto first = connect(server_key_.public_key());
  auto second = connect(server_key_.public_key());
  ASSERT_TRUE(first.connection) << first.error;
  ASSERT_TRUE(second.connection) << second.error;
  auto third = connect(server_key_.public_key());
  EXPECT_FALSE(third.connection);
  EXPECT_EQ(server_->stats().refused_over_address, 1U);
  EXPECT_EQ(server_->stats().handshakes_failed, 0U);  // refused before any TLS work
  // Closing one frees its place.
  first.connection->abort("making room");
  ASSERT_TRUE(run_until([&] { return server_->stats().open == 1; }));
  auto fourth = connect(server_key_.public_key());
  EXPECT_TRUE(fourth.connection) << fourth.error;
}

TEST_F(TlsTest, TotalLimitRefusesBeforeTls) {
  auto options = server_options();
  options.max_connections = 1;
  start_server(options);
  auto first = connect(server_key_.public_key());
  ASSERT_TRUE(first.connection) << first.error;
  auto second = connect(server_key_.public_key());
  EXPECT_FALSE(second.connection);
  EXPECT_EQ(server_->stats().refused_over_total, 1U);
}

TEST_F(TlsTest, AbortAllClosesEveryOpenConnection) {
  start_server(server_options());
  std::vector<std::string> closed;
  for (int i = 0; i < 3; ++i) {
    auto [client, error] = connect(server_key_.public_key());
    ASSERT_TRUE(client) << error;
    client->start([](std::vector<std::uint8_t>) {},
                  [&](const std::string& reason) { closed.push_back(reason); });
  }
  // Started on the server side too (handshake done, handlers installed).
  ASSERT_TRUE(run_until([&] { return server_connections_.size() == 3; }));
  server_->abort_all("shutting down");
  ASSERT_TRUE(run_until([&] { return closed.size() == 3 && server_->stats().open == 0; }));
  EXPECT_EQ(server_close_reasons_, std::vector<std::string>(3, "shutting down"));
}

TEST_F(TlsTest, OversizeSendFailsAtTheSender) {
  start_server(server_options());
  auto [client, error] = connect(server_key_.public_key());
  ASSERT_TRUE(client) << error;
  EXPECT_THROW(client->send(std::vector<std::uint8_t>(kDefaultMaxFrameBytes + 1, 1)),
               std::length_error);
  EXPECT_THROW(client->send({}), std::length_error);
}

TEST_F(TlsTest, BlockingChannelRequestAndAnswer) {
  start_server(server_options());
  // The channel runs its own io_context; the server's runs on a thread here.
  std::thread server_thread([this] {
    auto guard = asio::make_work_guard(io_);
    io_.run_for(10s);
  });
  {
    TlsClientOptions options;
    options.pinned_server_key = server_key_.public_key();
    BlockingChannel channel(server_address(), options);
    channel.send(bytes_of("ping"));
    EXPECT_EQ(channel.receive(5s), bytes_of("ping"));
    options.pinned_server_key = identity::SigningKey::generate().public_key();
    EXPECT_THROW(BlockingChannel(server_address(), options), NetError);
  }
  io_.stop();
  server_thread.join();
}

}  // namespace
}  // namespace parley::net
