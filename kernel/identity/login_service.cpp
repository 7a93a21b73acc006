#include "identity/login_service.hpp"

#include <openssl/rand.h>

#include "log/log.hpp"

namespace parley::login {
namespace {

std::int64_t now_unix_s() {
  return identity::unix_seconds(identity::Clock::now());
}

std::string seconds_text(std::chrono::milliseconds wait) {
  return std::to_string((wait.count() + 999) / 1000) + " s";
}

std::uint32_t clamp_ms(std::chrono::milliseconds wait) {
  return static_cast<std::uint32_t>(std::min<std::int64_t>(wait.count(), 0xffffffffLL));
}

template <typename Response>
Response with_status(ErrorCode code, std::string reason, std::uint32_t retry_after_ms = 0) {
  Response response;
  *response.mutable_status() = make_status(code, std::move(reason), retry_after_ms);
  return response;
}

const char* const kInvalidCredentials = "unknown user or wrong password";

}  // namespace

LoginService::LoginService(AccountStore& store, const identity::SigningKey& server_key,
                           LoginServiceConfig config)
    : store_(store),
      server_key_(server_key),
      config_(config),
      throttle_(config.throttle),
      registrations_(config.registrations) {}

std::optional<Status> LoginService::throttled(std::string_view user_id, std::string_view address) {
  const auto wait = throttle_.retry_after(user_id, address, SteadyClock::now());
  if (wait.count() == 0) return std::nullopt;
  ++stats_.throttled;
  return make_status(THROTTLED,
                     "too many failed attempts for this account or from this address; retry in " +
                         seconds_text(wait),
                     clamp_ms(wait));
}

std::optional<Account> LoginService::check_password(std::string_view user_id,
                                                    std::string_view password,
                                                    std::string_view address) {
  auto account = store_.find(user_id);
  // Unknown users cost the same hash as known ones: timing does not tell them apart.
  const bool right =
      verify_password(password, account ? account->password : dummy_password_hash(config_.argon2));
  if (account && right) {
    throttle_.record_success(user_id);
    return account;
  }
  throttle_.record_failure(user_id, address, SteadyClock::now());
  ++stats_.failures;
  log::info("login", "failed password check for '" + std::string(user_id) + "' from " +
                         std::string(address));
  return std::nullopt;
}

identity::Certificate LoginService::issue(std::string_view user_id,
                                          const identity::PublicKey& key) {
  std::uint64_t serial = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof serial) != 1) {
    throw std::runtime_error("no randomness for a certificate serial");
  }
  const auto now_s = now_unix_s();
  return identity::issue_certificate(server_key_, user_id, key,
                                     now_s - config_.clock_skew_allowance.count(),
                                     now_s + config_.certificate_validity.count(), serial);
}

RegisterResponse LoginService::register_account(const RegisterCommand& request,
                                                std::string_view address) {
  if (const auto wait = registrations_.take(address, SteadyClock::now()); wait.count() > 0) {
    return with_status<RegisterResponse>(
        REGISTRATION_CLOSED,
        "too many registrations from this address; retry in " + seconds_text(wait), clamp_ms(wait));
  }
  // Checked before hashing so a taken name costs no Argon2 time; create()
  // still decides a race between two registrations of one name.
  if (store_.find(request.user_id)) {
    return with_status<RegisterResponse>(USER_EXISTS,
                                         "user id '" + request.user_id + "' is already registered");
  }
  Account account;
  account.user_id = request.user_id;
  account.password = hash_password(request.password.view(), config_.argon2);
  account.created_at_s = now_unix_s();
  account.password_changed_at_s = 0;  // never changed: no certificate predates it
  if (store_.create(account) == StoreResult::exists) {
    return with_status<RegisterResponse>(USER_EXISTS,
                                         "user id '" + request.user_id + "' is already registered");
  }
  ++stats_.registrations;
  log::info("login", "registered '" + request.user_id + "' from " + std::string(address));
  return with_status<RegisterResponse>(OK, "registered");
}

