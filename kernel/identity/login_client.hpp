// The client side of the login protocol: one connection to a login server
// whose key is pinned, then register / log in / change password / renew.
// Blocking (it is used by command-line tools and by a client at start-up);
// failures throw: net::NetError when the server cannot be reached or is not
// the pinned one, LoginError when it answered with a refusal.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "identity/certificate.hpp"
#include "identity/login_protocol.hpp"
#include "identity/secret.hpp"
#include "identity/signing_key.hpp"
#include "net/tls_client.hpp"

namespace parley::login {

class LoginError : public std::runtime_error {
 public:
  LoginError(ErrorCode code, const std::string& reason, std::uint32_t retry_after_ms)
      : std::runtime_error(reason), code_(code), retry_after_ms_(retry_after_ms) {}
  [[nodiscard]] ErrorCode code() const { return code_; }
  [[nodiscard]] std::uint32_t retry_after_ms() const { return retry_after_ms_; }

 private:
  ErrorCode code_;
  std::uint32_t retry_after_ms_;
};

// A certificate as received, and what it says. The client has verified it
// (pinned key, current, for the user and key it asked for) before returning.
struct IssuedCertificate {
  std::vector<std::uint8_t> bytes;
  identity::Certificate certificate;
};

class LoginClient {
 public:
  // Connects, checks the server's key, exchanges Hello.
  LoginClient(const net::HostPort& server, const identity::PublicKey& server_key,
              std::chrono::milliseconds timeout = std::chrono::milliseconds(20'000));

  void register_account(std::string_view user_id, const identity::Secret& password);
  IssuedCertificate login(std::string_view user_id, const identity::Secret& password,
                          const identity::SigningKey& identity_key);
  void change_password(std::string_view user_id, const identity::Secret& old_password,
                       const identity::Secret& new_password);
  // No password: proves possession of the certificate's key.
  IssuedCertificate renew(std::span<const std::uint8_t> certificate,
                          const identity::SigningKey& identity_key);

  [[nodiscard]] std::uint32_t certificate_validity_s() const { return certificate_validity_s_; }

 private:
  ServerMessage exchange(const ClientMessage& request, ServerMessage::BodyCase expected);
  IssuedCertificate accept_certificate(const std::string& bytes, std::string_view user_id,
                                       const identity::PublicKey& subject);

  identity::PublicKey server_key_;
  std::chrono::milliseconds timeout_;
  net::BlockingChannel channel_;
  Nonce nonce_{};
  std::uint32_t certificate_validity_s_ = 0;
};

// What a client should do about its stored certificate now.
enum class CertificateAction {
  keep,   // current, and more than 20% of its validity left
  renew,  // current but due (renew() needs no password)
  login,  // missing, expired, invalid or for another key: log in with the password
};
CertificateAction certificate_action(std::span<const std::uint8_t> stored,
                                     const identity::PublicKey& server_key,
                                     const identity::PublicKey& identity_key,
                                     std::string_view user_id, identity::Clock::time_point now);

}  // namespace parley::login
