// What the login server does with each request, apart from the network:
// register, log in (certificate for a key the client proves it holds),
// change password, renew. Synchronous and thread-safe: the server runs these
// on worker threads because Argon2 takes tens of milliseconds of CPU.
//
// Order inside each request: bounds (already checked by the decoder), then
// throttling, then the cheap signature checks, and only then Argon2, so
// refused and malformed requests cost no hashing.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>

#include "identity/account_store.hpp"
#include "identity/login_protocol.hpp"
#include "identity/login_throttle.hpp"
#include "identity/signing_key.hpp"

namespace parley::login {

struct LoginServiceConfig {
  Argon2Parameters argon2;
  std::chrono::seconds certificate_validity{24 * 3600};
  // not-before is set this far in the past, so a client whose clock is a few
  // minutes behind can use a certificate at once.
  std::chrono::seconds clock_skew_allowance{300};
  ThrottlePolicy throttle;
  RatePolicy registrations;
};

struct LoginServiceStats {
  std::atomic<std::uint64_t> registrations{0};
  std::atomic<std::uint64_t> logins{0};
  std::atomic<std::uint64_t> renewals{0};
  std::atomic<std::uint64_t> password_changes{0};
  std::atomic<std::uint64_t> failures{0};   // wrong password or unknown user
  std::atomic<std::uint64_t> throttled{0};  // refused without checking
};

class LoginService {
 public:
  LoginService(AccountStore& store, const identity::SigningKey& server_key,
               LoginServiceConfig config);

  // address: the source's throttling bucket (net::address_bucket()).
  RegisterResponse register_account(const RegisterCommand& request, std::string_view address);
  LoginResponse login(const LoginCommand& request, const Nonce& nonce, std::string_view address);
  ChangePasswordResponse change_password(const ChangePasswordCommand& request,
                                         std::string_view address);
  RenewResponse renew(const RenewCommand& request, const Nonce& nonce);

  [[nodiscard]] const LoginServiceConfig& config() const { return config_; }
  [[nodiscard]] const LoginServiceStats& stats() const { return stats_; }

 private:
  // Throttle check; a status when the attempt must wait.
  std::optional<Status> throttled(std::string_view user_id, std::string_view address);
  // The account when the password is right (and counts a failure otherwise).
  std::optional<Account> check_password(std::string_view user_id, std::string_view password,
                                        std::string_view address);
  identity::Certificate issue(std::string_view user_id, const identity::PublicKey& key);

  AccountStore& store_;
  const identity::SigningKey& server_key_;
  LoginServiceConfig config_;
  LoginThrottle throttle_;
  RateLimiter registrations_;
  LoginServiceStats stats_;
};

}  // namespace parley::login
