// In-process super nodes on 127.0.0.1 with real TLS clients: attach
// authentication, call routing on one node and across two, relay offers and
// relayed media, failures coming back.
#include "overlay/relay_header.hpp"
#include "super_node_fixture.hpp"

namespace parley::overlay {
namespace {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using namespace std::chrono_literals;

class SuperNodeTest : public testing_support::SuperNodeFixture {};

TEST_F(SuperNodeTest, AttachesAUserWithCertificateAndProof) {
  const auto node = start_node();
  const auto client = attach(*node, alice);
  EXPECT_EQ(node->stats().users, 1U);
  // Anonymous attach still works beside it.
  auto anonymous = connect(*node);
  OverlayMessage plain;
  plain.mutable_attach()->set_node_name("anon");
  anonymous->send(plain);
  const auto ok = next(*anonymous, OverlayMessage::kAttachOk);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->attach_ok().user_id(), "");
  EXPECT_EQ(node->stats().clients, 2U);
  EXPECT_EQ(node->stats().users, 1U);
}

TEST_F(SuperNodeTest, RefusesAForgedProof) {
  const auto node = start_node();
  const auto client = connect(*node);
  auto message = attach_message(alice, client->connection->channel_binding());
  const auto forged = bob.key.sign(kAttachProofContext, client->connection->channel_binding());
  message.mutable_attach()->set_proof(std::string(forged.begin(), forged.end()));
  EXPECT_NE(refusal(*node, message, client).find("proof"), std::string::npos);
  EXPECT_EQ(node->stats().attaches_refused, 1U);
}

TEST_F(SuperNodeTest, RefusesAProofMadeForAnotherConnection) {
  const auto node = start_node();
  const auto first = connect(*node);
  const auto second = connect(*node);
  ASSERT_NE(first->connection->channel_binding(), second->connection->channel_binding());
  const auto replayed = attach_message(alice, first->connection->channel_binding());
  EXPECT_NE(refusal(*node, replayed, second).find("proof"), std::string::npos);
}

TEST_F(SuperNodeTest, RefusesACertificateFromAnotherLoginServer) {
  const auto node = start_node();
  const auto client = connect(*node);
  const auto other = identity::SigningKey::generate();
  const auto message = attach_message(alice, client->connection->channel_binding(), &other);
  EXPECT_NE(refusal(*node, message, client).find("certificate refused"), std::string::npos);
}

TEST_F(SuperNodeTest, RefusesAnExpiredCertificate) {
  const auto node = start_node();
  const auto client = connect(*node);
  const auto message = attach_message(alice, client->connection->channel_binding(), nullptr, -7200);
  EXPECT_NE(refusal(*node, message, client).find("certificate refused"), std::string::npos);
}

TEST_F(SuperNodeTest, WithoutALoginKeyTakesNoUsers) {
  const auto node = start_node(false);
  const auto client = connect(*node);
  const auto message = attach_message(alice, client->connection->channel_binding());
  EXPECT_EQ(refusal(*node, message, client), "this super node takes no users");
}

TEST_F(SuperNodeTest, RoutesACallOnOneNodeAsTheCertifiedUserWithARelay) {
  const auto node = start_node();
  const auto caller = attach(*node, alice);
  const auto callee = attach(*node, bob);
  auto invite = route("0123456789abcdef0123456789abcdef", CALL_SIGNAL_INVITE, "bob");
  invite.set_from_user("mallory");  // spoofing is overwritten
  invite.set_hops(2);
  caller->send(wrap(invite));
  const auto delivered = next(*callee, OverlayMessage::kCallRoute);
  ASSERT_TRUE(delivered);
  const auto& got = delivered->call_route();
  EXPECT_EQ(got.from_user(), "alice");
  EXPECT_EQ(got.payload(), "signed end to end");
  EXPECT_EQ(got.from_super_node(), node->self_address());
  EXPECT_EQ(got.hops(), 0U);
  EXPECT_EQ(got.relay().token().size(), kRelayTokenBytes);
  const auto offer = next(*caller, OverlayMessage::kRelayOffer);
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->relay_offer().call_id(), invite.call_id());
  EXPECT_EQ(offer->relay_offer().relay().host_port(), got.relay().host_port());
  EXPECT_NE(offer->relay_offer().relay().token(), got.relay().token());
  EXPECT_EQ(node->stats().relay_slots, 1U);
  // A hang-up by either party frees the slot.
  callee->send(wrap(route(invite.call_id(), CALL_SIGNAL_REJECT, "alice")));
  ASSERT_TRUE(next(*caller, OverlayMessage::kCallRoute));
  EXPECT_EQ(node->stats().relay_slots, 0U);
}

