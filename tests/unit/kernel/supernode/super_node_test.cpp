// In-process super nodes on 127.0.0.1 with real TLS clients: attach
// authentication, call routing on one node and across two, relay offers and
// relayed media, failures coming back.
#include "overlay/relay_header.hpp"
#include "overlay/stun_binding.hpp"
#include "super_node_fixture.hpp"

namespace parley::overlay {
namespace {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using namespace std::chrono_literals;

class SuperNodeTest : public testing_support::SuperNodeFixture {
 protected:
  // A peer link to node proving key and claiming to listen at claimed: a
  // super node, or anyone with a TLS key.
  std::shared_ptr<testing_support::TestClient> peer_as(const SuperNode& node,
                                                       const identity::SigningKey& peer_key,
                                                       const std::string& claimed) {
    auto client = connect(node, &peer_key);
    if (!client->connection) return client;
    OverlayMessage peer;
    peer.mutable_peer()->set_listen_host_port(claimed);
    const auto& bytes = peer_key.public_key().bytes;
    peer.mutable_peer()->set_key(std::string(bytes.begin(), bytes.end()));
    client->send(peer);
    return client;
  }

  // Everything sent to client before this has arrived, and everything it sent was read.
  void round_trip(testing_support::TestClient& client) {
    OverlayMessage alive;
    alive.mutable_keep_alive()->set_sequence(++round_trips);
    client.send(alive);
    ASSERT_TRUE(next(client, OverlayMessage::kKeepAliveAck));
  }

  std::uint64_t round_trips = 0;
};

// A media socket as a client's media session uses it with a relay: it keeps
// the last latch challenge and what else it hears.
struct MediaSocket {
  explicit MediaSocket(asio::io_context& io)
      : socket(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    receive();
  }
  void receive() {
    socket.async_receive_from(
        asio::buffer(buffer), from, [this](const boost::system::error_code& error, std::size_t n) {
          if (error) return;
          const auto parsed = parse_relay_datagram(std::span(buffer.data(), n));
          if (parsed && parsed->kind == RelayKind::latch_challenge) {
            challenge.emplace();
            std::copy(parsed->payload.begin(), parsed->payload.end(), challenge->begin());
          } else {
            heard.emplace_back(reinterpret_cast<const char*>(buffer.data()), n);
          }
          receive();
        });
  }
  void send(const udp::endpoint& relay, const std::string& token, RelayKind kind,
            const std::string& payload) {
    std::vector<std::uint8_t> datagram(kRelayHeaderBytes);
    RelayToken raw{};
    std::copy_n(token.begin(), std::min(token.size(), raw.size()), raw.begin());
    write_relay_header(
        raw, std::span<std::uint8_t, kRelayHeaderBytes>(datagram.data(), kRelayHeaderBytes), kind);
    datagram.insert(datagram.end(), payload.begin(), payload.end());
    socket.send_to(asio::buffer(datagram), relay);
  }
  udp::socket socket;
  std::array<std::uint8_t, 2048> buffer{};
  udp::endpoint from;
  std::optional<RelayCookie> challenge;
  std::deque<std::string> heard;
};

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
  auto invite = route(alice, call_id(1), CALL_SIGNAL_INVITE, "bob");
  invite.set_from_user("mallory");  // spoofing is overwritten
  invite.set_hops(2);
  caller->send(wrap(invite));
  const auto delivered = next(*callee, OverlayMessage::kCallRoute);
  ASSERT_TRUE(delivered);
  const auto& got = delivered->call_route();
  EXPECT_EQ(got.from_user(), "alice");
  EXPECT_EQ(got.payload(), invite.payload());
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
  callee->send(wrap(route(bob, invite.call_id(), CALL_SIGNAL_REJECT, "alice")));
  ASSERT_TRUE(next(*caller, OverlayMessage::kCallRoute));
  EXPECT_EQ(node->stats().relay_slots, 0U);
}

TEST_F(SuperNodeTest, ARouteToAnUnknownUserFailsBack) {
  const auto node = start_node();
  const auto caller = attach(*node, alice);
  caller->send(wrap(route(alice, call_id(1), CALL_SIGNAL_INVITE, "nobody")));
  const auto failed = next(*caller, OverlayMessage::kCallRouteFailed);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->call_route_failed().call_id(), call_id(1));
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
  anonymous->send(wrap(route(alice, call_id(1), CALL_SIGNAL_INVITE, "bob")));
  ASSERT_TRUE(next(*anonymous, OverlayMessage::kCallRouteFailed));
  EXPECT_TRUE(callee->inbox.empty());
}

