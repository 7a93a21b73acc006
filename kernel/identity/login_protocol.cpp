#include "identity/login_protocol.hpp"

#include <algorithm>

#include "identity/user_id.hpp"
#include "net/byte_view.hpp"

namespace parley::login {
namespace {

void append_u8_prefixed(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> bytes) {
  out.push_back(static_cast<std::uint8_t>(bytes.size()));
  out.insert(out.end(), bytes.begin(), bytes.end());
}

DecodedClientMessage bad(std::string reason) {
  return {std::nullopt, BAD_REQUEST, std::move(reason)};
}

std::optional<std::string> user_problem(const std::string& user_id) {
  if (auto problem = identity::user_id_problem(user_id)) return *problem;
  return std::nullopt;
}

// Length only; the content of a password is the user's business.
std::optional<std::string> password_problem(const std::string& password, const char* which) {
  if (password.size() > kMaxPasswordBytes) {
    return std::string(which) + " is longer than " + std::to_string(kMaxPasswordBytes) + " bytes";
  }
  return std::nullopt;
}

template <typename Array>
bool copy_exact(const std::string& from, Array& to) {
  if (from.size() != to.size()) return false;
  std::copy(from.begin(), from.end(), to.begin());
  return true;
}

}  // namespace

std::vector<std::uint8_t> login_proof_message(const Nonce& nonce, std::string_view user_id,
                                              const identity::PublicKey& identity_key,
                                              const identity::PublicKey& server_key) {
  std::vector<std::uint8_t> out(nonce.begin(), nonce.end());
  append_u8_prefixed(out, net::byte_view(user_id));
  out.insert(out.end(), identity_key.bytes.begin(), identity_key.bytes.end());
  out.insert(out.end(), server_key.bytes.begin(), server_key.bytes.end());
  return out;
}

std::vector<std::uint8_t> renew_proof_message(const Nonce& nonce,
                                              std::span<const std::uint8_t> certificate,
                                              const identity::PublicKey& server_key) {
  std::vector<std::uint8_t> out(nonce.begin(), nonce.end());
  append_u8_prefixed(out, certificate);
  out.insert(out.end(), server_key.bytes.begin(), server_key.bytes.end());
  return out;
}

namespace {

DecodedClientMessage decode_body(ClientMessage& message) {
  // Wipes the parsed copies of passwords however this function returns.
  struct WipeOnExit {
    ClientMessage& message;
    ~WipeOnExit() {
      if (message.has_register_request()) {
        identity::wipe_string(*message.mutable_register_request()->mutable_password());
      }
      if (message.has_login()) identity::wipe_string(*message.mutable_login()->mutable_password());
      if (message.has_change_password()) {
        identity::wipe_string(*message.mutable_change_password()->mutable_old_password());
        identity::wipe_string(*message.mutable_change_password()->mutable_new_password());
      }
    }
  } wipe{message};

  switch (message.body_case()) {
    case ClientMessage::kHello: {
      const auto& hello = message.hello();
      if (hello.protocol().size() > 64 || hello.software().size() > kMaxSoftwareBytes) {
        return bad("hello fields too long");
      }
      return {HelloRequest{hello.protocol(), hello.version_major(), hello.version_minor()}, OK, {}};
    }
    case ClientMessage::kRegisterRequest: {
      const auto& request = message.register_request();
      if (auto problem = user_problem(request.user_id())) return bad(*problem);
      if (auto problem = password_problem(request.password(), "password")) return bad(*problem);
      if (request.password().size() < kMinPasswordBytes) {
        return {std::nullopt, WEAK_PASSWORD,
                "password must be at least " + std::to_string(kMinPasswordBytes) + " bytes"};
      }
      return {RegisterCommand{request.user_id(), identity::Secret(request.password())}, OK, {}};
    }
    case ClientMessage::kLogin: {
      const auto& request = message.login();
      if (auto problem = user_problem(request.user_id())) return bad(*problem);
      if (auto problem = password_problem(request.password(), "password")) return bad(*problem);
      LoginCommand command;
      command.user_id = request.user_id();
      if (!copy_exact(request.identity_key(), command.identity_key.bytes)) {
        return bad("identity key must be 32 bytes (raw Ed25519)");
      }
      if (!copy_exact(request.proof(), command.proof)) return bad("proof must be 64 bytes");
      command.password = identity::Secret(request.password());
      return {std::move(command), OK, {}};
    }
    case ClientMessage::kChangePassword: {
      const auto& request = message.change_password();
      if (auto problem = user_problem(request.user_id())) return bad(*problem);
      if (auto problem = password_problem(request.old_password(), "old password")) {
        return bad(*problem);
      }
      if (auto problem = password_problem(request.new_password(), "new password")) {
        return bad(*problem);
      }
      if (request.new_password().size() < kMinPasswordBytes) {
        return {std::nullopt, WEAK_PASSWORD,
                "new password must be at least " + std::to_string(kMinPasswordBytes) + " bytes"};
      }
      return {ChangePasswordCommand{request.user_id(), identity::Secret(request.old_password()),
                                    identity::Secret(request.new_password())},
              OK,
              {}};
    }
    case ClientMessage::kRenew: {
      const auto& request = message.renew();
      const std::span<const std::uint8_t> certificate = net::byte_view(request.certificate());
      auto parsed = identity::parse_certificate(certificate);
      if (!parsed.certificate) return bad("malformed certificate: " + parsed.error);
      RenewCommand command;
      command.certificate_bytes.assign(certificate.begin(), certificate.end());
      command.certificate = std::move(*parsed.certificate);
      if (!copy_exact(request.proof(), command.proof)) return bad("proof must be 64 bytes");
      return {std::move(command), OK, {}};
    }
    case ClientMessage::BODY_NOT_SET: break;
  }
  return bad("empty or unknown request");
}

}  // namespace

DecodedClientMessage decode_client_message(std::span<const std::uint8_t> bytes) {
  if (bytes.size() > kMaxFrameBytes) return bad("message too large");
  ClientMessage message;
  if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return bad("not a login protocol message");
  }
  auto decoded = decode_body(message);
  decoded.body = message.body_case();
  return decoded;
}

