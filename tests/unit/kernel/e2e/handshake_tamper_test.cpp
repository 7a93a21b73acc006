// What a relay (or anyone on the path) may try against the handshake, and the
// reason each attempt is refused with.
#include "e2e_fixture.hpp"
#include "identity/handshake_messages.hpp"

namespace parley::e2e_test {
namespace {

class HandshakeTamperTest : public testing::Test {
 protected:
  World world;
  Party alice = world.party("alice");
  Party bob = world.party("bob");
  ReplayGuard guard;
  Handshake initiator = Handshake::initiator(world.config(alice, "bob", alice_offers()));
  Handshake responder = Handshake::responder(world.config(bob, "alice", bob_offers()), guard);

  Bytes hello() { return initiator.start(world.now()).send; }
  Bytes reply_to(const Bytes& hello_message) {
    auto step = responder.receive(hello_message, world.now());
    EXPECT_TRUE(step.ok()) << step.reason;
    return step.send;
  }
  Bytes finish_after(const Bytes& reply_message) {
    auto step = initiator.receive(reply_message, world.now());
    EXPECT_TRUE(step.ok()) << step.reason;
    return step.send;
  }
  // Asserts the step failed for `why` and left its handshake failed, sending nothing.
  static void expect_refused(const HandshakeStep& step, HandshakeFailure why,
                             const Handshake& handshake) {
    EXPECT_EQ(step.failure, why) << failure_name(step.failure) << ": " << step.reason;
    EXPECT_FALSE(step.reason.empty());
    EXPECT_TRUE(step.send.empty());
    EXPECT_EQ(handshake.state(), HandshakeState::failed);
    EXPECT_EQ(handshake.failure(), why);
  }
};

TEST_F(HandshakeTamperTest, AlteredEphemeralKeyInTheHello) {
  const auto altered =
      edit_hello(hello(), [](wire::Hello& h) { flip_bit(*h.mutable_ephemeral_key(), 7); });
  // The responder cannot tell yet: the hello is not signed by itself.
  const auto reply = reply_to(altered);
  expect_refused(initiator.receive(reply, world.now()), HandshakeFailure::transcript_mismatch,
                 initiator);
}

TEST_F(HandshakeTamperTest, AlteredEphemeralKeyInTheReply) {
  const auto reply = edit_reply_body(
      reply_to(hello()), [](wire::ReplyBody& b) { flip_bit(*b.mutable_ephemeral_key(), 3); });
  expect_refused(initiator.receive(reply, world.now()), HandshakeFailure::bad_signature, initiator);
}

TEST_F(HandshakeTamperTest, DowngradeByShorteningTheInitiatorsOffer) {
  // Drop aes-256-gcm so the responder picks chacha20-poly1305.
  const auto altered = edit_hello(hello(), [](wire::Hello& h) {
    h.mutable_cipher_suites()->erase(h.mutable_cipher_suites()->begin());
  });
  const auto reply = reply_to(altered);
  expect_refused(initiator.receive(reply, world.now()), HandshakeFailure::transcript_mismatch,
                 initiator);
}

TEST_F(HandshakeTamperTest, DowngradeThatAlsoHidesItsTraces) {
  const auto original = hello();
  const auto altered = edit_hello(original, [](wire::Hello& h) {
    h.mutable_cipher_suites()->erase(h.mutable_cipher_suites()->begin());
  });
  // The relay hides its edit from the hash and choice checks: the signature
  // still catches it.
  const auto original_hello_bytes = envelope_of(original).hello();
  const auto reply = edit_reply_body(reply_to(altered), [&](wire::ReplyBody& b) {
    const auto hash = sha256(to_bytes(original_hello_bytes));
    b.set_hello_hash(std::string(hash.begin(), hash.end()));
    b.set_chosen_suite("aes-256-gcm");
  });
  expect_refused(initiator.receive(reply, world.now()), HandshakeFailure::bad_signature, initiator);
}

TEST_F(HandshakeTamperTest, DowngradeByChangingTheChoiceInTheReply) {
  const auto reply = edit_reply_body(
      reply_to(hello()), [](wire::ReplyBody& b) { b.set_chosen_suite("chacha20-poly1305"); });
  expect_refused(initiator.receive(reply, world.now()), HandshakeFailure::transcript_mismatch,
                 initiator);
}

TEST_F(HandshakeTamperTest, DowngradeByShorteningTheRespondersList) {
  const auto reply = edit_reply_body(reply_to(hello()), [](wire::ReplyBody& b) {
    // Without aes-256-gcm the signed lists would give chacha20, not the choice.
    b.clear_cipher_suites();
    b.add_cipher_suites("chacha20-poly1305");
  });
  expect_refused(initiator.receive(reply, world.now()), HandshakeFailure::transcript_mismatch,
                 initiator);
}

TEST_F(HandshakeTamperTest, AlteredCodecListInTheHello) {
  const auto altered = edit_hello(hello(), [](wire::Hello& h) {
    h.clear_codecs();
    h.add_codecs("pcmu");
  });
  const auto reply = reply_to(altered);
  expect_refused(initiator.receive(reply, world.now()), HandshakeFailure::transcript_mismatch,
                 initiator);
}

TEST_F(HandshakeTamperTest, CertificateOfAnotherUser) {
  // Mallory holds a real certificate from the same server, for "mallory".
  const auto mallory = world.party("mallory");
  auto impostor = Handshake::initiator(world.config(mallory, "bob", alice_offers()));
  // She claims to be alice but must send her own certificate.
  const auto claimed = edit_hello(impostor.start(world.now()).send,
                                  [](wire::Hello& h) { h.set_initiator_user("alice"); });
  auto step = responder.receive(claimed, world.now());
  expect_refused(step, HandshakeFailure::bad_certificate, responder);
  EXPECT_NE(step.reason.find("wrong_user"), std::string::npos) << step.reason;
}

TEST_F(HandshakeTamperTest, ReplyFromAnotherCertifiedUser) {
  const auto mallory = world.party("mallory");
  // Mallory answers alice's hello (addressed to bob) under her own certificate,
  // after the relay rewrote the recipient only in the copy she sees.
  auto hello_message = hello();
  ReplayGuard other_guard;
  auto config = world.config(mallory, "alice", bob_offers());
  auto fake_bob = Handshake::responder(std::move(config), other_guard);
  const auto readdressed =
      edit_hello(hello_message, [](wire::Hello& h) { h.set_responder_user("mallory"); });
  auto fake_reply = fake_bob.receive(readdressed, world.now()).send;
  // The relay also fixes the hello hash; the certificate check comes before the signature.
  const auto original_hello_bytes = envelope_of(hello_message).hello();
  fake_reply = edit_reply_body(fake_reply, [&](wire::ReplyBody& b) {
    const auto hash = sha256(to_bytes(original_hello_bytes));
    b.set_hello_hash(std::string(hash.begin(), hash.end()));
  });
  const auto step = initiator.receive(fake_reply, world.now());
  expect_refused(step, HandshakeFailure::bad_certificate, initiator);
  EXPECT_NE(step.reason.find("wrong_user"), std::string::npos) << step.reason;
}

TEST_F(HandshakeTamperTest, ExpiredCertificate) {
  const auto now_s = unix_seconds(world.now());
  const auto old_alice = world.party("alice", world.server(), now_s - 7200, now_s - 3600);
  auto expired = Handshake::initiator(world.config(old_alice, "bob", alice_offers()));
  const auto step = responder.receive(expired.start(world.now()).send, world.now());
  expect_refused(step, HandshakeFailure::bad_certificate, responder);
  EXPECT_NE(step.reason.find("expired"), std::string::npos) << step.reason;
}

TEST_F(HandshakeTamperTest, NotYetValidCertificate) {
  const auto now_s = unix_seconds(world.now());
  const auto future_bob = world.party("bob", world.server(), now_s + 3600, now_s + 7200);
  ReplayGuard other_guard;
  auto early = Handshake::responder(world.config(future_bob, "alice", bob_offers()), other_guard);
  const auto reply = early.receive(hello(), world.now());
  ASSERT_TRUE(reply.ok());
  const auto step = initiator.receive(reply.send, world.now());
  expect_refused(step, HandshakeFailure::bad_certificate, initiator);
  EXPECT_NE(step.reason.find("not_yet_valid"), std::string::npos) << step.reason;
}

TEST_F(HandshakeTamperTest, CertificateFromAnotherServerKey) {
  const auto rogue_server = SigningKey::generate();
  const auto rogue_alice = world.party("alice", rogue_server);
  auto rogue = Handshake::initiator([&] {
    auto config = world.config(rogue_alice, "bob", alice_offers());
    config.login_server_key = rogue_server.public_key();
    return config;
  }());
  const auto step = responder.receive(rogue.start(world.now()).send, world.now());
  expect_refused(step, HandshakeFailure::bad_certificate, responder);
  EXPECT_NE(step.reason.find("wrong_issuer"), std::string::npos) << step.reason;
}

TEST_F(HandshakeTamperTest, ForgedCertificateSignature) {
  const auto altered = edit_hello(hello(), [](wire::Hello& h) {
    flip_bit(*h.mutable_certificate(), h.certificate().size() - 1);
  });
  const auto step = responder.receive(altered, world.now());
  expect_refused(step, HandshakeFailure::bad_certificate, responder);
  EXPECT_NE(step.reason.find("bad_signature"), std::string::npos) << step.reason;
}

TEST_F(HandshakeTamperTest, WrongSignatureInTheReply) {
  const auto reply =
      edit_reply(reply_to(hello()), [](wire::Reply& r) { flip_bit(*r.mutable_signature(), 10); });
  expect_refused(initiator.receive(reply, world.now()), HandshakeFailure::bad_signature, initiator);
}

TEST_F(HandshakeTamperTest, WrongSignatureInTheFinish) {
  const auto finish = edit_finish(finish_after(reply_to(hello())),
                                  [](wire::Finish& f) { flip_bit(*f.mutable_signature(), 20); });
  expect_refused(responder.receive(finish, world.now()), HandshakeFailure::bad_signature,
                 responder);
}

TEST_F(HandshakeTamperTest, SignatureOfTheOtherRoleIsNotAccepted) {
  // Reflecting the responder's own signature back as the initiator's.
  const auto reply = reply_to(hello());
  const auto reply_signature = envelope_of(reply).reply().signature();
  const auto finish =
      edit_finish(finish_after(reply), [&](wire::Finish& f) { f.set_signature(reply_signature); });
  expect_refused(responder.receive(finish, world.now()), HandshakeFailure::bad_signature,
                 responder);
}

TEST_F(HandshakeTamperTest, AlteredKeyConfirmation) {
  const auto reply =
      edit_reply(reply_to(hello()), [](wire::Reply& r) { flip_bit(*r.mutable_confirmation(), 0); });
  expect_refused(initiator.receive(reply, world.now()), HandshakeFailure::transcript_mismatch,
                 initiator);

  ReplayGuard other_guard;
  auto initiator2 = Handshake::initiator(world.config(alice, "bob", alice_offers()));
  auto responder2 = Handshake::responder(world.config(bob, "alice", bob_offers()), other_guard);
  const auto reply2 = responder2.receive(initiator2.start(world.now()).send, world.now()).send;
  const auto finish2 =
      edit_finish(initiator2.receive(reply2, world.now()).send,
                  [](wire::Finish& f) { flip_bit(*f.mutable_confirmation(), 31); });
  expect_refused(responder2.receive(finish2, world.now()), HandshakeFailure::transcript_mismatch,
                 responder2);
}

TEST_F(HandshakeTamperTest, HelloMeantForSomeoneElse) {
  const auto altered = edit_hello(hello(), [](wire::Hello& h) { h.set_responder_user("carol"); });
  expect_refused(responder.receive(altered, world.now()), HandshakeFailure::wrong_recipient,
                 responder);
}

TEST_F(HandshakeTamperTest, LowOrderEphemeralKey) {
  const auto altered = edit_hello(
      hello(), [](wire::Hello& h) { h.set_ephemeral_key(std::string(kX25519Bytes, '\0')); });
  expect_refused(responder.receive(altered, world.now()), HandshakeFailure::bad_key_share,
                 responder);
}

TEST_F(HandshakeTamperTest, OtherProtocolVersion) {
  const auto altered = edit_hello(hello(), [](wire::Hello& h) { h.set_version(2); });
  expect_refused(responder.receive(altered, world.now()), HandshakeFailure::unsupported_version,
                 responder);
}

TEST_F(HandshakeTamperTest, EveryTruncationOfEveryMessageIsRefused) {
  const auto hello_message = hello();
  const auto reply_message = reply_to(hello_message);
  const auto finish_message = finish_after(reply_message);
  int refused = 0;
  for (const auto* message : {&hello_message, &reply_message, &finish_message}) {
    for (std::size_t size = 0; size < message->size(); ++size) {
      const Bytes cut(message->begin(), message->begin() + static_cast<long>(size));
      const auto decoded = decode_handshake_message(cut);
      EXPECT_FALSE(decoded.message.has_value()) << "a " << size << "-byte prefix was accepted";
      EXPECT_EQ(decoded.failure, HandshakeFailure::malformed) << decoded.reason;
      ++refused;
    }
  }
  EXPECT_GT(refused, 500);
  // Through a state machine too: the responder refuses a truncated hello.
  const Bytes cut(hello_message.begin(), hello_message.end() - 1);
  ReplayGuard other_guard;
  auto fresh = Handshake::responder(world.config(bob, "alice", bob_offers()), other_guard);
  expect_refused(fresh.receive(cut, world.now()), HandshakeFailure::malformed, fresh);
}

TEST_F(HandshakeTamperTest, OversizedMessagesAreRefusedBeforeParsing) {
  Bytes oversized(kMaxHandshakeMessageBytes + 1, 0);
  expect_refused(responder.receive(oversized, world.now()), HandshakeFailure::too_large, responder);
  // A real hello padded past the limit with an unknown field.
  auto padded = hello();
  padded.push_back(0xfa);  // field 31, length-delimited
  padded.push_back(0x01);
  padded.push_back(0x10);  // varint 2048
  padded.resize(padded.size() + 2048, 'x');
  EXPECT_EQ(decode_handshake_message(padded).failure, HandshakeFailure::too_large);
}

TEST_F(HandshakeTamperTest, UnknownFieldsAndBoundsAreRefused) {
  const auto base = hello();
  auto with_unknown = base;
  with_unknown.push_back(0xf8);  // field 31, varint
  with_unknown.push_back(0x01);
  with_unknown.push_back(0x01);
  EXPECT_EQ(decode_handshake_message(with_unknown).failure, HandshakeFailure::malformed);

  const auto nine_suites = edit_hello(base, [](wire::Hello& h) {
    h.clear_cipher_suites();
    for (int i = 0; i < 9; ++i) h.add_cipher_suites("suite-" + std::to_string(i));
  });
  EXPECT_EQ(decode_handshake_message(nine_suites).failure, HandshakeFailure::malformed);
  const auto bad_name = edit_hello(base, [](wire::Hello& h) { h.set_codecs(0, "Opus\n"); });
  EXPECT_EQ(decode_handshake_message(bad_name).failure, HandshakeFailure::malformed);
  const auto repeated =
      edit_hello(base, [](wire::Hello& h) { h.add_cipher_suites("aes-256-gcm"); });
  EXPECT_EQ(decode_handshake_message(repeated).failure, HandshakeFailure::malformed);
  const auto short_nonce = edit_hello(base, [](wire::Hello& h) { h.set_nonce("short"); });
  EXPECT_EQ(decode_handshake_message(short_nonce).failure, HandshakeFailure::malformed);
  const auto no_time = edit_hello(base, [](wire::Hello& h) { h.clear_timestamp_ms(); });
  EXPECT_EQ(decode_handshake_message(no_time).failure, HandshakeFailure::malformed);
  const auto bad_user = edit_hello(base, [](wire::Hello& h) { h.set_initiator_user("../etc"); });
  EXPECT_EQ(decode_handshake_message(bad_user).failure, HandshakeFailure::malformed);
  EXPECT_EQ(decode_handshake_message(to_bytes(std::string("\x0a\x05", 2))).failure,
            HandshakeFailure::malformed);
  wire::HandshakeMessage empty;
  EXPECT_EQ(decode_handshake_message(to_bytes(empty.SerializeAsString())).failure,
            HandshakeFailure::malformed);
}

}  // namespace
}  // namespace parley::e2e_test