TEST_F(SuperNodeTest, RoutesAcrossTwoSuperNodesAndRelaysTheMedia) {
  const auto first = start_node();
  const auto second = start_node();
  const auto& second_key = *node_keys.back();
  const auto caller = attach(*first, alice);
  const auto callee = attach(*second, bob);
  const std::string id = call_id(7);
  auto invite = route(alice, id, CALL_SIGNAL_INVITE, "bob", second.get(), &second_key);
  invite.set_from_user("mallory");
  caller->send(wrap(invite));
  const auto delivered = next(*callee, OverlayMessage::kCallRoute);
  ASSERT_TRUE(delivered);
  const auto& got = delivered->call_route();
  EXPECT_EQ(got.from_user(), "alice");
  EXPECT_EQ(got.hops(), 1U);
  EXPECT_EQ(got.from_super_node(), first->self_address());
  EXPECT_EQ(got.payload(), invite.payload());
  const auto offer = next(*caller, OverlayMessage::kRelayOffer);
  ASSERT_TRUE(offer);

  // The callee answers through its own super node, to where the invite came from.
  CallRoute accept = route(bob, id, CALL_SIGNAL_ACCEPT, "alice");
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
  MediaSocket caller_media(io);
  MediaSocket callee_media(io);
  // Each side speaks, is challenged and echoes the cookie, as a media session does.
  for (auto* side : {&caller_media, &callee_media}) {
    const auto& token =
        side == &caller_media ? offer->relay_offer().relay().token() : got.relay().token();
    side->send(relay_endpoint, token, RelayKind::data, "hello");
    ASSERT_TRUE(run_until([&] { return side->challenge.has_value(); }));
    side->send(relay_endpoint, token, RelayKind::latch_response,
               std::string(side->challenge->begin(), side->challenge->end()));
  }
  ASSERT_TRUE(run_until([&] { return first->stats().relay_latched == 2; }));
  callee_media.send(relay_endpoint, got.relay().token(), RelayKind::data, "srtp from bob");
  ASSERT_TRUE(run_until([&] { return !caller_media.heard.empty(); }));
  EXPECT_EQ(caller_media.heard.front(), "srtp from bob");
  EXPECT_EQ(first->stats().relayed_packets, 1U);
  // The link first opened for the route is not a peering: nothing learnt from it.
  EXPECT_EQ(first->stats().known_super_nodes, 0U);

  // A route to someone the second node does not know fails back to the caller.
  caller->send(
      wrap(route(alice, call_id(2), CALL_SIGNAL_INVITE, "carol", second.get(), &second_key)));
  const auto failed = next(*caller, OverlayMessage::kCallRouteFailed);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->call_route_failed().call_id(), call_id(2));
  EXPECT_EQ(failed->call_route_failed().reason(), "not attached here");
}

