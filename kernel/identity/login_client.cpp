#include "identity/login_client.hpp"

#include "parley_version.hpp"

namespace parley::login {
namespace {

net::TlsClientOptions client_options(const identity::PublicKey& server_key,
                                     std::chrono::milliseconds timeout) {
  net::TlsClientOptions options;
  options.pinned_server_key = server_key;
  options.connect_timeout = timeout;
  options.limits.max_frame_bytes = kMaxFrameBytes;
  options.limits.handshake_timeout = timeout;
  options.limits.frame_timeout = timeout;
  options.limits.idle_timeout = std::chrono::milliseconds(0);  // we wait on answers ourselves
  return options;
}

void throw_unless_ok(const Status& status) {
  if (status.code() != OK)
    throw LoginError(status.code(), status.reason(), status.retry_after_ms());
}

}  // namespace

LoginClient::LoginClient(const net::HostPort& server, const identity::PublicKey& server_key,
                         std::chrono::milliseconds timeout)
    : server_key_(server_key),
      timeout_(timeout),
      channel_(server, client_options(server_key, timeout)) {
  ClientMessage hello;
  hello.mutable_hello()->set_protocol(std::string(kProtocolName));
  hello.mutable_hello()->set_version_major(kVersionMajor);
  hello.mutable_hello()->set_version_minor(kVersionMinor);
  hello.mutable_hello()->set_software("parley " + std::string(kVersion));
  const auto reply = exchange(hello, ServerMessage::kHello);
  throw_unless_ok(reply.hello().status());
  std::copy(reply.hello().nonce().begin(), reply.hello().nonce().end(), nonce_.begin());
  certificate_validity_s_ = reply.hello().certificate_validity_s();
}

ServerMessage LoginClient::exchange(const ClientMessage& request,
                                    ServerMessage::BodyCase expected) {
  auto bytes = serialize(request);
  channel_.send(bytes);
  OPENSSL_cleanse(bytes.data(), bytes.size());  // it may hold a password
  const auto answer = channel_.receive(timeout_);
  auto decoded = decode_server_message(answer);
  if (!decoded.message) throw net::NetError("bad answer from the login server: " + decoded.error);
  if (decoded.message->body_case() != expected) {
    // The server refuses out-of-order or malformed requests in a Hello.
    if (decoded.message->body_case() == ServerMessage::kHello) {
      throw_unless_ok(decoded.message->hello().status());
    }
    throw net::NetError("the login server answered with an unexpected message");
  }
  return std::move(*decoded.message);
}

void LoginClient::register_account(std::string_view user_id, const identity::Secret& password) {
  ClientMessage request;
  request.mutable_register_request()->set_user_id(std::string(user_id));
  request.mutable_register_request()->set_password(std::string(password.view()));
  const auto reply = exchange(request, ServerMessage::kRegisterResponse);
  identity::wipe_string(*request.mutable_register_request()->mutable_password());
  throw_unless_ok(reply.register_response().status());
}

IssuedCertificate LoginClient::login(std::string_view user_id, const identity::Secret& password,
                                     const identity::SigningKey& identity_key) {
  ClientMessage request;
  auto* login = request.mutable_login();
  login->set_user_id(std::string(user_id));
  login->set_password(std::string(password.view()));
  const auto& key = identity_key.public_key();
  login->set_identity_key(key.bytes.data(), key.bytes.size());
  const auto proof = identity_key.sign(identity::kLoginProofContext,
                                       login_proof_message(nonce_, user_id, key, server_key_));
  login->set_proof(proof.data(), proof.size());
  const auto reply = exchange(request, ServerMessage::kLogin);
  identity::wipe_string(*login->mutable_password());
  throw_unless_ok(reply.login().status());
  return accept_certificate(reply.login().certificate(), user_id, key);
}

void LoginClient::change_password(std::string_view user_id, const identity::Secret& old_password,
                                  const identity::Secret& new_password) {
  ClientMessage request;
  auto* change = request.mutable_change_password();
  change->set_user_id(std::string(user_id));
  change->set_old_password(std::string(old_password.view()));
  change->set_new_password(std::string(new_password.view()));
  const auto reply = exchange(request, ServerMessage::kChangePassword);
  identity::wipe_string(*change->mutable_old_password());
  identity::wipe_string(*change->mutable_new_password());
  throw_unless_ok(reply.change_password().status());
}

IssuedCertificate LoginClient::renew(std::span<const std::uint8_t> certificate,
                                     const identity::SigningKey& identity_key) {
  const auto parsed = identity::parse_certificate(certificate);
  if (!parsed.certificate) throw LoginError(BAD_REQUEST, parsed.error, 0);
  ClientMessage request;
  auto* renew = request.mutable_renew();
  renew->set_certificate(certificate.data(), certificate.size());
  const auto proof = identity_key.sign(identity::kRenewProofContext,
                                       renew_proof_message(nonce_, certificate, server_key_));
  renew->set_proof(proof.data(), proof.size());
  const auto reply = exchange(request, ServerMessage::kRenew);
  throw_unless_ok(reply.renew().status());
  return accept_certificate(reply.renew().certificate(), parsed.certificate->user_id,
                            identity_key.public_key());
}

IssuedCertificate LoginClient::accept_certificate(const std::string& bytes,
                                                  std::string_view user_id,
                                                  const identity::PublicKey& subject) {
  IssuedCertificate issued;
  issued.bytes.assign(bytes.begin(), bytes.end());
  const auto check =
      identity::verify_certificate(issued.bytes, server_key_, identity::Clock::now(), user_id);
  if (!check.ok()) {
    throw net::NetError("the login server sent a certificate that does not verify: " +
                        check.reason);
  }
  if (check.certificate->subject_key != subject) {
    throw net::NetError("the login server certified another key than ours");
  }
  issued.certificate = *check.certificate;
  return issued;
}

CertificateAction certificate_action(std::span<const std::uint8_t> stored,
                                     const identity::PublicKey& server_key,
                                     const identity::PublicKey& identity_key,
                                     std::string_view user_id, identity::Clock::time_point now) {
  if (stored.empty()) return CertificateAction::login;
  const auto check = identity::verify_certificate(stored, server_key, now, user_id);
  if (!check.ok() || check.certificate->subject_key != identity_key) {
    return CertificateAction::login;
  }
  return identity::renewal_due(*check.certificate, now) ? CertificateAction::renew
                                                        : CertificateAction::keep;
}

}  // namespace parley::login
