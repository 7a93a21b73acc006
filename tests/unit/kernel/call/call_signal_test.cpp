// Signed call messages: what verifies, and every way one must not.
#include "call/call_signal.hpp"

#include <gtest/gtest.h>

#include "call/call_id.hpp"
#include "call_test_world.hpp"

namespace parley::call_test {
namespace {

using call::CallMessage;
using call::verify_call_message;

std::uint64_t now_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        identity::Clock::now().time_since_epoch())
                                        .count());
}

class CallSignalTest : public ::testing::Test {
 protected:
  CallMessage hangup(std::uint64_t sent_at = now_ms()) const {
    CallMessage message;
    message.set_call_id(call::new_call_id());
    message.set_from_user("alice");
    message.set_to_user("bob");
    message.set_sequence(1);
    message.set_sent_at_ms(sent_at);
    message.mutable_hangup()->set_reason("bye");
    return message;
  }
  std::vector<std::uint8_t> sign(const CallMessage& message) const {
    return call::sign_call_message(message, *alice_.identity_key, alice_.certificate);
  }
  call::VerifiedCallMessage verify(const std::vector<std::uint8_t>& wire,
                                   const std::string& route_from = "alice",
                                   const std::string& self = "bob") const {
    return verify_call_message(wire, world_.server().public_key(), self, route_from,
                               identity::Clock::now());
  }

  World world_;
  overlay::UserCredentials alice_ = world_.user("alice");
  overlay::UserCredentials mallory_ = world_.user("mallory");
};

TEST_F(CallSignalTest, GenuineMessageVerifies) {
  const auto message = hangup();
  const auto verified = verify(sign(message));
  ASSERT_TRUE(verified.ok()) << verified.error;
  EXPECT_EQ(verified.message->call_id(), message.call_id());
  EXPECT_EQ(verified.message->hangup().reason(), "bye");
  EXPECT_EQ(call::signal_kind(*verified.message), overlay::CALL_SIGNAL_HANGUP);
}

TEST_F(CallSignalTest, ForgedSignatureIsRefused) {
  // Mallory signs a message claiming to be alice, with alice's certificate.
  const auto forged = call::sign_call_message(hangup(), *mallory_.identity_key, alice_.certificate);
  const auto verified = verify(forged);
  EXPECT_FALSE(verified.ok());
  EXPECT_NE(verified.error.find("signature"), std::string::npos) << verified.error;
}

TEST_F(CallSignalTest, CertificateFromAnotherServerIsRefused) {
  World other;
  const auto stranger = other.user("alice");
  const auto wire = call::sign_call_message(hangup(), *stranger.identity_key, stranger.certificate);
  const auto verified = verify(wire);
  EXPECT_FALSE(verified.ok());
  EXPECT_NE(verified.error.find("certificate"), std::string::npos) << verified.error;
}

TEST_F(CallSignalTest, AlteredBodyIsRefused) {
  auto wire = sign(hangup());
  call::SignedCallMessage signed_message;
  ASSERT_TRUE(signed_message.ParseFromArray(wire.data(), static_cast<int>(wire.size())));
  CallMessage body;
  ASSERT_TRUE(body.ParseFromString(signed_message.body()));
  body.mutable_hangup()->set_reason("altered");
  signed_message.set_body(body.SerializeAsString());
  const auto altered = signed_message.SerializeAsString();
  EXPECT_FALSE(verify({altered.begin(), altered.end()}).ok());
}

TEST_F(CallSignalTest, WrongUsersAreRefused) {
  const auto wire = sign(hangup());
  // The overlay says mallory sent it: alice's certificate is not hers.
  EXPECT_FALSE(verify(wire, "mallory").ok());
  // Meant for bob, delivered to carol.
  EXPECT_FALSE(verify(wire, "alice", "carol").ok());
  // Signed by alice but naming mallory as the sender inside.
  auto message = hangup();
  message.set_from_user("mallory");
  EXPECT_FALSE(verify(sign(message)).ok());
}

TEST_F(CallSignalTest, StaleAndFutureMessagesAreRefused) {
  EXPECT_FALSE(verify(sign(hangup(now_ms() - 61'000))).ok());
  EXPECT_FALSE(verify(sign(hangup(now_ms() + 61'000))).ok());
  EXPECT_TRUE(verify(sign(hangup(now_ms() - 50'000))).ok());
}

TEST_F(CallSignalTest, MalformedFieldsAreRefused) {
  auto bad_id = hangup();
  bad_id.set_call_id("ABCDEF0123456789ABCDEF0123456789");  // upper case
  EXPECT_FALSE(verify(sign(bad_id)).ok());
  auto zero = hangup();
  zero.set_sequence(0);
  EXPECT_FALSE(verify(sign(zero)).ok());
  auto no_body = hangup();
  no_body.clear_body();
  EXPECT_FALSE(verify(sign(no_body)).ok());
  auto invite = hangup();
  invite.mutable_invite()->set_handshake_hello("x");
  for (int i = 0; i < 9; ++i) invite.mutable_invite()->add_candidates("127.0.0.1:1");
  EXPECT_FALSE(verify(sign(invite)).ok());
  auto empty_hello = hangup();
  empty_hello.mutable_invite();
  EXPECT_FALSE(verify(sign(empty_hello)).ok());
}

TEST_F(CallSignalTest, OversizeIsRefusedBeforeParsing) {
  std::vector<std::uint8_t> huge(call::kMaxSignedCallMessageBytes + 1, 0x0a);
  const auto verified = verify(huge);
  EXPECT_FALSE(verified.ok());
  EXPECT_NE(verified.error.find("over"), std::string::npos) << verified.error;
  EXPECT_FALSE(verify({}).ok());
  EXPECT_FALSE(verify({0xff, 0xff, 0xff}).ok());
  // Our own signer refuses to make one.
  auto big = hangup();
  big.mutable_hangup()->set_reason(std::string(5000, 'x'));
  EXPECT_THROW(sign(big), identity::IdentityError);
}

TEST(CallId, FormatAndRandomness) {
  const auto a = call::new_call_id();
  const auto b = call::new_call_id();
  EXPECT_TRUE(call::is_call_id(a));
  EXPECT_NE(a, b);
  EXPECT_FALSE(call::is_call_id(a.substr(1)));
  EXPECT_FALSE(call::is_call_id(std::string(32, 'g')));
}

TEST(CallSequenceGuard, AdmitsEachSequenceOnceInOrder) {
  call::SequenceGuard guard(2);
  EXPECT_TRUE(guard.admit("c1", "alice", 1));
  EXPECT_FALSE(guard.admit("c1", "alice", 1));  // a repeat
  EXPECT_TRUE(guard.admit("c1", "alice", 3));   // a gap is fine
  EXPECT_FALSE(guard.admit("c1", "alice", 2));  // older than the last
  EXPECT_TRUE(guard.admit("c1", "bob", 1));     // per sender
  EXPECT_TRUE(guard.admit("c2", "alice", 1));   // evicts the oldest (c1, alice)
  EXPECT_FALSE(guard.seen("c1", "alice"));
  EXPECT_TRUE(guard.seen("c2", "alice"));
}

}  // namespace
}  // namespace parley::call_test