// A link opened only to forward a route is not a peering: it closes once no
// route has used it for route_link_idle (60 s by default; 1 s here).
TEST_F(SuperNodeTest, ALinkOpenedOnlyForRoutesClosesWhenIdle) {
  const auto first =
      start_node(true, nullptr, [](SuperNodeOptions& options) { options.route_link_idle = 1s; });
  const auto second = start_node();
  const auto& second_key = *node_keys.back();
  const auto caller = attach(*first, alice);
  const auto callee = attach(*second, bob);
  // The link is last used no earlier than the route is sent: it may close
  // no sooner than the idle time after that.
  const auto sent = std::chrono::steady_clock::now();
  caller->send(
      wrap(route(alice, call_id(5), CALL_SIGNAL_INVITE, "bob", second.get(), &second_key)));
  ASSERT_TRUE(next(*callee, OverlayMessage::kCallRoute));
  EXPECT_EQ(first->stats().peers, 1U);
  ASSERT_TRUE(
      run_until([&] { return first->stats().peers == 0 && second->stats().peers == 0; }, 5s))
      << "the idle route link stayed open";
  EXPECT_GE(std::chrono::steady_clock::now() - sent, 1s) << "closed before it was idle";
  // The users' own links are untouched.
  EXPECT_EQ(first->stats().users, 1U);
  EXPECT_EQ(second->stats().users, 1U);
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
  // Named by key, as a callee's signed presence names its super node.
  const auto dead_key = identity::SigningKey::generate();
  auto invite = route(alice, call_id(3), CALL_SIGNAL_INVITE, "bob");
  invite.set_to_super_node("127.0.0.1:" + std::to_string(dead_port));
  const auto& key_bytes = dead_key.public_key().bytes;
  invite.set_to_super_node_key(std::string(key_bytes.begin(), key_bytes.end()));
  caller->send(wrap(invite));
  ASSERT_TRUE(next(*caller, OverlayMessage::kRelayOffer));
  const auto failed = next(*caller, OverlayMessage::kCallRouteFailed);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->call_route_failed().reason(), "super node unreachable");
  EXPECT_EQ(node->stats().relay_slots, 0U);  // the failed invite's slot is back at once
}

TEST_F(SuperNodeTest, DialsOnlySuperNodesARouteNamesByKeyOrThatItKnows) {
  const auto node = start_node();
  const auto caller = attach(*node, alice);
  // A port that listens: a route without a key must not make the node dial it.
  net::tcp::acceptor target(io, net::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  auto invite = route(alice, call_id(4), CALL_SIGNAL_INVITE, "bob");
  invite.set_to_super_node("127.0.0.1:" + std::to_string(target.local_endpoint().port()));
  caller->send(wrap(invite));
  const auto failed = next(*caller, OverlayMessage::kCallRouteFailed);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->call_route_failed().reason(),
            "unknown super node: the route must name its key");
  EXPECT_EQ(node->stats().relay_slots, 0U);
  EXPECT_EQ(node->stats().known_super_nodes, 0U);
}

TEST_F(SuperNodeTest, ARouteWhosePayloadSaysOtherwiseIsRefused) {
  const auto node = start_node();
  const auto caller = attach(*node, alice);
  const auto callee = attach(*node, bob);
  auto forged = route(alice, call_id(5), CALL_SIGNAL_ACCEPT, "bob");
  forged.set_payload(signed_payload(alice, "bob", call_id(5), CALL_SIGNAL_RINGING));
  caller->send(wrap(forged));  // the kind differs
  auto other_call = route(alice, call_id(6), CALL_SIGNAL_INVITE, "bob");
  other_call.set_call_id(call_id(66));  // the call id differs
  caller->send(wrap(other_call));
  auto not_hers = route(bob, call_id(7), CALL_SIGNAL_INVITE, "alice");
  caller->send(wrap(not_hers));  // signed by bob: alice cannot send it
  for (int i = 0; i < 3; ++i) {
    const auto failed = next(*caller, OverlayMessage::kCallRouteFailed);
    ASSERT_TRUE(failed);
    EXPECT_EQ(failed->call_route_failed().reason(),
              "the signed call message does not match the route");
  }
  EXPECT_EQ(node->stats().routes_unverified, 3U);
  EXPECT_EQ(node->stats().relay_slots, 0U);
  EXPECT_TRUE(callee->inbox.empty());
}

TEST_F(SuperNodeTest, NoRelaySlotForACallToOneself) {
  const auto node = start_node();
  const auto caller = attach(*node, alice);
  caller->send(wrap(route(alice, call_id(8), CALL_SIGNAL_INVITE, "alice")));
  ASSERT_TRUE(next(*caller, OverlayMessage::kCallRoute));  // delivered, as any call
  EXPECT_EQ(node->stats().relay_slots, 0U);
  for (const auto& message : caller->inbox) EXPECT_FALSE(message.has_relay_offer());
}

