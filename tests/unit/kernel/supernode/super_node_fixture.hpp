// The fixture of the super node tests: in-process super nodes on 127.0.0.1,
// hand-driven TLS clients, users with certificates from the test's own login
// server. Every wait is on an observed event with a deadline.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <deque>
#include <functional>

#include "call/call_signal.hpp"
#include "identity/certificate.hpp"
#include "overlay/client_node.hpp"
#include "overlay/overlay_messages.hpp"
#include "overlay/super_node.hpp"
#include "overlay/tofu_connect.hpp"

namespace parley::overlay::testing_support {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using namespace std::chrono_literals;

// A hand-driven overlay client: what it receives waits in inbox.
struct TestClient {
  std::shared_ptr<net::TlsConnection> connection;
  std::deque<OverlayMessage> inbox;
  std::optional<std::string> closed;

  void send(const OverlayMessage& message) const { connection->send(encode(message)); }
};

struct User {
  std::string id;
  identity::SigningKey key = identity::SigningKey::generate();
};

class SuperNodeFixture : public testing::Test {
 protected:
  // adjust, when given, changes the options before the node starts.
  std::unique_ptr<SuperNode> start_node(
      bool with_login_key = true, DirectoryService* directory = nullptr,
      const std::function<void(SuperNodeOptions&)>& adjust = nullptr) {
    SuperNodeOptions options;
    options.listen = net::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0);
    options.stun = udp::endpoint(asio::ip::make_address("127.0.0.1"), 0);
    if (with_login_key) options.login_server_key = login.public_key();
    options.directory = directory;
    if (adjust) adjust(options);
    node_keys.push_back(std::make_unique<identity::SigningKey>(identity::SigningKey::generate()));
    return std::make_unique<SuperNode>(io, *node_keys.back(), options,
                                       [](const std::string& line) { (void)line; });
  }

