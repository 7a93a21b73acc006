// Instant messages under the handshake's message keys, through each real
// cipher plugin: round trips, replays, reordering and tampering.
#include "identity/im_session.hpp"
#include "e2e_fixture.hpp"

namespace parley::e2e_test {
namespace {

class ImSessionTest : public testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const Offers offers{{GetParam()}, {}};
    auto initiator = Handshake::initiator(world.config(alice, "bob", offers));
    auto responder = Handshake::responder(world.config(bob, "alice", offers), guard);
    complete(initiator, responder, world.now());
    alice_result.emplace(initiator.take_result());
    bob_result.emplace(responder.take_result());
  }

  World world;
  Party alice = world.party("alice");
  Party bob = world.party("bob");
  ReplayGuard guard;
  std::optional<HandshakeResult> alice_result;
  std::optional<HandshakeResult> bob_result;
  plugin::CipherPlugin cipher = cipher_named(GetParam());
};

TEST_P(ImSessionTest, SealsAndOpensBothWays) {
  ImSession alice_side(cipher, *alice_result);
  ImSession bob_side(cipher, *bob_result);
  for (int i = 0; i < 3; ++i) {
    const auto text = to_bytes("hello bob, message " + std::to_string(i));
    const auto sealed = alice_side.seal(text);
    ASSERT_TRUE(sealed.ok());
    EXPECT_EQ(sealed.wire.size(), kImSequenceBytes + text.size() + cipher.info().auth_tag_bytes);
    // The plaintext is nowhere in what travels.
    EXPECT_EQ(std::search(sealed.wire.begin(), sealed.wire.end(), text.begin(), text.end()),
              sealed.wire.end());
    const auto opened = bob_side.open(sealed.wire);
    ASSERT_TRUE(opened.ok()) << im_failure_name(opened.failure);
    EXPECT_EQ(opened.plaintext, text);
    EXPECT_EQ(opened.sequence, static_cast<std::uint64_t>(i + 1));
  }
  const auto answer = bob_side.seal(to_bytes("hi alice"));
  const auto opened = alice_side.open(answer.wire);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened.plaintext, to_bytes("hi alice"));
  EXPECT_TRUE(alice_side.open(alice_side.seal(to_bytes("to myself")).wire).failure ==
              ImFailure::authentication)
      << "a message must not open in the direction it was sealed for";
  EXPECT_EQ(bob_side.counters().opened, 3u);
  EXPECT_EQ(alice_side.counters().sealed, 4u);
}

TEST_P(ImSessionTest, RejectsReplaysAndOlderMessagesButToleratesGaps) {
  ImSession alice_side(cipher, *alice_result);
  ImSession bob_side(cipher, *bob_result);
  const auto first = alice_side.seal(to_bytes("one"));
  const auto second = alice_side.seal(to_bytes("two"));
  const auto third = alice_side.seal(to_bytes("three"));
  ASSERT_TRUE(bob_side.open(first.wire).ok());
  EXPECT_EQ(bob_side.open(first.wire).failure, ImFailure::replayed);
  // "two" is lost; "three" still opens, and "two" arriving later is refused:
  // messages are accepted only in increasing order.
  ASSERT_TRUE(bob_side.open(third.wire).ok());
  EXPECT_EQ(bob_side.open(second.wire).failure, ImFailure::replayed);
  EXPECT_EQ(bob_side.counters().replays_rejected, 2u);
  EXPECT_EQ(bob_side.counters().opened, 2u);
}

TEST_P(ImSessionTest, RejectsTamperingAnywhere) {
  ImSession alice_side(cipher, *alice_result);
  ImSession bob_side(cipher, *bob_result);
  const auto sealed = alice_side.seal(to_bytes("transfer 10 to carol"));
  for (std::size_t at = 0; at < sealed.wire.size(); ++at) {
    auto altered = sealed.wire;
    altered[at] ^= 0x20;
    const auto opened = bob_side.open(altered);
    EXPECT_FALSE(opened.ok()) << "byte " << at;
    EXPECT_TRUE(opened.plaintext.empty());
  }
  // Still opens untouched afterwards: failures did not advance the sequence.
  EXPECT_TRUE(bob_side.open(sealed.wire).ok());
  EXPECT_GT(bob_side.counters().authentication_failures, 0u);
}

TEST_P(ImSessionTest, RejectsMessagesOfAnotherSessionAndBadSizes) {
  ImSession alice_side(cipher, *alice_result);
  ImSession bob_side(cipher, *bob_result);
  // Another handshake between the same two users.
  const Offers offers{{GetParam()}, {}};
  auto other_initiator = Handshake::initiator(world.config(alice, "bob", offers));
  auto other_responder = Handshake::responder(world.config(bob, "alice", offers), guard);
  complete(other_initiator, other_responder, world.now());
  ImSession other_alice(cipher, other_initiator.result());
  EXPECT_EQ(bob_side.open(other_alice.seal(to_bytes("hi")).wire).failure,
            ImFailure::authentication);

  EXPECT_EQ(bob_side.open(Bytes(5, 1)).failure, ImFailure::malformed);
  EXPECT_EQ(bob_side.open(Bytes(kImSequenceBytes + 16, 0)).failure, ImFailure::malformed);
  EXPECT_EQ(bob_side.open(Bytes(kImSequenceBytes + kMaxImPlaintextBytes + 17, 1)).failure,
            ImFailure::too_large);
  EXPECT_EQ(alice_side.seal(Bytes(kMaxImPlaintextBytes + 1, 'a')).failure, ImFailure::too_large);
  EXPECT_TRUE(alice_side.seal(Bytes(kMaxImPlaintextBytes, 'a')).ok());
  EXPECT_TRUE(alice_side.seal({}).ok());
}

TEST_P(ImSessionTest, RefusesAPluginOtherThanTheNegotiatedOne) {
  const auto other_name = GetParam() == "aes-256-gcm" ? "chacha20-poly1305" : "aes-256-gcm";
  EXPECT_THROW(ImSession(cipher_named(other_name), *alice_result), IdentityError);
}

INSTANTIATE_TEST_SUITE_P(Cipher, ImSessionTest,
                         testing::Values("aes-256-gcm", "aes-128-gcm", "chacha20-poly1305"),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace parley::e2e_test