// Connections over the per-address limit are closed before TLS and counted,
// as are handshakes that never finish; the exit line names both.
TEST_F(SuperNodeTest, CountsRefusedConnectionsAndFailedHandshakes) {
  const auto node = start_node(true, nullptr, [](SuperNodeOptions& options) {
    options.config.max_connections_per_address = 3;
    options.config.connect_timeout = std::chrono::milliseconds(150);  // handshakes: 300 ms
  });
  std::vector<std::unique_ptr<net::tcp::socket>> flood;
  for (int i = 0; i < 5; ++i) {
    flood.push_back(std::make_unique<net::tcp::socket>(io));
    flood.back()->connect(node->local_endpoint());
  }
  // Two over the limit at once; the three admitted never say a word.
  ASSERT_TRUE(run_until([&] {
    const auto stats = node->stats();
    return stats.connections_refused == 2 && stats.handshakes_failed == 3;
  })) << node->stats().connections_refused
      << " refused, " << node->stats().handshakes_failed << " failed";
  const auto named = node->stats().named();
  const auto value_of = [&](std::string_view name) {
    const auto found = std::find_if(named.begin(), named.end(),
                                    [&](const auto& entry) { return entry.first == name; });
    return found == named.end() ? std::optional<std::uint64_t>() : found->second;
  };
  EXPECT_EQ(value_of("refused_connections"), 2U);
  EXPECT_EQ(value_of("failed_handshakes"), 3U);
}