DecodedServerMessage decode_server_message(std::span<const std::uint8_t> bytes) {
  if (bytes.size() > kMaxFrameBytes) return {std::nullopt, "message too large"};
  ServerMessage message;
  if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return {std::nullopt, "not a login protocol message"};
  }
  const Status* status = nullptr;
  const std::string* certificate = nullptr;
  switch (message.body_case()) {
    case ServerMessage::kHello:
      status = &message.hello().status();
      if (message.hello().status().code() == OK && message.hello().nonce().size() != kNonceBytes) {
        return {std::nullopt, "server hello without a 32-byte nonce"};
      }
      break;
    case ServerMessage::kRegisterResponse: status = &message.register_response().status(); break;
    case ServerMessage::kLogin:
      status = &message.login().status();
      certificate = &message.login().certificate();
      break;
    case ServerMessage::kChangePassword: status = &message.change_password().status(); break;
    case ServerMessage::kRenew:
      status = &message.renew().status();
      certificate = &message.renew().certificate();
      break;
    case ServerMessage::BODY_NOT_SET: return {std::nullopt, "empty or unknown server message"};
  }
  if (status->reason().size() > kMaxReasonBytes) return {std::nullopt, "reason too long"};
  if (certificate != nullptr && certificate->size() > identity::kMaxCertificateBytes) {
    return {std::nullopt, "certificate too long"};
  }
  return {std::move(message), {}};
}

std::vector<std::uint8_t> serialize(const google::protobuf::MessageLite& message) {
  std::vector<std::uint8_t> out(message.ByteSizeLong());
  message.SerializeToArray(out.data(), static_cast<int>(out.size()));
  return out;
}

Status make_status(ErrorCode code, std::string reason, std::uint32_t retry_after_ms) {
  Status status;
  status.set_code(code);
  status.set_reason(std::move(reason));
  status.set_retry_after_ms(retry_after_ms);
  return status;
}

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case OK: return "OK";
    case BAD_REQUEST: return "BAD_REQUEST";
    case VERSION_UNSUPPORTED: return "VERSION_UNSUPPORTED";
    case INVALID_CREDENTIALS: return "INVALID_CREDENTIALS";
    case ACCOUNT_DISABLED: return "ACCOUNT_DISABLED";
    case USER_EXISTS: return "USER_EXISTS";
    case THROTTLED: return "THROTTLED";
    case BUSY: return "BUSY";
    case BAD_PROOF: return "BAD_PROOF";
    case CERTIFICATE_REFUSED: return "CERTIFICATE_REFUSED";
    case WEAK_PASSWORD: return "WEAK_PASSWORD";
    case REGISTRATION_CLOSED: return "REGISTRATION_CLOSED";
    case INTERNAL: return "INTERNAL";
    default: break;
  }
  return "UNKNOWN";
}

}  // namespace parley::login
