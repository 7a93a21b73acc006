// The handshake between two in-process peers with real keys and certificates:
// what both sides agree on, the negotiation rule, the state machine and the
// freshness checks.
#include "e2e_fixture.hpp"

namespace parley::e2e_test {
namespace {

// "ddddd ddddd ddddd ddddd ddddd ddddd" (std::regex trips GCC 12's
// uninitialized-use warning under ASan, so by hand).
bool is_safety_number(const std::string& text) {
  if (text.size() != 35) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool separator = i % 6 == 5;
    if (separator ? text[i] != ' ' : (text[i] < '0' || text[i] > '9')) return false;
  }
  return true;
}

CipherKeySizes aes256_sizes() {
  return {32, 12};
}

class HandshakeTest : public testing::Test {
 protected:
  World world;
  Party alice = world.party("alice");
  Party bob = world.party("bob");
  ReplayGuard guard;

  Handshake alice_calls_bob(const Offers& offers = alice_offers()) {
    return Handshake::initiator(world.config(alice, "bob", offers));
  }
  Handshake bob_answers_alice(const Offers& offers = bob_offers()) {
    return Handshake::responder(world.config(bob, "alice", offers), guard);
  }
};

TEST_F(HandshakeTest, BothSidesAgreeOnKeysSuiteAndSafetyNumber) {
  auto initiator = alice_calls_bob();
  auto responder = bob_answers_alice();
  complete(initiator, responder, world.now());
  ASSERT_EQ(initiator.state(), HandshakeState::established);
  ASSERT_EQ(responder.state(), HandshakeState::established);
  const auto& a = initiator.result();
  const auto& b = responder.result();

  EXPECT_EQ(a.peer_user, "bob");
  EXPECT_EQ(b.peer_user, "alice");
  EXPECT_EQ(a.peer_certificate.subject_key, bob.key.public_key());
  EXPECT_EQ(b.peer_certificate.subject_key, alice.key.public_key());
  // Alice's first choice that Bob supports, though Bob prefers chacha20.
  EXPECT_EQ(a.cipher_suite, "aes-256-gcm");
  EXPECT_EQ(b.cipher_suite, "aes-256-gcm");
  EXPECT_EQ(a.codec, "opus");
  EXPECT_EQ(b.codec, "opus");
  EXPECT_EQ(a.initiator_offers, alice_offers());
  EXPECT_EQ(b.initiator_offers, alice_offers());
  EXPECT_EQ(a.responder_offers, bob_offers());
  EXPECT_EQ(a.transcript_hash, b.transcript_hash);

  EXPECT_EQ(a.safety_number, b.safety_number);
  EXPECT_TRUE(is_safety_number(a.safety_number)) << a.safety_number;

  EXPECT_EQ(a.outbound.direction(), KeyDirection::initiator_to_responder);
  EXPECT_EQ(b.inbound.direction(), KeyDirection::initiator_to_responder);
  EXPECT_EQ(a.outbound.generation(), 0u);
  const auto a_out = a.outbound.srtp_keys(aes256_sizes());
  const auto b_in = b.inbound.srtp_keys(aes256_sizes());
  const auto a_in = a.inbound.srtp_keys(aes256_sizes());
  const auto b_out = b.outbound.srtp_keys(aes256_sizes());
  EXPECT_TRUE(a_out.master_key.same_as(b_in.master_key.view()));
  EXPECT_TRUE(a_out.master_salt.same_as(b_in.master_salt.view()));
  EXPECT_TRUE(a_in.master_key.same_as(b_out.master_key.view()));
  EXPECT_TRUE(a_in.master_salt.same_as(b_out.master_salt.view()));
  EXPECT_EQ(a_out.master_key.size(), 32u);
  EXPECT_EQ(a_out.master_salt.size(), 12u);
  // Each direction its own key; media and messages their own keys.
  EXPECT_FALSE(a_out.master_key.same_as(a_in.master_key.view()))
      << fingerprint_of(a_out) << " " << fingerprint_of(a_in);
  const auto a_messages = a.outbound.message_keys(aes256_sizes());
  const auto b_messages = b.inbound.message_keys(aes256_sizes());
  EXPECT_TRUE(a_messages.master_key.same_as(b_messages.master_key.view()));
  EXPECT_FALSE(a_messages.master_key.same_as(a_out.master_key.view()));
}

TEST_F(HandshakeTest, KeySizesFollowTheCipherInfo) {
  auto initiator = alice_calls_bob();
  auto responder = bob_answers_alice();
  complete(initiator, responder, world.now());
  const auto keys = initiator.result().outbound.srtp_keys({16, 12});
  EXPECT_EQ(keys.master_key.size(), 16u);
  EXPECT_EQ(keys.master_salt.size(), 12u);
  const auto none = initiator.result().outbound.srtp_keys({0, 0});
  EXPECT_TRUE(none.master_key.empty());
}

TEST_F(HandshakeTest, ChoosesTheInitiatorsFirstSuiteTheResponderSupports) {
  auto initiator = alice_calls_bob({{"chacha20-poly1305", "aes-128-gcm"}, {}});
  auto responder = bob_answers_alice({{"aes-256-gcm", "aes-128-gcm"}, {"opus"}});
  complete(initiator, responder, world.now());
  EXPECT_EQ(initiator.result().cipher_suite, "aes-128-gcm");
  EXPECT_EQ(responder.result().cipher_suite, "aes-128-gcm");
  // No codecs offered (a message-only session): none chosen, not a failure.
  EXPECT_EQ(initiator.result().codec, "");
}

TEST_F(HandshakeTest, RefusesWhenNoSuiteOrCodecIsShared) {
  {
    auto initiator = alice_calls_bob({{"aes-128-gcm"}, {}});
    auto responder = bob_answers_alice({{"chacha20-poly1305"}, {}});
    const auto step = responder.receive(initiator.start(world.now()).send, world.now());
    EXPECT_EQ(step.failure, HandshakeFailure::no_common_suite) << step.reason;
    EXPECT_TRUE(step.send.empty());
  }
  {
    auto initiator = alice_calls_bob({{"aes-256-gcm"}, {"opus"}});
    auto responder = bob_answers_alice({{"aes-256-gcm"}, {"pcmu"}});
    const auto step = responder.receive(initiator.start(world.now()).send, world.now());
    EXPECT_EQ(step.failure, HandshakeFailure::no_common_codec) << step.reason;
  }
}

TEST_F(HandshakeTest, EveryHandshakeHasItsOwnKeysAndSafetyNumber) {
  auto first_initiator = alice_calls_bob();
  auto first_responder = bob_answers_alice();
  complete(first_initiator, first_responder, world.now());
  auto second_initiator = alice_calls_bob();
  auto second_responder = bob_answers_alice();
  complete(second_initiator, second_responder, world.now());
  const auto& first = first_initiator.result();
  const auto& second = second_initiator.result();
  EXPECT_NE(first.transcript_hash, second.transcript_hash);
  EXPECT_NE(first.safety_number, second.safety_number);
  EXPECT_FALSE(
      first.outbound.srtp_keys(aes256_sizes())
          .master_key.same_as(second.outbound.srtp_keys(aes256_sizes()).master_key.view()));
}

TEST_F(HandshakeTest, TakeResultMovesTheSecretsOut) {
  auto initiator = alice_calls_bob();
  auto responder = bob_answers_alice();
  complete(initiator, responder, world.now());
  const auto taken = initiator.take_result();
  EXPECT_EQ(taken.peer_user, "bob");
  EXPECT_THROW((void)initiator.result(), IdentityError);
}

TEST_F(HandshakeTest, RefusesMessagesOutOfOrder) {
  auto initiator = alice_calls_bob();
  auto responder = bob_answers_alice();
  const auto flight = complete(initiator, responder, world.now());

  // A responder that gets a finish or a reply first.
  auto fresh_responder = bob_answers_alice();
  auto step = fresh_responder.receive(flight.finish, world.now());
  EXPECT_EQ(step.failure, HandshakeFailure::unexpected_message) << step.reason;
  EXPECT_EQ(fresh_responder.state(), HandshakeState::failed);
  // Once failed, it stays failed, whatever comes next.
  step = fresh_responder.receive(flight.hello, world.now());
  EXPECT_EQ(step.failure, HandshakeFailure::unexpected_message);
  EXPECT_EQ(fresh_responder.failure(), HandshakeFailure::unexpected_message);

  auto other_responder = bob_answers_alice();
  step = other_responder.receive(flight.reply, world.now());
  EXPECT_EQ(step.failure, HandshakeFailure::unexpected_message) << step.reason;

  // An initiator that gets a message before it started, or a hello.
  auto unstarted = alice_calls_bob();
  step = unstarted.receive(flight.reply, world.now());
  EXPECT_EQ(step.failure, HandshakeFailure::unexpected_message) << step.reason;
  auto started = alice_calls_bob();
  (void)started.start(world.now());
  step = started.receive(flight.hello, world.now());
  EXPECT_EQ(step.failure, HandshakeFailure::unexpected_message) << step.reason;
  auto early_finish = alice_calls_bob();
  (void)early_finish.start(world.now());
  step = early_finish.receive(flight.finish, world.now());
  EXPECT_EQ(step.failure, HandshakeFailure::unexpected_message) << step.reason;

  // A second reply or finish after the end.
  step = initiator.receive(flight.reply, world.now());
  EXPECT_EQ(step.failure, HandshakeFailure::unexpected_message);
  step = responder.receive(flight.finish, world.now());
  EXPECT_EQ(step.failure, HandshakeFailure::unexpected_message);
  EXPECT_EQ(initiator.state(), HandshakeState::established);
}

TEST_F(HandshakeTest, RefusesAReplayedHello) {
  auto initiator = alice_calls_bob();
  auto responder = bob_answers_alice();
  const auto flight = complete(initiator, responder, world.now());

  // The same hello again, to another handshake of the same responder.
  auto replay_target = bob_answers_alice();
  const auto step = replay_target.receive(flight.hello, world.now() + std::chrono::seconds(5));
  EXPECT_EQ(step.failure, HandshakeFailure::replayed) << step.reason;
  EXPECT_TRUE(step.send.empty());
}

TEST_F(HandshakeTest, RefusesStaleAndFutureHellos) {
  auto initiator = alice_calls_bob();
  const auto hello = initiator.start(world.now()).send;
  auto late = bob_answers_alice();
  auto step = late.receive(hello, world.now() + kFreshnessWindow + std::chrono::seconds(1));
  EXPECT_EQ(step.failure, HandshakeFailure::stale) << step.reason;

  auto future_initiator = alice_calls_bob();
  const auto future_hello = future_initiator.start(world.now() + std::chrono::minutes(5)).send;
  auto early = bob_answers_alice();
  step = early.receive(future_hello, world.now());
  EXPECT_EQ(step.failure, HandshakeFailure::stale) << step.reason;

  // Inside the window: accepted (clocks a little apart).
  auto skewed_initiator = alice_calls_bob();
  const auto skewed = skewed_initiator.start(world.now() + std::chrono::seconds(20)).send;
  auto skewed_responder = bob_answers_alice();
  EXPECT_TRUE(skewed_responder.receive(skewed, world.now()).ok());
}

TEST_F(HandshakeTest, RefusesALateReplyOrFinish) {
  auto initiator = alice_calls_bob();
  auto responder = bob_answers_alice();
  const auto hello = initiator.start(world.now()).send;
  const auto reply = responder.receive(hello, world.now()).send;
  const auto late = world.now() + kFreshnessWindow + std::chrono::seconds(1);
  auto step = initiator.receive(reply, late);
  EXPECT_EQ(step.failure, HandshakeFailure::stale) << step.reason;

  auto initiator2 = alice_calls_bob();
  auto responder2 = bob_answers_alice();
  const auto reply2 = responder2.receive(initiator2.start(world.now()).send, world.now()).send;
  const auto finish2 = initiator2.receive(reply2, world.now()).send;
  step = responder2.receive(finish2, late);
  EXPECT_EQ(step.failure, HandshakeFailure::stale) << step.reason;
}

TEST(ReplayGuard, ForgetsNoncesOnlyAfterTheirWindowAndRefusesWhenFull) {
  const auto now = Clock::now();
  const auto now_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
  ReplayGuard guard(2, std::chrono::seconds(10));
  HandshakeNonce first{};
  first[0] = 1;
  HandshakeNonce second{};
  second[0] = 2;
  HandshakeNonce third{};
  third[0] = 3;
  EXPECT_EQ(guard.admit(first, now_ms, now), ReplayGuard::Verdict::fresh);
  EXPECT_EQ(guard.admit(first, now_ms, now), ReplayGuard::Verdict::replayed);
  EXPECT_EQ(guard.admit(second, now_ms, now), ReplayGuard::Verdict::fresh);
  EXPECT_EQ(guard.admit(third, now_ms, now), ReplayGuard::Verdict::full);
  const auto later = now + std::chrono::seconds(11);
  EXPECT_EQ(guard.admit(third, now_ms + 11000, later), ReplayGuard::Verdict::fresh);
  EXPECT_EQ(guard.size(), 1u);
}

TEST_F(HandshakeTest, RefusesABadOwnConfiguration) {
  auto config = world.config(alice, "bob", alice_offers());
  config.identity_key = &bob.key;  // not the key alice's certificate names
  EXPECT_THROW(Handshake::initiator(config), IdentityError);
  config = world.config(alice, "Bob!", alice_offers());
  EXPECT_THROW(Handshake::initiator(config), IdentityError);
  config = world.config(alice, "bob", {{}, {}});
  EXPECT_THROW(Handshake::initiator(config), IdentityError);
  config = world.config(alice, "bob", {{"aes-256-gcm", "aes-256-gcm"}, {}});
  EXPECT_THROW(Handshake::initiator(config), IdentityError);
}

}  // namespace
}  // namespace parley::e2e_test
