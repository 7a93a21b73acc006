// The login protocol's messages (kernel/proto/login.proto) decoded and checked
// against every bound before any other code sees them, on both sides. What
// the server parses from the network all passes through
// decode_client_message() (fuzzed: tests/fuzz/login_messages_fuzz.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "identity/certificate.hpp"
#include "identity/secret.hpp"
#include "identity/signing_key.hpp"
#include "proto/login.pb.h"

namespace parley::login {

inline constexpr std::string_view kProtocolName = "parley-login";
inline constexpr std::uint32_t kVersionMajor = 1;
inline constexpr std::uint32_t kVersionMinor = 0;
inline constexpr std::size_t kMaxFrameBytes = 4096;  // the largest message is under 700
inline constexpr std::size_t kMinPasswordBytes = 8;
inline constexpr std::size_t kMaxPasswordBytes = 256;
inline constexpr std::size_t kNonceBytes = 32;
inline constexpr std::size_t kMaxSoftwareBytes = 64;
inline constexpr std::size_t kMaxReasonBytes = 512;

using Nonce = std::array<std::uint8_t, kNonceBytes>;

// What a proof of possession signs. Binding the server's key and the
// connection's nonce means a proof is good for one connection to one server.
std::vector<std::uint8_t> login_proof_message(const Nonce& nonce, std::string_view user_id,
                                              const identity::PublicKey& identity_key,
                                              const identity::PublicKey& server_key);
std::vector<std::uint8_t> renew_proof_message(const Nonce& nonce,
                                              std::span<const std::uint8_t> certificate,
                                              const identity::PublicKey& server_key);

struct HelloRequest {
  std::string protocol;
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
};
struct RegisterCommand {
  std::string user_id;
  identity::Secret password;
};
struct LoginCommand {
  std::string user_id;
  identity::Secret password;
  identity::PublicKey identity_key;
  identity::Signature proof{};
};
struct ChangePasswordCommand {
  std::string user_id;
  identity::Secret old_password;
  identity::Secret new_password;
};
struct RenewCommand {
  std::vector<std::uint8_t> certificate_bytes;
  identity::Certificate certificate;
  identity::Signature proof{};
};
using ClientRequest =
    std::variant<HelloRequest, RegisterCommand, LoginCommand, ChangePasswordCommand, RenewCommand>;

struct DecodedClientMessage {
  std::optional<ClientRequest> request;
  ErrorCode error = OK;  // BAD_REQUEST or WEAK_PASSWORD when request is empty
  std::string reason;
  // Which request it was, when that much parsed: the answer is of its type.
  ClientMessage::BodyCase body = ClientMessage::BODY_NOT_SET;
};
DecodedClientMessage decode_client_message(std::span<const std::uint8_t> bytes);

struct DecodedServerMessage {
  std::optional<ServerMessage> message;
  std::string error;
};
// For clients: bounds on what a server (or someone on the path, if the pin
// were wrong) can make the client hold.
DecodedServerMessage decode_server_message(std::span<const std::uint8_t> bytes);

std::vector<std::uint8_t> serialize(const google::protobuf::MessageLite& message);
Status make_status(ErrorCode code, std::string reason, std::uint32_t retry_after_ms = 0);
std::string_view error_code_name(ErrorCode code);

}  // namespace parley::login
