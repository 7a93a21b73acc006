#include "identity/handshake_messages.hpp"

#include <algorithm>
#include <climits>
#include <set>

#include "identity/certificate.hpp"
#include "identity/user_id.hpp"
#include "proto/handshake.pb.h"

namespace parley::identity {
namespace {

namespace wire = parley::handshake;

DecodedMessage refuse(HandshakeFailure failure, std::string reason) {
  return {std::nullopt, failure, std::move(reason)};
}

// A newer peer's extra fields would be covered by the signatures anyway, but
// accepting bytes we do not understand only widens what an attacker can feed
// through: version 1 has exactly one meaning for every byte.
bool has_unknown_fields(const google::protobuf::Message& message) {
  return !message.GetReflection()->GetUnknownFields(message).empty();
}

template <typename Fixed>
bool copy_fixed(const std::string& from, Fixed& to) {
  if (from.size() != to.size()) return false;
  std::copy(from.begin(), from.end(), to.begin());
  return true;
}

bool valid_offer_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxOfferNameBytes) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '+' ||
           c == '-';
  });
}

std::vector<std::string> to_names(const google::protobuf::RepeatedPtrField<std::string>& field) {
  return {field.begin(), field.end()};
}

// Shared checks of the two messages that carry an identity and offers.
std::optional<std::string> identity_fields_problem(const std::string& ephemeral_key,
                                                   const std::string& certificate,
                                                   const std::string& nonce,
                                                   std::uint64_t timestamp_ms) {
  if (ephemeral_key.size() != kX25519Bytes) {
    return "ephemeral key is " + std::to_string(ephemeral_key.size()) + " bytes, not " +
           std::to_string(kX25519Bytes);
  }
  if (certificate.empty() || certificate.size() > kMaxCertificateBytes) {
    return "certificate is " + std::to_string(certificate.size()) + " bytes (1.." +
           std::to_string(kMaxCertificateBytes) + " allowed)";
  }
  if (nonce.size() != kHandshakeNonceBytes) {
    return "nonce is " + std::to_string(nonce.size()) + " bytes, not " +
           std::to_string(kHandshakeNonceBytes);
  }
  if (timestamp_ms == 0) return "timestamp is missing";
  return std::nullopt;
}

DecodedMessage decode_hello(const std::string& bytes) {
  wire::Hello hello;
  if (!hello.ParseFromString(bytes) || has_unknown_fields(hello)) {
    return refuse(HandshakeFailure::malformed, "hello is not a well-formed Hello message");
  }
  if (hello.version() == 0) return refuse(HandshakeFailure::malformed, "hello carries no version");
  if (hello.version() != kHandshakeVersion) {
    return refuse(HandshakeFailure::unsupported_version,
                  "hello speaks handshake version " + std::to_string(hello.version()) +
                      "; this is version " + std::to_string(kHandshakeVersion));
  }
  for (const auto* user : {&hello.initiator_user(), &hello.responder_user()}) {
    if (auto problem = user_id_problem(*user)) {
      return refuse(HandshakeFailure::malformed, "hello names an invalid user id: " + *problem);
    }
  }
  if (auto problem = identity_fields_problem(hello.ephemeral_key(), hello.certificate(),
                                             hello.nonce(), hello.timestamp_ms())) {
    return refuse(HandshakeFailure::malformed, "hello: " + *problem);
  }
  HelloMessage out;
  out.bytes.assign(bytes.begin(), bytes.end());
  auto& fields = out.fields;
  fields.initiator_user = hello.initiator_user();
  fields.responder_user = hello.responder_user();
  copy_fixed(hello.ephemeral_key(), fields.ephemeral_key);
  fields.certificate.assign(hello.certificate().begin(), hello.certificate().end());
  fields.offers.cipher_suites = to_names(hello.cipher_suites());
  fields.offers.codecs = to_names(hello.codecs());
  copy_fixed(hello.nonce(), fields.nonce);
  fields.timestamp_ms = hello.timestamp_ms();
  if (auto problem =
          offer_list_problem(fields.offers.cipher_suites, 1, kMaxCipherSuites, "cipher suites")) {
    return refuse(HandshakeFailure::malformed, "hello: " + *problem);
  }
  if (auto problem = offer_list_problem(fields.offers.codecs, 0, kMaxCodecs, "codecs")) {
    return refuse(HandshakeFailure::malformed, "hello: " + *problem);
  }
  return {HandshakeMessage(std::move(out)), HandshakeFailure::none, {}};
}

