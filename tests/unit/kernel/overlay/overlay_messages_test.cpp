#include "overlay/overlay_messages.hpp"

#include <gtest/gtest.h>

namespace parley::overlay {
namespace {

TEST(OverlayMessages, RoundTripsAList) {
  OverlayMessage message;
  auto* entry = message.mutable_list_response()->add_super_nodes();
  entry->set_host_port("127.0.0.1:7460");
  entry->set_key(std::string(kKeyBytes, 'k'));
  const auto decoded = decode(encode(message));
  ASSERT_TRUE(decoded.message) << decoded.error;
  EXPECT_EQ(decoded.message->list_response().super_nodes(0).host_port(), "127.0.0.1:7460");
}

TEST(OverlayMessages, HelloIsCheckedForProtocolAndMajor) {
  auto hello = make_hello();
  EXPECT_EQ(hello_problem(hello), "");
  hello.mutable_hello()->set_version_major(kOverlayVersionMajor + 1);
  EXPECT_NE(hello_problem(hello), "");
  hello = make_hello();
  hello.mutable_hello()->set_protocol("parley-login");
  EXPECT_NE(hello_problem(hello), "");
  OverlayMessage attach;
  attach.mutable_attach();
  EXPECT_NE(hello_problem(attach), "");
}

TEST(OverlayMessages, RefusesTooManySuperNodes) {
  OverlayMessage message;
  for (std::size_t i = 0; i <= kMaxListEntries; ++i) {
    message.mutable_list_response()->add_super_nodes()->set_host_port("h:1");
  }
  EXPECT_FALSE(decode(encode(message)).message);
}

TEST(OverlayMessages, RefusesLongTextAndBadKeys) {
  OverlayMessage name;
  name.mutable_attach()->set_node_name(std::string(kMaxTextBytes + 1, 'n'));
  EXPECT_FALSE(decode(encode(name)).message);
  OverlayMessage peer;
  peer.mutable_peer()->set_listen_host_port("127.0.0.1:1");
  peer.mutable_peer()->set_key("short");
  EXPECT_FALSE(decode(encode(peer)).message);
}

TEST(OverlayMessages, BoundsAttachProofAndCertificate) {
  OverlayMessage attach;
  attach.mutable_attach()->set_certificate(std::string(kMaxCertificateBytes, 'c'));
  attach.mutable_attach()->set_proof(std::string(kProofBytes, 'p'));
  EXPECT_TRUE(decode(encode(attach)).message);
  attach.mutable_attach()->set_proof(std::string(kProofBytes - 1, 'p'));
  EXPECT_FALSE(decode(encode(attach)).message);
  attach.mutable_attach()->set_proof("");
  attach.mutable_attach()->set_certificate(std::string(kMaxCertificateBytes + 1, 'c'));
  EXPECT_FALSE(decode(encode(attach)).message);
}

TEST(OverlayMessages, BoundsCallRoutes) {
  OverlayMessage route;
  auto* body = route.mutable_call_route();
  body->set_call_id(std::string(32, 'a'));
  body->set_to_user("bob");
  body->set_payload(std::string(kMaxCallPayloadBytes, 'x'));
  body->mutable_relay()->set_token(std::string(16, 't'));
  EXPECT_TRUE(decode(encode(route)).message);
  body->set_payload(std::string(kMaxCallPayloadBytes + 1, 'x'));
  EXPECT_EQ(decode(encode(route)).error, "call payload too long");
  body->set_payload("x");
  body->mutable_relay()->set_token("short");
  EXPECT_FALSE(decode(encode(route)).message);
  body->clear_relay();
  body->set_to_super_node_key("short");
  EXPECT_FALSE(decode(encode(route)).message);
  body->clear_to_super_node_key();
  body->set_from_user(std::string(kMaxIdBytes + 1, 'u'));
  EXPECT_FALSE(decode(encode(route)).message);
  OverlayMessage offer;
  offer.mutable_relay_offer()->mutable_relay()->set_token(std::string(17, 't'));
  EXPECT_FALSE(decode(encode(offer)).message);
}

TEST(OverlayMessages, BoundsPresenceSearchAndSubscriptions) {
  OverlayMessage subscribe;
  for (std::size_t i = 0; i < kMaxSubscriptions; ++i) {
    subscribe.mutable_subscribe()->add_user_ids("u" + std::to_string(i));
  }
  EXPECT_TRUE(decode(encode(subscribe)).message);
  subscribe.mutable_subscribe()->add_user_ids("one-too-many");
  EXPECT_FALSE(decode(encode(subscribe)).message);

  OverlayMessage publish;
  publish.mutable_publish_presence()->set_record(std::string(kMaxPresenceBytes + 1, 'r'));
  EXPECT_FALSE(decode(encode(publish)).message);

  OverlayMessage response;
  for (std::size_t i = 0; i <= kMaxSearchResults; ++i) {
    response.mutable_search_response()->add_records("r");
  }
  EXPECT_FALSE(decode(encode(response)).message);

  OverlayMessage search;
  search.mutable_search_request()->set_query(std::string(kMaxIdBytes + 1, 'q'));
  EXPECT_FALSE(decode(encode(search)).message);
}

TEST(OverlayMessages, RefusesOversizeGarbageAndEmpty) {
  EXPECT_FALSE(decode(std::vector<std::uint8_t>(kMaxMessageBytes + 1, 0)).message);
  EXPECT_FALSE(decode(std::vector<std::uint8_t>{0xff, 0xff, 0xff, 0xff}).message);
  EXPECT_FALSE(decode(std::vector<std::uint8_t>{}).message);  // no body set
}

}  // namespace
}  // namespace parley::overlay
