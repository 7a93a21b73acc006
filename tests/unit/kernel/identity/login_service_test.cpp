// The login server's request logic against a real SQLite store, without the
// network (tests/integration/login_server/ covers that).
#include "identity/login_service.hpp"

#include <gtest/gtest.h>

#include "identity/login_client.hpp"
#include "temp_dir.hpp"

namespace parley::login {
namespace {

using namespace std::chrono_literals;

class LoginServiceTest : public ::testing::Test {
 protected:
  LoginServiceTest() { service_ = std::make_unique<LoginService>(*store_, server_key_, config()); }

  static LoginServiceConfig config() {
    LoginServiceConfig config;
    config.argon2 = {1024, 1, 1};  // fast for tests; the product uses the OWASP defaults
    config.throttle.per_account = {2, 60'000ms, 60'000ms, 3'600'000ms};
    config.registrations = {0, 0};
    return config;
  }

  RegisterResponse register_user(const std::string& user, const std::string& password) {
    return service_->register_account(RegisterCommand{user, identity::Secret(password)},
                                      "10.0.0.1");
  }

  LoginCommand login_command(const std::string& user, const std::string& password,
                             const identity::SigningKey& key) {
    LoginCommand command;
    command.user_id = user;
    command.password = identity::Secret(password);
    command.identity_key = key.public_key();
    command.proof =
        key.sign(identity::kLoginProofContext,
                 login_proof_message(nonce_, user, key.public_key(), server_key_.public_key()));
    return command;
  }

  LoginResponse login(const std::string& user, const std::string& password,
                      const std::string& address = "10.0.0.1") {
    return service_->login(login_command(user, password, user_key_), nonce_, address);
  }

  RenewCommand renew_command(const std::string& certificate, const identity::SigningKey& key) {
    RenewCommand command;
    command.certificate_bytes.assign(certificate.begin(), certificate.end());
    command.certificate = *identity::parse_certificate(command.certificate_bytes).certificate;
    command.proof =
        key.sign(identity::kRenewProofContext,
                 renew_proof_message(nonce_, command.certificate_bytes, server_key_.public_key()));
    return command;
  }