DecodedMessage decode_reply(const wire::Reply& reply) {
  wire::ReplyBody body;
  if (!body.ParseFromString(reply.body()) || has_unknown_fields(body)) {
    return refuse(HandshakeFailure::malformed, "reply body is not a well-formed ReplyBody");
  }
  if (body.version() == 0) return refuse(HandshakeFailure::malformed, "reply carries no version");
  if (body.version() != kHandshakeVersion) {
    return refuse(HandshakeFailure::unsupported_version,
                  "reply speaks handshake version " + std::to_string(body.version()) +
                      "; this is version " + std::to_string(kHandshakeVersion));
  }
  ReplyMessage out;
  if (!copy_fixed(reply.signature(), out.signature) ||
      !copy_fixed(reply.confirmation(), out.confirmation)) {
    return refuse(HandshakeFailure::malformed, "reply signature or confirmation has a wrong size");
  }
  if (!copy_fixed(body.hello_hash(), out.body.hello_hash)) {
    return refuse(HandshakeFailure::malformed, "reply hello hash is not 32 bytes");
  }
  if (auto problem = identity_fields_problem(body.ephemeral_key(), body.certificate(), body.nonce(),
                                             body.timestamp_ms())) {
    return refuse(HandshakeFailure::malformed, "reply: " + *problem);
  }
  out.body_bytes.assign(reply.body().begin(), reply.body().end());
  auto& fields = out.body;
  copy_fixed(body.ephemeral_key(), fields.ephemeral_key);
  fields.certificate.assign(body.certificate().begin(), body.certificate().end());
  fields.offers.cipher_suites = to_names(body.cipher_suites());
  fields.offers.codecs = to_names(body.codecs());
  fields.chosen_suite = body.chosen_suite();
  fields.chosen_codec = body.chosen_codec();
  copy_fixed(body.nonce(), fields.nonce);
  fields.timestamp_ms = body.timestamp_ms();
  if (auto problem =
          offer_list_problem(fields.offers.cipher_suites, 1, kMaxCipherSuites, "cipher suites")) {
    return refuse(HandshakeFailure::malformed, "reply: " + *problem);
  }
  if (auto problem = offer_list_problem(fields.offers.codecs, 0, kMaxCodecs, "codecs")) {
    return refuse(HandshakeFailure::malformed, "reply: " + *problem);
  }
  if (!valid_offer_name(fields.chosen_suite)) {
    return refuse(HandshakeFailure::malformed, "reply names no valid chosen cipher suite");
  }
  if (!fields.chosen_codec.empty() && !valid_offer_name(fields.chosen_codec)) {
    return refuse(HandshakeFailure::malformed, "reply names an invalid chosen codec");
  }
  return {HandshakeMessage(std::move(out)), HandshakeFailure::none, {}};
}

DecodedMessage decode_finish(const wire::Finish& finish) {
  FinishMessage out;
  if (!copy_fixed(finish.signature(), out.signature) ||
      !copy_fixed(finish.confirmation(), out.confirmation)) {
    return refuse(HandshakeFailure::malformed, "finish signature or confirmation has a wrong size");
  }
  return {HandshakeMessage(out), HandshakeFailure::none, {}};
}

std::vector<std::uint8_t> serialize(const google::protobuf::Message& message) {
  std::string text;
  if (!message.SerializeToString(&text)) throw IdentityError("cannot encode a handshake message");
  return {text.begin(), text.end()};
}

std::vector<std::uint8_t> serialize_envelope(const wire::HandshakeMessage& envelope) {
  auto out = serialize(envelope);
  if (out.size() > kMaxHandshakeMessageBytes) {
    throw IdentityError("handshake message would be " + std::to_string(out.size()) +
                        " bytes; the limit is " + std::to_string(kMaxHandshakeMessageBytes));
  }
  return out;
}

void check_own_offers(const Offers& offers) {
  if (auto problem =
          offer_list_problem(offers.cipher_suites, 1, kMaxCipherSuites, "cipher suites")) {
    throw IdentityError("cannot offer these: " + *problem);
  }
  if (auto problem = offer_list_problem(offers.codecs, 0, kMaxCodecs, "codecs")) {
    throw IdentityError("cannot offer these: " + *problem);
  }
}

std::string as_string(std::span<const std::uint8_t> bytes) {
  return {bytes.begin(), bytes.end()};
}

}  // namespace

std::string_view failure_name(HandshakeFailure failure) {
  switch (failure) {
    case HandshakeFailure::none: return "none";
    case HandshakeFailure::too_large: return "too_large";
    case HandshakeFailure::malformed: return "malformed";
    case HandshakeFailure::unsupported_version: return "unsupported_version";
    case HandshakeFailure::unexpected_message: return "unexpected_message";
    case HandshakeFailure::wrong_recipient: return "wrong_recipient";
    case HandshakeFailure::bad_certificate: return "bad_certificate";
    case HandshakeFailure::stale: return "stale";
    case HandshakeFailure::replayed: return "replayed";
    case HandshakeFailure::busy: return "busy";
    case HandshakeFailure::no_common_suite: return "no_common_suite";
    case HandshakeFailure::no_common_codec: return "no_common_codec";
    case HandshakeFailure::transcript_mismatch: return "transcript_mismatch";
    case HandshakeFailure::bad_key_share: return "bad_key_share";
    case HandshakeFailure::bad_signature: return "bad_signature";
  }
  return "unknown";
}

std::string_view message_name(const HandshakeMessage& message) {
  static constexpr std::array<std::string_view, 3> kNames = {"hello", "reply", "finish"};
  return kNames.at(message.index());
}