TEST_F(SuperNodeTest, ARouteToAnUnknownUserFailsBack) {
  const auto node = start_node();
  const auto caller = attach(*node, alice);
  caller->send(wrap(route("c1", CALL_SIGNAL_INVITE, "nobody")));
  const auto failed = next(*caller, OverlayMessage::kCallRouteFailed);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->call_route_failed().call_id(), "c1");
  EXPECT_EQ(failed->call_route_failed().reason(), "not attached here");
  EXPECT_EQ(node->stats().relay_slots, 0U);  // the slot went with the failed invite
}

TEST_F(SuperNodeTest, AnAnonymousClientCannotCall) {
  const auto node = start_node();
  const auto callee = attach(*node, bob);
  auto anonymous = connect(*node);
  OverlayMessage plain;
  plain.mutable_attach();
  anonymous->send(plain);
  ASSERT_TRUE(next(*anonymous, OverlayMessage::kAttachOk));
  anonymous->send(wrap(route("c1", CALL_SIGNAL_INVITE, "bob")));
  ASSERT_TRUE(next(*anonymous, OverlayMessage::kCallRouteFailed));
  EXPECT_TRUE(callee->inbox.empty());
}

TEST_F(SuperNodeTest, RoutesAcrossTwoSuperNodesAndRelaysTheMedia) {
  const auto first = start_node();
  const auto second = start_node();
  const auto& second_key = *node_keys.back();
  const auto caller = attach(*first, alice);
  const auto callee = attach(*second, bob);
  const std::string call_id = "00112233445566778899aabbccddeeff";
  auto invite = route(call_id, CALL_SIGNAL_INVITE, "bob", second.get(), &second_key);
  invite.set_from_user("mallory");
  caller->send(wrap(invite));
  const auto delivered = next(*callee, OverlayMessage::kCallRoute);
  ASSERT_TRUE(delivered);
  const auto& got = delivered->call_route();
  EXPECT_EQ(got.from_user(), "alice");
  EXPECT_EQ(got.hops(), 1U);
  EXPECT_EQ(got.from_super_node(), first->self_address());
  EXPECT_EQ(got.payload(), "signed end to end");
  const auto offer = next(*caller, OverlayMessage::kRelayOffer);
  ASSERT_TRUE(offer);

  // The callee answers through its own super node, to where the invite came from.
  CallRoute accept = route(call_id, CALL_SIGNAL_ACCEPT, "alice");
  accept.set_to_super_node(got.from_super_node());
  accept.set_to_super_node_key(got.from_super_node_key());
  callee->send(wrap(accept));
  const auto answered = next(*caller, OverlayMessage::kCallRoute);
  ASSERT_TRUE(answered);
  EXPECT_EQ(answered->call_route().from_user(), "bob");
  EXPECT_EQ(answered->call_route().kind(), CALL_SIGNAL_ACCEPT);

  // Media both ways through the caller's super node, which the accept activated.
  const auto relay = net::parse_host_port(offer->relay_offer().relay().host_port());
  ASSERT_TRUE(relay);
  const udp::endpoint relay_endpoint(asio::ip::make_address(relay->host), relay->port);
  udp::socket caller_media(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  udp::socket callee_media(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto send_media = [&](udp::socket& socket, const std::string& token,
                              const std::string& payload) {
    std::vector<std::uint8_t> datagram(kRelayHeaderBytes);
    RelayToken raw{};
    std::copy(token.begin(), token.end(), raw.begin());
    write_relay_header(
        raw, std::span<std::uint8_t, kRelayHeaderBytes>(datagram.data(), kRelayHeaderBytes));
    datagram.insert(datagram.end(), payload.begin(), payload.end());
    socket.send_to(asio::buffer(datagram), relay_endpoint);
  };
  std::string heard;
  std::array<char, 2048> buffer{};
  udp::endpoint from;
  caller_media.async_receive_from(asio::buffer(buffer), from,
                                  [&](const boost::system::error_code& error, std::size_t bytes) {
                                    if (!error) heard.assign(buffer.data(), bytes);
                                  });
  // The caller speaks first (latching it); the callee's packets then reach it.
  send_media(caller_media, offer->relay_offer().relay().token(), "srtp from alice");
  ASSERT_TRUE(run_until([&] { return first->stats().relay_dropped == 1; }));
  send_media(callee_media, got.relay().token(), "srtp from bob");
  ASSERT_TRUE(run_until([&] { return !heard.empty(); }));
  EXPECT_EQ(heard, "srtp from bob");
  EXPECT_EQ(first->stats().relayed_packets, 1U);

  // A route to someone the second node does not know fails back to the caller.
  caller->send(wrap(route("c2", CALL_SIGNAL_INVITE, "carol", second.get(), &second_key)));
  const auto failed = next(*caller, OverlayMessage::kCallRouteFailed);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->call_route_failed().call_id(), "c2");
  EXPECT_EQ(failed->call_route_failed().reason(), "not attached here");
}

TEST_F(SuperNodeTest, ARouteToAnUnreachableSuperNodeFailsBack) {
  const auto node = start_node();
  const auto caller = attach(*node, alice);
  // A port nothing listens on: bind one, note it, close it.
  std::uint16_t dead_port = 0;
  {
    net::tcp::acceptor probe(io, net::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    dead_port = probe.local_endpoint().port();
  }
  auto invite = route("c3", CALL_SIGNAL_INVITE, "bob");
  invite.set_to_super_node("127.0.0.1:" + std::to_string(dead_port));
  caller->send(wrap(invite));
  const auto failed = next(*caller, OverlayMessage::kCallRouteFailed);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->call_route_failed().reason(), "super node unreachable");
}

TEST_F(SuperNodeTest, OnlyTheSuperNodeARouteWentToCanFailIt) {
  const auto first = start_node();
  const auto second = start_node();
  const auto& second_key = *node_keys.back();
  const auto caller = attach(*first, alice);
  const auto callee = attach(*second, bob);
  caller->send(wrap(route("c1", CALL_SIGNAL_INVITE, "bob", second.get(), &second_key)));
  ASSERT_TRUE(next(*callee, OverlayMessage::kCallRoute));

  // A third super node, proving its own key, claims the call failed.
  const auto impostor_key = identity::SigningKey::generate();
  std::shared_ptr<net::TlsConnection> link;
  connect_tofu(
      io, net::HostPort{"127.0.0.1", first->local_endpoint().port()}, std::nullopt,
      net::ConnectionLimits{}, 3s,
      [&](std::shared_ptr<net::TlsConnection> connection, const std::string&) {
        link = std::move(connection);
      },
      &impostor_key);
  ASSERT_TRUE(run_until([&] { return link != nullptr; }));
  testing_support::TestClient impostor{link, {}, {}};
  link->start(
      [&](std::vector<std::uint8_t> bytes) {
        if (auto decoded = decode(bytes); decoded.message) {
          impostor.inbox.push_back(std::move(*decoded.message));
        }
      },
      [](const std::string&) {});
  impostor.send(make_hello());
  ASSERT_TRUE(next(impostor, OverlayMessage::kHello));
  OverlayMessage peer;
  peer.mutable_peer()->set_listen_host_port("127.0.0.1:1");
  const auto& bytes = impostor_key.public_key().bytes;
  peer.mutable_peer()->set_key(std::string(bytes.begin(), bytes.end()));
  impostor.send(peer);
  OverlayMessage failed;
  failed.mutable_call_route_failed()->set_call_id("c1");
  failed.mutable_call_route_failed()->set_reason("not attached here");
  impostor.send(failed);
  OverlayMessage alive;
  alive.mutable_keep_alive()->set_sequence(1);
  impostor.send(alive);
  ASSERT_TRUE(next(impostor, OverlayMessage::kKeepAliveAck));  // all of it was read
  caller->send(alive);
  ASSERT_TRUE(next(*caller, OverlayMessage::kKeepAliveAck));  // all sent to it has arrived
  for (const auto& message : caller->inbox) {
    EXPECT_FALSE(message.has_call_route_failed()) << "a forged failure reached the caller";
  }
  link->abort("done");
}

}  // namespace
}  // namespace parley::overlay