  bool run_until(const std::function<bool()>& done,
                 std::chrono::steady_clock::duration limit = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    // done is asked once per round: it may act (send, pop) as well as look.
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      io.run_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  // Connected, Hello exchanged. tls_key, when given, is the key the client
  // proves in the TLS handshake, as a super node peering with another does.
  std::shared_ptr<TestClient> connect(const SuperNode& node,
                                      const identity::SigningKey* tls_key = nullptr) {
    auto client = std::make_shared<TestClient>();
    std::string error;
    bool done = false;
    const auto port = node.local_endpoint().port();
    connect_tofu(
        io, net::HostPort{"127.0.0.1", port}, std::nullopt, net::ConnectionLimits{}, 3s,
        [&](std::shared_ptr<net::TlsConnection> connection, const std::string& failure) {
          client->connection = std::move(connection);
          error = failure;
          done = true;
        },
        tls_key);
    EXPECT_TRUE(run_until([&] { return done; }));
    EXPECT_TRUE(client->connection) << error;
    if (!client->connection) return client;
    std::weak_ptr<TestClient> weak = client;
    client->connection->start(
        [weak](std::vector<std::uint8_t> bytes) {
          auto decoded = decode(bytes);
          if (auto self = weak.lock(); self && decoded.message) {
            self->inbox.push_back(std::move(*decoded.message));
          }
        },
        [weak](const std::string& reason) {
          if (auto self = weak.lock()) self->closed = reason;
        });
    client->send(make_hello());
    EXPECT_TRUE(next(*client, OverlayMessage::kHello));
    return client;
  }

  std::optional<OverlayMessage> next(
      TestClient& client, OverlayMessage::BodyCase body,
      std::chrono::steady_clock::duration limit = std::chrono::seconds(5)) {
    std::optional<OverlayMessage> found;
    run_until(
        [&] {
          for (auto message = client.inbox.begin(); message != client.inbox.end(); ++message) {
            if (message->body_case() != body) continue;
            found = std::move(*message);
            client.inbox.erase(message);
            return true;
          }
          return false;
        },
        limit);
    return found;
  }

  std::vector<std::uint8_t> certificate(const User& user, const identity::SigningKey& issuer,
                                        std::int64_t not_before_s, std::int64_t not_after_s) {
    return identity::encode_certificate(identity::issue_certificate(
        issuer, user.id, user.key.public_key(), not_before_s, not_after_s, ++serial));
  }

  OverlayMessage attach_message(const User& user, const net::ChannelBinding& binding,
                                const identity::SigningKey* issuer = nullptr,
                                std::int64_t valid_from_now_s = -60) {
    const auto now_s = identity::unix_seconds(identity::Clock::now());
    const auto cert = certificate(user, issuer != nullptr ? *issuer : login,
                                  now_s + valid_from_now_s, now_s + valid_from_now_s + 3600);
    const auto proof = user.key.sign(kAttachProofContext, binding);
    OverlayMessage message;
    message.mutable_attach()->set_node_name("test");
    message.mutable_attach()->set_certificate(std::string(cert.begin(), cert.end()));
    message.mutable_attach()->set_proof(std::string(proof.begin(), proof.end()));
    return message;
  }

  // A client attached as user; the AttachOk is checked.
  std::shared_ptr<TestClient> attach(const SuperNode& node, const User& user) {
    auto client = connect(node);
    client->send(attach_message(user, client->connection->channel_binding()));
    const auto ok = next(*client, OverlayMessage::kAttachOk);
    EXPECT_TRUE(ok);
    if (ok) {
      EXPECT_EQ(ok->attach_ok().user_id(), user.id);
      EXPECT_EQ(ok->attach_ok().super_node(), node.self_address());
    }
    return client;
  }

  std::string refusal(const SuperNode& node, const OverlayMessage& attach,
                      const std::shared_ptr<TestClient>& client) {
    client->send(attach);
    const auto refused = next(*client, OverlayMessage::kAttachRefused);
    EXPECT_TRUE(run_until([&] { return client->closed.has_value(); }));
    (void)node;
    return refused ? refused->attach_refused().reason() : "(no refusal)";
  }

  // A call id of 32 lowercase hex digits, distinct per n.
  static std::string call_id(int n) {
    auto text = std::to_string(n);
    return std::string(32 - text.size(), '0') + text;
  }

  // A SignedCallMessage of that kind from `from` to `to`, as a call engine signs it.
  std::string signed_payload(const User& from, const std::string& to, const std::string& id,
                             CallSignalKind kind) {
    call::CallMessage message;
    message.set_call_id(id);
    message.set_from_user(from.id);
    message.set_to_user(to);
    message.set_sequence(++sequence);
    message.set_sent_at_ms(
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                       identity::Clock::now().time_since_epoch())
                                       .count()));
    switch (kind) {
      case CALL_SIGNAL_INVITE: message.mutable_invite()->set_handshake_hello("hello"); break;
      case CALL_SIGNAL_RINGING: message.mutable_ringing(); break;
      case CALL_SIGNAL_ACCEPT: message.mutable_accept()->set_handshake_reply("reply"); break;
      case CALL_SIGNAL_CONFIRM: message.mutable_confirm()->set_handshake_finish("finish"); break;
      case CALL_SIGNAL_REJECT: message.mutable_reject(); break;
      case CALL_SIGNAL_BUSY: message.mutable_busy(); break;
      case CALL_SIGNAL_CANCEL: message.mutable_cancel(); break;
      default: message.mutable_hangup(); break;
    }
    const auto now_s = identity::unix_seconds(identity::Clock::now());
    const auto cert = certificate(from, login, now_s - 60, now_s + 3600);
    const auto bytes = call::sign_call_message(message, from.key, cert);
    return {bytes.begin(), bytes.end()};
  }

  // A route as from's client sends it, with a payload from signed as from.
  CallRoute route(const User& from, const std::string& id, CallSignalKind kind,
                  const std::string& to, const SuperNode* to_node = nullptr,
                  const identity::SigningKey* to_key = nullptr) {
    CallRoute out;
    out.set_call_id(id);
    out.set_kind(kind);
    out.set_to_user(to);
    out.set_payload(signed_payload(from, to, id, kind));
    if (to_node != nullptr) out.set_to_super_node(to_node->self_address());
    if (to_key != nullptr) {
      const auto& bytes = to_key->public_key().bytes;
      out.set_to_super_node_key(std::string(bytes.begin(), bytes.end()));
    }
    return out;
  }

  static OverlayMessage wrap(const CallRoute& route) {
    OverlayMessage message;
    *message.mutable_call_route() = route;
    return message;
  }

  asio::io_context io;
  // Keeps run_for() running while nothing is pending (it would stop the context).
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  identity::SigningKey login = identity::SigningKey::generate();
  std::vector<std::unique_ptr<identity::SigningKey>> node_keys;
  std::uint64_t serial = 0;
  std::uint64_t sequence = 0;
  User alice{"alice"};
  User bob{"bob"};
};

}  // namespace parley::overlay::testing_support