DecodedMessage decode_handshake_message(std::span<const std::uint8_t> bytes) {
  if (bytes.size() > kMaxHandshakeMessageBytes) {
    return refuse(HandshakeFailure::too_large,
                  "handshake message of " + std::to_string(bytes.size()) + " bytes; at most " +
                      std::to_string(kMaxHandshakeMessageBytes) + " are allowed");
  }
  if (bytes.empty()) return refuse(HandshakeFailure::malformed, "empty handshake message");
  wire::HandshakeMessage envelope;
  if (!envelope.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
      has_unknown_fields(envelope)) {
    return refuse(HandshakeFailure::malformed,
                  "not a well-formed handshake message (truncated, or unknown fields)");
  }
  switch (envelope.body_case()) {
    case wire::HandshakeMessage::kHello: return decode_hello(envelope.hello());
    case wire::HandshakeMessage::kReply:
      if (has_unknown_fields(envelope.reply())) {
        return refuse(HandshakeFailure::malformed, "reply carries unknown fields");
      }
      return decode_reply(envelope.reply());
    case wire::HandshakeMessage::kFinish:
      if (has_unknown_fields(envelope.finish())) {
        return refuse(HandshakeFailure::malformed, "finish carries unknown fields");
      }
      return decode_finish(envelope.finish());
    case wire::HandshakeMessage::BODY_NOT_SET: break;
  }
  return refuse(HandshakeFailure::malformed, "handshake message carries no message");
}

std::vector<std::uint8_t> encode_hello(const HelloFields& fields,
                                       std::vector<std::uint8_t>& hello_bytes) {
  check_own_offers(fields.offers);
  wire::Hello hello;
  hello.set_version(kHandshakeVersion);
  hello.set_initiator_user(fields.initiator_user);
  hello.set_responder_user(fields.responder_user);
  hello.set_ephemeral_key(as_string(fields.ephemeral_key));
  hello.set_certificate(as_string(fields.certificate));
  for (const auto& suite : fields.offers.cipher_suites) hello.add_cipher_suites(suite);
  for (const auto& codec : fields.offers.codecs) hello.add_codecs(codec);
  hello.set_nonce(as_string(fields.nonce));
  hello.set_timestamp_ms(fields.timestamp_ms);
  hello_bytes = serialize(hello);
  wire::HandshakeMessage envelope;
  envelope.set_hello(as_string(hello_bytes));
  return serialize_envelope(envelope);
}

std::vector<std::uint8_t> encode_reply_body(const ReplyFields& fields) {
  check_own_offers(fields.offers);
  wire::ReplyBody body;
  body.set_version(kHandshakeVersion);
  body.set_hello_hash(as_string(fields.hello_hash));
  body.set_ephemeral_key(as_string(fields.ephemeral_key));
  body.set_certificate(as_string(fields.certificate));
  for (const auto& suite : fields.offers.cipher_suites) body.add_cipher_suites(suite);
  for (const auto& codec : fields.offers.codecs) body.add_codecs(codec);
  body.set_chosen_suite(fields.chosen_suite);
  body.set_chosen_codec(fields.chosen_codec);
  body.set_nonce(as_string(fields.nonce));
  body.set_timestamp_ms(fields.timestamp_ms);
  return serialize(body);
}

std::vector<std::uint8_t> encode_reply(std::span<const std::uint8_t> body_bytes,
                                       const Signature& signature,
                                       const Confirmation& confirmation) {
  wire::HandshakeMessage envelope;
  auto* reply = envelope.mutable_reply();
  reply->set_body(as_string(body_bytes));
  reply->set_signature(as_string(signature));
  reply->set_confirmation(as_string(confirmation));
  return serialize_envelope(envelope);
}

std::vector<std::uint8_t> encode_finish(const Signature& signature,
                                        const Confirmation& confirmation) {
  wire::HandshakeMessage envelope;
  auto* finish = envelope.mutable_finish();
  finish->set_signature(as_string(signature));
  finish->set_confirmation(as_string(confirmation));
  return serialize_envelope(envelope);
}

std::optional<std::string> offer_list_problem(const std::vector<std::string>& names,
                                              std::size_t min_count, std::size_t max_count,
                                              std::string_view what) {
  if (names.size() < min_count || names.size() > max_count) {
    return std::to_string(names.size()) + " " + std::string(what) + " offered (" +
           std::to_string(min_count) + ".." + std::to_string(max_count) + " allowed)";
  }
  std::set<std::string_view> seen;
  for (const auto& name : names) {
    if (!valid_offer_name(name)) {
      return std::string(what) + " name is not 1.." + std::to_string(kMaxOfferNameBytes) +
             " bytes of [a-z0-9._+-]";
    }
    if (!seen.insert(name).second) return std::string(what) + " list names one entry twice";
  }
  return std::nullopt;
}

std::optional<std::string> first_common(const std::vector<std::string>& initiator_order,
                                        const std::vector<std::string>& responder_supported) {
  for (const auto& name : initiator_order) {
    if (std::find(responder_supported.begin(), responder_supported.end(), name) !=
        responder_supported.end()) {
      return name;
    }
  }
  return std::nullopt;
}

}  // namespace parley::identity