LoginResponse LoginService::login(const LoginCommand& request, const Nonce& nonce,
                                  std::string_view address) {
  if (auto status = throttled(request.user_id, address)) {
    LoginResponse response;
    *response.mutable_status() = *status;
    return response;
  }
  const auto proof_message =
      login_proof_message(nonce, request.user_id, request.identity_key, server_key_.public_key());
  if (!identity::verify_signature(request.identity_key, identity::kLoginProofContext, proof_message,
                                  request.proof)) {
    return with_status<LoginResponse>(
        BAD_PROOF, "the proof of possession does not verify with the presented identity key");
  }
  const auto account = check_password(request.user_id, request.password.view(), address);
  if (!account) return with_status<LoginResponse>(INVALID_CREDENTIALS, kInvalidCredentials);
  if (account->disabled) {
    return with_status<LoginResponse>(ACCOUNT_DISABLED,
                                      "account '" + request.user_id + "' is disabled");
  }
  if (account->password.parameters != config_.argon2) {
    // Raised parameters reach each account at its next login.
    store_.update_password(request.user_id, hash_password(request.password.view(), config_.argon2),
                           account->password_changed_at_s);
  }
  const auto certificate = issue(request.user_id, request.identity_key);
  ++stats_.logins;
  log::info("login", "certificate " + std::to_string(certificate.serial) + " issued to '" +
                         request.user_id + "' for key " + request.identity_key.to_text());
  auto response = with_status<LoginResponse>(OK, "logged in");
  const auto encoded = identity::encode_certificate(certificate);
  response.set_certificate(encoded.data(), encoded.size());
  return response;
}

ChangePasswordResponse LoginService::change_password(const ChangePasswordCommand& request,
                                                     std::string_view address) {
  if (auto status = throttled(request.user_id, address)) {
    ChangePasswordResponse response;
    *response.mutable_status() = *status;
    return response;
  }
  const auto account = check_password(request.user_id, request.old_password.view(), address);
  if (!account) {
    return with_status<ChangePasswordResponse>(INVALID_CREDENTIALS, kInvalidCredentials);
  }
  if (account->disabled) {
    return with_status<ChangePasswordResponse>(ACCOUNT_DISABLED,
                                               "account '" + request.user_id + "' is disabled");
  }
  store_.update_password(request.user_id,
                         hash_password(request.new_password.view(), config_.argon2), now_unix_s());
  ++stats_.password_changes;
  log::info("login", "password changed for '" + request.user_id + "'");
  return with_status<ChangePasswordResponse>(OK, "password changed");
}

RenewResponse LoginService::renew(const RenewCommand& request, const Nonce& nonce) {
  const auto check = identity::verify_certificate(request.certificate, server_key_.public_key(),
                                                  identity::Clock::now(), {});
  if (!check.ok()) return with_status<RenewResponse>(CERTIFICATE_REFUSED, check.reason);
  const auto proof_message =
      renew_proof_message(nonce, request.certificate_bytes, server_key_.public_key());
  if (!identity::verify_signature(request.certificate.subject_key, identity::kRenewProofContext,
                                  proof_message, request.proof)) {
    return with_status<RenewResponse>(
        BAD_PROOF, "the proof of possession does not verify with the certificate's key");
  }
  const auto& user_id = request.certificate.user_id;
  const auto account = store_.find(user_id);
  if (!account) {
    return with_status<RenewResponse>(CERTIFICATE_REFUSED, "account '" + user_id + "' is gone");
  }
  if (account->disabled) {
    return with_status<RenewResponse>(ACCOUNT_DISABLED, "account '" + user_id + "' is disabled");
  }
  // Issued (not-before plus the skew allowance) no later than the last
  // password change: whoever changed the password meant to end old sessions.
  const auto issued_at_s = request.certificate.not_before_s + config_.clock_skew_allowance.count();
  if (issued_at_s <= account->password_changed_at_s) {
    return with_status<RenewResponse>(
        CERTIFICATE_REFUSED,
        "the password changed after this certificate was issued; log in with the password");
  }
  const auto certificate = issue(user_id, request.certificate.subject_key);
  ++stats_.renewals;
  auto response = with_status<RenewResponse>(OK, "renewed");
  const auto encoded = identity::encode_certificate(certificate);
  response.set_certificate(encoded.data(), encoded.size());
  return response;
}

}  // namespace parley::login