TEST_F(SuperNodeTest, StunAnswersAreMeteredPerSource) {
  const auto node = start_node();
  const auto stun = node->stun_endpoint();
  ASSERT_TRUE(stun);
  udp::socket asker(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  for (std::uint8_t i = 0; i < 60; ++i) {
    StunTransactionId id{};
    id[0] = i;
    asker.send_to(asio::buffer(make_binding_request(id)), *stun);
  }
  ASSERT_TRUE(run_until([&] {
    const auto stats = node->stats();
    return stats.stun_answers + stats.stun_limited == 60;
  }));
  // A burst of 40, then 20 a second: a few more at most while the test runs.
  EXPECT_LE(node->stats().stun_answers, 45U);
  EXPECT_GE(node->stats().stun_limited, 15U);
}

TEST_F(SuperNodeTest, OnlyTheSuperNodeARouteWentToCanFailIt) {
  const auto first = start_node();
  const auto second = start_node();
  const auto& second_key = *node_keys.back();
  const auto caller = attach(*first, alice);
  const auto callee = attach(*second, bob);
  caller->send(
      wrap(route(alice, call_id(1), CALL_SIGNAL_INVITE, "bob", second.get(), &second_key)));
  ASSERT_TRUE(next(*callee, OverlayMessage::kCallRoute));

  // A third super node, proving its own key, claims the call failed.
  const auto impostor_key = identity::SigningKey::generate();
  const auto impostor = peer_as(*first, impostor_key, "127.0.0.1:1");
  ASSERT_TRUE(impostor->connection);
  OverlayMessage failed;
  failed.mutable_call_route_failed()->set_call_id(call_id(1));
  failed.mutable_call_route_failed()->set_reason("not attached here");
  impostor->send(failed);
  round_trip(*impostor);  // all of it was read
  ASSERT_FALSE(HasFatalFailure());
  round_trip(*caller);  // all sent to it has arrived
  ASSERT_FALSE(HasFatalFailure());
  for (const auto& message : caller->inbox) {
    EXPECT_FALSE(message.has_call_route_failed()) << "a forged failure reached the caller";
  }
  impostor->connection->abort("done");
}

// The review's fake peer: any TLS key can peer. Its routes count only when
// the signed payload says the same; so it can neither accept a call for the
// callee (activating the relay slot) nor end one for the caller.
TEST_F(SuperNodeTest, APeerCannotForgeRoutesInAUsersName) {
  const auto first = start_node();
  const auto second = start_node();
  const auto& second_key = *node_keys.back();
  const auto caller = attach(*first, alice);
  const auto callee = attach(*second, bob);
  const auto id = call_id(9);
  caller->send(wrap(route(alice, id, CALL_SIGNAL_INVITE, "bob", second.get(), &second_key)));
  ASSERT_TRUE(next(*callee, OverlayMessage::kCallRoute));
  ASSERT_TRUE(next(*caller, OverlayMessage::kRelayOffer));

  const auto fake_key = identity::SigningKey::generate();
  const auto fake = peer_as(*first, fake_key, "127.0.0.1:1");
  auto accept = route(bob, id, CALL_SIGNAL_ACCEPT, "alice");
  accept.set_from_user("bob");
  accept.set_payload("forged");  // not signed by bob
  fake->send(wrap(accept));
  auto relabelled = route(bob, id, CALL_SIGNAL_RINGING, "alice");
  relabelled.set_from_user("bob");
  relabelled.set_kind(CALL_SIGNAL_ACCEPT);  // bob's real ringing, called an accept
  fake->send(wrap(relabelled));
  auto hangup = route(alice, id, CALL_SIGNAL_HANGUP, "bob");
  hangup.set_from_user("bob");  // alice's hang-up, claimed as bob's
  fake->send(wrap(hangup));
  round_trip(*fake);
  round_trip(*caller);
  EXPECT_EQ(first->stats().routes_unverified, 3U);
  EXPECT_EQ(first->stats().relay_slots, 1U);  // still there, still pending
  for (const auto& message : caller->inbox) EXPECT_FALSE(message.has_call_route());
  // Media on the caller's token relays nothing: the slot was never activated.
  EXPECT_EQ(first->stats().relay_challenges, 0U);
}

// Two users' routes with one call id to the same super node: a failure of
// one must still find the other (an origin is per call id and sender).
TEST_F(SuperNodeTest, RouteOriginsAreKeptPerSender) {
  const auto node = start_node();
  const auto caller = attach(*node, alice);
  testing_support::User mallory{"mallory"};
  const auto other = attach(*node, mallory);
  const auto far_key = identity::SigningKey::generate();
  const auto far = peer_as(*node, far_key, "127.0.0.1:1");
  round_trip(*far);
  const auto& bytes = far_key.public_key().bytes;
  const std::string pinned(bytes.begin(), bytes.end());
  const auto id = call_id(10);
  auto invite = route(alice, id, CALL_SIGNAL_INVITE, "bob");
  invite.set_to_super_node("127.0.0.1:1");
  invite.set_to_super_node_key(pinned);
  caller->send(wrap(invite));
  ASSERT_TRUE(next(*far, OverlayMessage::kCallRoute));
  auto copy = route(mallory, id, CALL_SIGNAL_INVITE, "carol");
  copy.set_to_super_node("127.0.0.1:1");
  copy.set_to_super_node_key(pinned);
  other->send(wrap(copy));
  ASSERT_TRUE(next(*far, OverlayMessage::kCallRoute));
  OverlayMessage failed;
  failed.mutable_call_route_failed()->set_call_id(id);
  failed.mutable_call_route_failed()->set_reason("not attached here");
  far->send(failed);
  ASSERT_TRUE(next(*caller, OverlayMessage::kCallRouteFailed));
}

// A peer proves its key, not the address it claims: claiming another node's
// address must not pin its key there (nor advertise it).
TEST_F(SuperNodeTest, APeerCannotPinItsKeyToAnotherNodesAddress) {
  const auto first = start_node();
  const auto second = start_node();
  const auto fake_key = identity::SigningKey::generate();
  const auto fake = peer_as(*first, fake_key, second->self_address());
  round_trip(*fake);
  const auto asker = connect(*first);
  OverlayMessage request;
  request.mutable_list_request()->set_max_entries(10);
  asker->send(request);
  const auto list = next(*asker, OverlayMessage::kListResponse);
  ASSERT_TRUE(list);
  const auto& fake_bytes = fake_key.public_key().bytes;
  bool listed = false;
  for (const auto& entry : list->list_response().super_nodes()) {
    if (entry.host_port() != second->self_address()) continue;
    listed = true;
    EXPECT_NE(entry.key(), std::string(fake_bytes.begin(), fake_bytes.end()));
  }
  EXPECT_TRUE(listed);
}

}  // namespace
}  // namespace parley::overlay
