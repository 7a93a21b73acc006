#include "identity/login_protocol.hpp"

#include <gtest/gtest.h>

namespace parley::login {
namespace {

std::vector<std::uint8_t> encode(const ClientMessage& message) {
  return serialize(message);
}

ClientMessage login_message(std::string user, std::string password, std::size_t key_bytes = 32,
                            std::size_t proof_bytes = 64) {
  ClientMessage message;
  auto* login = message.mutable_login();
  login->set_user_id(std::move(user));
  login->set_password(std::move(password));
  login->set_identity_key(std::string(key_bytes, 'k'));
  login->set_proof(std::string(proof_bytes, 'p'));
  return message;
}

TEST(LoginProtocol, DecodesAValidLogin) {
  const auto decoded = decode_client_message(encode(login_message("alice", "password1")));
  ASSERT_TRUE(decoded.request) << decoded.reason;
  const auto& login = std::get<LoginCommand>(*decoded.request);
  EXPECT_EQ(login.user_id, "alice");
  EXPECT_EQ(login.password.view(), "password1");
  EXPECT_EQ(decoded.body, ClientMessage::kLogin);
}

TEST(LoginProtocol, RefusesOutOfBoundsFieldsWithTheRequestType) {
  struct Case {
    ClientMessage message;
    std::string reason_part;
  };
  const std::vector<Case> cases = {
      {login_message(std::string(65, 'a'), "password1"), "at most 64"},
      {login_message("aLice", "password1"), "may contain only"},
      {login_message("Alice", "password1"), "must start with"},
      {login_message("alice", std::string(257, 'x')), "longer than 256"},
      {login_message("alice", "password1", 31), "identity key must be 32 bytes"},
      {login_message("alice", "password1", 32, 63), "proof must be 64 bytes"},
  };
  for (const auto& c : cases) {
    const auto decoded = decode_client_message(encode(c.message));
    EXPECT_FALSE(decoded.request);
    EXPECT_EQ(decoded.error, BAD_REQUEST);
    EXPECT_EQ(decoded.body, ClientMessage::kLogin);
    EXPECT_NE(decoded.reason.find(c.reason_part), std::string::npos) << decoded.reason;
  }
  EXPECT_TRUE(decode_client_message(encode(login_message("alice", std::string(256, 'x')))).request);
}

TEST(LoginProtocol, ShortNewPasswordIsWeakNotMalformed) {
  ClientMessage message;
  message.mutable_register_request()->set_user_id("alice");
  message.mutable_register_request()->set_password("short");
  auto decoded = decode_client_message(encode(message));
  EXPECT_EQ(decoded.error, WEAK_PASSWORD);
  EXPECT_EQ(decoded.body, ClientMessage::kRegisterRequest);
  ClientMessage change;
  change.mutable_change_password()->set_user_id("alice");
  change.mutable_change_password()->set_old_password("x");  // old ones are what they are
  change.mutable_change_password()->set_new_password("1234567");
  decoded = decode_client_message(encode(change));
  EXPECT_EQ(decoded.error, WEAK_PASSWORD);
  change.mutable_change_password()->set_new_password("12345678");
  EXPECT_TRUE(decode_client_message(encode(change)).request);
}

TEST(LoginProtocol, RefusesGarbageEmptyAndOversizeInput) {
  const std::vector<std::uint8_t> garbage = {0xff, 0xff, 0xff, 0xff, 0x0f};
  EXPECT_EQ(decode_client_message(garbage).error, BAD_REQUEST);
  EXPECT_EQ(decode_client_message({}).reason, "empty or unknown request");
  ClientMessage hello;
  hello.mutable_hello()->set_protocol(std::string(kMaxFrameBytes, 'x'));
  EXPECT_EQ(decode_client_message(encode(hello)).reason, "message too large");
  hello.mutable_hello()->set_protocol(std::string(65, 'x'));
  EXPECT_EQ(decode_client_message(encode(hello)).reason, "hello fields too long");
}

TEST(LoginProtocol, RenewCarriesAParsedCertificate) {
  const auto server = identity::SigningKey::generate();
  const auto user = identity::SigningKey::generate();
  const auto certificate = identity::encode_certificate(
      identity::issue_certificate(server, "alice", user.public_key(), 100, 200, 1));
  ClientMessage message;
  message.mutable_renew()->set_certificate(certificate.data(), certificate.size());
  message.mutable_renew()->set_proof(std::string(64, 'p'));
  const auto decoded = decode_client_message(encode(message));
  ASSERT_TRUE(decoded.request) << decoded.reason;
  EXPECT_EQ(std::get<RenewCommand>(*decoded.request).certificate.user_id, "alice");
  message.mutable_renew()->set_certificate("PLC1 but not really");
  EXPECT_NE(decode_client_message(encode(message)).reason.find("malformed certificate"),
            std::string::npos);
}

TEST(LoginProtocol, ProofMessagesBindNonceUserKeyAndServer) {
  const auto key = identity::SigningKey::generate().public_key();
  const auto server = identity::SigningKey::generate().public_key();
  const auto other_server = identity::SigningKey::generate().public_key();
  Nonce nonce{};
  nonce[0] = 1;
  Nonce other_nonce{};
  const auto base = login_proof_message(nonce, "alice", key, server);
  EXPECT_NE(base, login_proof_message(other_nonce, "alice", key, server));
  EXPECT_NE(base, login_proof_message(nonce, "alicf", key, server));
  EXPECT_NE(base, login_proof_message(nonce, "alice", key, other_server));
  EXPECT_NE(base, login_proof_message(nonce, "alice", other_server, server));
  EXPECT_EQ(base.size(), 32U + 1U + 5U + 32U + 32U);
}

TEST(LoginProtocol, ServerMessagesAreBoundedForClients) {
  ServerMessage hello;
  *hello.mutable_hello()->mutable_status() = make_status(OK, "welcome");
  EXPECT_FALSE(decode_server_message(serialize(hello)).message) << "no nonce";
  hello.mutable_hello()->set_nonce(std::string(32, 'n'));
  EXPECT_TRUE(decode_server_message(serialize(hello)).message);
  ServerMessage login;
  *login.mutable_login()->mutable_status() = make_status(OK, "ok");
  login.mutable_login()->set_certificate(std::string(identity::kMaxCertificateBytes + 1, 'c'));
  EXPECT_EQ(decode_server_message(serialize(login)).error, "certificate too long");
  ServerMessage chatty;
  *chatty.mutable_register_response()->mutable_status() =
      make_status(BAD_REQUEST, std::string(kMaxReasonBytes + 1, 'r'));
  EXPECT_EQ(decode_server_message(serialize(chatty)).error, "reason too long");
}

TEST(LoginProtocol, ErrorCodesHaveNames) {
  EXPECT_EQ(error_code_name(THROTTLED), "THROTTLED");
  EXPECT_EQ(error_code_name(INVALID_CREDENTIALS), "INVALID_CREDENTIALS");
  EXPECT_EQ(error_code_name(static_cast<ErrorCode>(999)), "UNKNOWN");
}

}  // namespace
}  // namespace parley::login
