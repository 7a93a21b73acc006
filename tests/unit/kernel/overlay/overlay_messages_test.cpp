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

TEST(OverlayMessages, RefusesOversizeGarbageAndEmpty) {
  EXPECT_FALSE(decode(std::vector<std::uint8_t>(kMaxMessageBytes + 1, 0)).message);
  EXPECT_FALSE(decode(std::vector<std::uint8_t>{0xff, 0xff, 0xff, 0xff}).message);
  EXPECT_FALSE(decode(std::vector<std::uint8_t>{}).message);  // no body set
}

}  // namespace
}  // namespace parley::overlay