  test::TempDir dir_;
  std::unique_ptr<AccountStore> store_ = open_sqlite_account_store(dir_.path() / "a.sqlite");
  identity::SigningKey server_key_ = identity::SigningKey::generate();
  identity::SigningKey user_key_ = identity::SigningKey::generate();
  Nonce nonce_{1, 2, 3};
  std::unique_ptr<LoginService> service_;
};

TEST_F(LoginServiceTest, RegisterThenLoginIssuesAVerifiableCertificate) {
  EXPECT_EQ(register_user("alice", "password1").status().code(), OK);
  EXPECT_EQ(register_user("alice", "password2").status().code(), USER_EXISTS);
  const auto response = login("alice", "password1");
  ASSERT_EQ(response.status().code(), OK) << response.status().reason();
  const std::vector<std::uint8_t> bytes(response.certificate().begin(),
                                        response.certificate().end());
  const auto check = identity::verify_certificate(bytes, server_key_.public_key(),
                                                  identity::Clock::now(), "alice");
  ASSERT_TRUE(check.ok()) << check.reason;
  EXPECT_EQ(check.certificate->subject_key, user_key_.public_key());
  EXPECT_EQ(check.certificate->not_after_s - check.certificate->not_before_s, 24 * 3600 + 300);
  EXPECT_EQ(service_->stats().logins, 1U);
}

TEST_F(LoginServiceTest, WrongPasswordAndUnknownUserLookTheSame) {
  register_user("alice", "password1");
  const auto wrong = login("alice", "password2");
  const auto unknown = login("nobody", "password1");
  EXPECT_EQ(wrong.status().code(), INVALID_CREDENTIALS);
  EXPECT_EQ(unknown.status().code(), INVALID_CREDENTIALS);
  EXPECT_EQ(wrong.status().reason(), unknown.status().reason());
  EXPECT_TRUE(wrong.certificate().empty());
}

TEST_F(LoginServiceTest, ProofMustBeByThePresentedKeyForThisNonceAndServer) {
  register_user("alice", "password1");
  auto command = login_command("alice", "password1", user_key_);
  command.identity_key = identity::SigningKey::generate().public_key();  // not the signer
  EXPECT_EQ(service_->login(command, nonce_, "10.0.0.1").status().code(), BAD_PROOF);
  Nonce other_nonce{9};
  EXPECT_EQ(service_->login(login_command("alice", "password1", user_key_), other_nonce, "10.0.0.1")
                .status()
                .code(),
            BAD_PROOF);
  // A bad proof is refused before the password is checked: it counts no failure.
  EXPECT_EQ(service_->stats().failures, 0U);
}

TEST_F(LoginServiceTest, DisabledAccountIsToldOnlyWithTheRightPassword) {
  register_user("alice", "password1");
  store_->set_disabled("alice", true);
  EXPECT_EQ(login("alice", "password1").status().code(), ACCOUNT_DISABLED);
  EXPECT_EQ(login("alice", "wrong-password").status().code(), INVALID_CREDENTIALS);
  store_->set_disabled("alice", false);
  EXPECT_EQ(login("alice", "password1").status().code(), OK);
}

TEST_F(LoginServiceTest, RepeatedFailuresAreThrottledWithoutHashing) {
  register_user("alice", "password1");
  EXPECT_EQ(login("alice", "bad-1").status().code(), INVALID_CREDENTIALS);
  EXPECT_EQ(login("alice", "bad-2").status().code(), INVALID_CREDENTIALS);
  const auto hashes_before = argon2_usage().hashes;
  const auto throttled = login("alice", "password1");  // even the right one must wait
  EXPECT_EQ(throttled.status().code(), THROTTLED);
  EXPECT_GT(throttled.status().retry_after_ms(), 59'000U);
  EXPECT_EQ(argon2_usage().hashes, hashes_before);
  EXPECT_EQ(service_->stats().throttled, 1U);
  // Other accounts are not affected.
  register_user("bob", "password1");
  EXPECT_EQ(service_->login(login_command("bob", "password1", user_key_), nonce_, "10.0.0.2")
                .status()
                .code(),
            OK);
}

TEST_F(LoginServiceTest, ChangePasswordNeedsTheOldOne) {
  register_user("alice", "password1");
  EXPECT_EQ(
      service_
          ->change_password({"alice", identity::Secret("wrong-old"), identity::Secret("password2")},
                            "10.0.0.1")
          .status()
          .code(),
      INVALID_CREDENTIALS);
  EXPECT_EQ(
      service_
          ->change_password({"alice", identity::Secret("password1"), identity::Secret("password2")},
                            "10.0.0.1")
          .status()
          .code(),
      OK);
  EXPECT_EQ(login("alice", "password1").status().code(), INVALID_CREDENTIALS);
  EXPECT_EQ(login("alice", "password2").status().code(), OK);
}

TEST_F(LoginServiceTest, RenewNeedsACurrentCertificateAndItsKey) {
  register_user("alice", "password1");
  const auto first = login("alice", "password1");
  ASSERT_EQ(first.status().code(), OK);
  const auto renewed = service_->renew(renew_command(first.certificate(), user_key_), nonce_);
  ASSERT_EQ(renewed.status().code(), OK) << renewed.status().reason();
  EXPECT_NE(renewed.certificate(), first.certificate());

  const auto stranger = identity::SigningKey::generate();
  EXPECT_EQ(service_->renew(renew_command(first.certificate(), stranger), nonce_).status().code(),
            BAD_PROOF);

  const auto other_server = identity::SigningKey::generate();
  const auto foreign = identity::encode_certificate(identity::issue_certificate(
      other_server, "alice", user_key_.public_key(), 100, 4'000'000'000, 1));
  const auto refused = service_->renew(
      renew_command(std::string(foreign.begin(), foreign.end()), user_key_), nonce_);
  EXPECT_EQ(refused.status().code(), CERTIFICATE_REFUSED);
  EXPECT_NE(refused.status().reason().find("another server key"), std::string::npos);

  const auto expired = identity::encode_certificate(
      identity::issue_certificate(server_key_, "alice", user_key_.public_key(), 100, 200, 1));
  EXPECT_EQ(
      service_->renew(renew_command(std::string(expired.begin(), expired.end()), user_key_), nonce_)
          .status()
          .code(),
      CERTIFICATE_REFUSED);

  store_->set_disabled("alice", true);
  EXPECT_EQ(service_->renew(renew_command(first.certificate(), user_key_), nonce_).status().code(),
            ACCOUNT_DISABLED);
}

TEST_F(LoginServiceTest, PasswordChangeEndsRenewalOfOlderCertificates) {
  register_user("alice", "password1");
  const auto before = login("alice", "password1");
  // A change "later" than the certificate: recorded at its issue second.
  const auto issued_at_s =
      identity::parse_certificate(
          std::vector<std::uint8_t>(before.certificate().begin(), before.certificate().end()))
          .certificate->not_before_s +
      300;
  store_->update_password("alice", hash_password("password2", config().argon2), issued_at_s);
  const auto refused = service_->renew(renew_command(before.certificate(), user_key_), nonce_);
  EXPECT_EQ(refused.status().code(), CERTIFICATE_REFUSED);
  EXPECT_NE(refused.status().reason().find("password changed"), std::string::npos);
}

TEST_F(LoginServiceTest, RegistrationsPerAddressAreLimited) {
  auto limited = config();
  limited.registrations = {1, 2};
  LoginService service(*store_, server_key_, limited);
  const auto reg = [&](const std::string& user) {
    return service.register_account(RegisterCommand{user, identity::Secret("password1")},
                                    "10.0.0.5");
  };
  EXPECT_EQ(reg("u1").status().code(), OK);
  EXPECT_EQ(reg("u2").status().code(), OK);
  const auto closed = reg("u3");
  EXPECT_EQ(closed.status().code(), REGISTRATION_CLOSED);
  EXPECT_GT(closed.status().retry_after_ms(), 0U);
  EXPECT_FALSE(store_->find("u3"));
}

TEST_F(LoginServiceTest, OlderArgon2ParametersAreUpgradedAtLogin) {
  Account old;
  old.user_id = "alice";
  old.password = hash_password("password1", Argon2Parameters{512, 1, 1});
  store_->create(old);
  EXPECT_EQ(login("alice", "password1").status().code(), OK);
  EXPECT_EQ(store_->find("alice")->password.parameters, config().argon2);
  EXPECT_EQ(login("alice", "password1").status().code(), OK);
}

TEST(CertificateAction, KeepRenewOrLogin) {
  const auto server = identity::SigningKey::generate();
  const auto key = identity::SigningKey::generate();
  const std::int64_t start_s = 1'700'000'000;
  const auto certificate = identity::encode_certificate(
      identity::issue_certificate(server, "alice", key.public_key(), start_s, start_s + 1000, 1));
  const auto at = [](std::int64_t s) {
    return identity::Clock::time_point(std::chrono::seconds(s));
  };
  const auto action = [&](std::span<const std::uint8_t> bytes, std::int64_t now_s,
                          const identity::PublicKey& own) {
    return certificate_action(bytes, server.public_key(), own, "alice", at(now_s));
  };
  EXPECT_EQ(action(certificate, start_s + 10, key.public_key()), CertificateAction::keep);
  EXPECT_EQ(action(certificate, start_s + 800, key.public_key()), CertificateAction::renew);
  EXPECT_EQ(action(certificate, start_s + 1000, key.public_key()), CertificateAction::login);
  EXPECT_EQ(action({}, start_s + 10, key.public_key()), CertificateAction::login);
  EXPECT_EQ(action(certificate, start_s + 10, server.public_key()), CertificateAction::login);
}

}  // namespace
}  // namespace parley::login
